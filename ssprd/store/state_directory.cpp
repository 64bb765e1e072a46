#include "state_directory.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace sspr::daemon {
namespace {

bool check_private_directory(int fd, const std::string& shown_path, std::string& problem) {
  struct stat st {};
  if (::fstat(fd, &st) < 0) {
    problem = shown_path + ": cannot stat: " + std::strerror(errno);
    return false;
  }
  if (!S_ISDIR(st.st_mode)) {
    problem = shown_path + " is not a directory";
    return false;
  }
  if (st.st_uid != ::geteuid() || (st.st_mode & 077) != 0) {
    problem = shown_path + " must be owned by root and have mode 0700 (chown root: and chmod 0700 it)";
    return false;
  }
  return true;
}

}  // namespace

UniqueFd open_state_directory(const std::string& path, std::string& problem) {
  if (path.empty() || path.front() != '/') {
    problem = "state directory '" + path + "' is not an absolute path";
    return {};
  }
  if (::mkdir(path.c_str(), 0700) < 0 && errno != EEXIST) {
    problem = path + ": cannot create: " + std::strerror(errno);
    return {};
  }
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd) {
    problem = path + ": cannot open: " + std::strerror(errno);
    return {};
  }
  if (!check_private_directory(fd.get(), path, problem)) return {};
  return fd;
}

UniqueFd open_private_subdirectory(int parent_fd, const char* name, std::string& problem) {
  if (::mkdirat(parent_fd, name, 0700) < 0 && errno != EEXIST) {
    problem = std::string(name) + ": cannot create: " + std::strerror(errno);
    return {};
  }
  UniqueFd fd(::openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd) {
    problem = std::string(name) + ": cannot open: " + std::strerror(errno);
    return {};
  }
  if (!check_private_directory(fd.get(), name, problem)) return {};
  return fd;
}

}  // namespace sspr::daemon
