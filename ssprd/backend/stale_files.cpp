#include "backend/stale_files.hpp"

#include "directory_listing.hpp"
#include "log.hpp"
#include "text.hpp"

#include <cerrno>
#include <csignal>
#include <string>
#include <unistd.h>
#include <vector>

namespace sspr::daemon::backend {

int remove_stale_files(int dir_fd, const std::function<bool(std::string_view name)>& is_stale) noexcept {
  try {
    std::vector<std::string> names = regular_files_in(dir_fd);
    std::erase_if(names, [&is_stale](const std::string& name) { return !is_stale(name); });
    int removed = 0;
    for (const auto& name : names) {
      if (::unlinkat(dir_fd, name.c_str(), 0) == 0) {
        log_notice("removed %s, left behind by an interrupted writer", escape_untrusted(name).c_str());
        ++removed;
      } else if (errno != ENOENT) {
        log_errno(LOG_WARNING, -errno, "cannot remove stale %s", escape_untrusted(name).c_str());
      }
    }
    return removed;
  } catch (...) {
    return 0;
  }
}

bool names_dead_process(std::string_view text) noexcept {
  if (text.empty() || text.size() > 10) return false;
  long pid = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return false;
    pid = pid * 10 + (c - '0');
  }
  // pid 0 and negative values would address process groups.
  if (pid <= 0 || pid > 0x7fffffff) return false;
  return ::kill(static_cast<pid_t>(pid), 0) < 0 && errno == ESRCH;
}

}  // namespace sspr::daemon::backend
