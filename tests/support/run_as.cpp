#include "run_as.hpp"

#include <grp.h>
#include <sys/wait.h>
#include <unistd.h>

namespace sspr::test {

std::string run_as(uid_t uid, gid_t gid, const std::function<std::string()>& body) {
  int fds[2];
  if (::pipe(fds) < 0) return "CHILD FAILED pipe";
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    std::string out;
    if (::setgroups(0, nullptr) < 0 || ::setresgid(gid, gid, gid) < 0 || ::setresuid(uid, uid, uid) < 0)
      out = "CHILD FAILED setresuid";
    else
      out = body();
    const char* p = out.data();
    std::size_t left = out.size();
    while (left > 0) {
      const ssize_t n = ::write(fds[1], p, left);
      if (n <= 0) break;
      p += n;
      left -= static_cast<std::size_t>(n);
    }
    _exit(0);
  }
  ::close(fds[1]);
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fds[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
  ::close(fds[0]);
  ::waitpid(pid, nullptr, 0);
  return out;
}

}  // namespace sspr::test
