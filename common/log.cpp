#include "log.hpp"

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sys/stat.h>
#include <unistd.h>

namespace sspr {
namespace {

int max_level = LOG_INFO;
const char* identifier = "sspr";

// Under systemd stderr is the journal stream: prefix "<N>" so the journal records the
// priority. Elsewhere, a human-readable prefix.
bool stderr_is_journal() noexcept {
  const char* e = std::getenv("JOURNAL_STREAM");
  if (e == nullptr) return false;
  unsigned long long dev = 0, ino = 0;
  if (std::sscanf(e, "%llu:%llu", &dev, &ino) != 2) return false;
  struct stat st {};
  if (::fstat(STDERR_FILENO, &st) < 0) return false;
  return st.st_dev == dev && st.st_ino == ino;
}

const char* level_name(int level) noexcept {
  switch (level) {
    case LOG_DEBUG: return "debug";
    case LOG_INFO: return "info";
    case LOG_NOTICE: return "notice";
    case LOG_WARNING: return "warning";
    default: return "error";
  }
}

void emit(int level, const char* format, va_list args, const char* suffix) noexcept {
  if (level > max_level) return;
  char text[2048];
  std::vsnprintf(text, sizeof text, format, args);
  if (stderr_is_journal())
    std::fprintf(stderr, "<%d>%s%s\n", level, text, suffix);
  else
    std::fprintf(stderr, "%s: %s: %s%s\n", identifier, level_name(level), text, suffix);
}

}  // namespace

void log_set_max_level(int level) noexcept { max_level = level; }
void log_set_identifier(const char* id) noexcept { identifier = id; }

void log_message(int level, const char* format, ...) noexcept {
  va_list args;
  va_start(args, format);
  emit(level, format, args, "");
  va_end(args);
}

int log_errno(int level, int negative_errno, const char* format, ...) noexcept {
  char suffix[256];
  std::snprintf(suffix, sizeof suffix, ": %s", std::strerror(-negative_errno));
  va_list args;
  va_start(args, format);
  emit(level, format, args, suffix);
  va_end(args);
  return negative_errno;
}

}  // namespace sspr
