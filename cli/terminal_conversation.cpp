#include "terminal_conversation.hpp"

#include <cerrno>
#include <cstdio>
#include <termios.h>
#include <unistd.h>

namespace sspr::cli {
namespace {

constexpr std::size_t kMaxLine = 1024;

// Reads one line (without the newline) from stdin; nullopt at end of input or if too long.
// Byte by byte with read(2), not stdio: no buffer of ours or libc's keeps a copy of what was
// typed (it may be a password or a code), and the one string is sized once, then wiped by the
// caller; a line too long is wiped here.
std::optional<std::string> read_line() {
  std::string line;
  line.reserve(kMaxLine + 1);
  for (;;) {
    char c = 0;
    const ssize_t n = ::read(STDIN_FILENO, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (line.empty()) return std::nullopt;
      break;
    }
    if (c == '\n') break;
    if (line.size() >= kMaxLine) {
      secure_wipe(line.data(), line.size());
      return std::nullopt;
    }
    line.push_back(c);
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

std::optional<Secret> secret_line() {
  auto line = read_line();
  if (!line) return std::nullopt;
  Secret secret(*line);
  secure_wipe(line->data(), line->size());
  return secret;
}

}  // namespace

std::optional<std::string> TerminalConversation::ask(std::string_view prompt) {
  std::fwrite(prompt.data(), 1, prompt.size(), stdout);
  std::fflush(stdout);
  return read_line();
}

std::optional<Secret> TerminalConversation::ask_secret(std::string_view prompt) {
  std::fwrite(prompt.data(), 1, prompt.size(), stdout);
  std::fflush(stdout);
  termios saved{};
  const bool tty = ::isatty(STDIN_FILENO) && ::tcgetattr(STDIN_FILENO, &saved) == 0;
  if (tty) {
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  auto secret = secret_line();
  if (tty) {
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
    std::fputc('\n', stdout);
  }
  return secret;
}

std::optional<Secret> TerminalConversation::ask_code(std::string_view prompt) {
  std::fwrite(prompt.data(), 1, prompt.size(), stdout);
  std::fflush(stdout);
  return secret_line();
}

void TerminalConversation::info(std::string_view text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

void TerminalConversation::error(std::string_view text) {
  std::fflush(stdout);
  std::fwrite(text.data(), 1, text.size(), stderr);
  std::fputc('\n', stderr);
}

}  // namespace sspr::cli
