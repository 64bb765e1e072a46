#include "directory_listing.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <memory>
#include <unistd.h>

namespace sspr {

std::vector<std::string> regular_files_in(int dir_fd) {
  std::vector<std::string> names;
  // A descriptor of our own: fdopendir takes it over, and its offset is not dir_fd's.
  const int fd = ::openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return names;
  const std::unique_ptr<DIR, int (*)(DIR*)> dir(::fdopendir(fd), ::closedir);
  if (!dir) {
    ::close(fd);
    return names;
  }
  while (const dirent* e = ::readdir(dir.get()))
    if (e->d_type == DT_REG || e->d_type == DT_UNKNOWN) names.emplace_back(e->d_name);
  return names;
}

}  // namespace sspr
