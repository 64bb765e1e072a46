#include "backend/stale_files.hpp"

#include "log.hpp"
#include "text.hpp"

#include <cerrno>
#include <csignal>
#include <dirent.h>
#include <fcntl.h>
#include <memory>
#include <string>
#include <unistd.h>
#include <vector>

namespace sspr::daemon::backend {

int remove_stale_files(int dir_fd, const std::function<bool(std::string_view name)>& is_stale) noexcept {
  try {
    // A descriptor of our own: fdopendir takes it over, and its offset is not dir_fd's.
    const int fd = ::openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return 0;
    const std::unique_ptr<DIR, int (*)(DIR*)> dir(::fdopendir(fd), ::closedir);
    if (!dir) {
      ::close(fd);
      return 0;
    }
    std::vector<std::string> names;
    while (const dirent* e = ::readdir(dir.get()))
      if ((e->d_type == DT_REG || e->d_type == DT_UNKNOWN) && is_stale(e->d_name)) names.emplace_back(e->d_name);
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
