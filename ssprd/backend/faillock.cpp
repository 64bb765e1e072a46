#include "backend/faillock.hpp"

#include "log.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace sspr::daemon::backend {

void clear_faillock_tally(const std::string& directory, const std::string& user) noexcept {
  if (directory.empty()) return;
  const int dir = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  if (dir < 0) return;  // no tally directory: nothing to clear
  if (::unlinkat(dir, user.c_str(), 0) < 0 && errno != ENOENT)
    log_warning("cannot clear the pam_faillock tally of %s: %s", user.c_str(), std::strerror(errno));
  ::close(dir);
}

}  // namespace sspr::daemon::backend
