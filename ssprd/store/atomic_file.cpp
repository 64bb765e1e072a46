#include "atomic_file.hpp"

#include "backend/stale_files.hpp"

#include <cerrno>
#include <string_view>
#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

namespace sspr::daemon {

int write_file_atomically(int dir_fd, const std::string& name, std::string_view content, mode_t mode) noexcept {
  if (name.empty() || name.find('/') != std::string::npos || name.front() == '.') return -EINVAL;
  char suffix[17];
  std::uint64_t random = 0;
  randombytes_buf(&random, sizeof random);
  snprintf(suffix, sizeof suffix, "%016llx", static_cast<unsigned long long>(random));
  std::string temp;
  try {
    temp = "." + name + "." + suffix;
  } catch (...) {
    return -ENOMEM;
  }
  const int fd = ::openat(dir_fd, temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
  if (fd < 0) return -errno;
  int r = 0;
  if (::fchmod(fd, mode) < 0) r = -errno;
  std::size_t done = 0;
  while (r == 0 && done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) r = n < 0 ? -errno : -EIO;
    else done += static_cast<std::size_t>(n);
  }
  if (r == 0 && ::fsync(fd) < 0) r = -errno;
  if (::close(fd) < 0 && r == 0) r = -errno;
  if (r == 0 && ::renameat(dir_fd, temp.c_str(), dir_fd, name.c_str()) < 0) r = -errno;
  if (r < 0) {
    ::unlinkat(dir_fd, temp.c_str(), 0);
    return r;
  }
  // The rename is durable only once the directory entry is.
  if (::fsync(dir_fd) < 0) return -errno;
  return 0;
}

int remove_interrupted_writes(int dir_fd, std::time_t started_before) noexcept {
  return backend::remove_stale_files(dir_fd, [dir_fd, started_before](std::string_view name) {
    // ".<name>.<16 hex digits>": only write_file_atomically() makes such names.
    const auto dot = name.rfind('.');
    if (name.size() < 19 || name.front() != '.' || dot == 0 || name.size() - dot - 1 != 16) return false;
    if (name.substr(dot + 1).find_first_not_of("0123456789abcdef") != std::string_view::npos) return false;
    // A write that began since is alive: its file is younger.
    struct stat st {};
    const std::string file(name);
    return ::fstatat(dir_fd, file.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && st.st_mtime < started_before;
  });
}

}  // namespace sspr::daemon
