// sspr-test-launch: lets shell fixtures start and stop daemons without sleeping or polling.
//   sspr-test-launch start RUNTIME_DIR LOG_FILE -- PROGRAM [ARGS...]
//       starts PROGRAM (environment passed on), waits for its READY=1, prints its pid, exits;
//       the daemon keeps running.
//   sspr-test-launch stop PID
//       sends SIGTERM and waits (via a pidfd, so the daemon need not be our child) until it
//       is gone; exit 1 if it is still there after 10 s.
#include "process.hpp"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <poll.h>
#include <string>
#include <sys/syscall.h>
#include <unistd.h>
#include <vector>

extern char** environ;

namespace {

int start(int argc, char** argv) {
  if (argc < 6 || std::strcmp(argv[4], "--") != 0) return -1;
  std::vector<std::string> args(argv + 5, argv + argc);
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e)
    if (std::strncmp(*e, "NOTIFY_SOCKET=", 14) != 0) env.emplace_back(*e);
  const auto spawned = sspr::test::spawn_and_wait_ready(args, env, argv[2], argv[3], 10000, /*die_with_parent=*/false);
  if (spawned.pid < 0) {
    std::fprintf(stderr, "sspr-test-launch: %s\n", spawned.error.c_str());
    return 1;
  }
  std::printf("%d\n", static_cast<int>(spawned.pid));
  return 0;
}

int stop(const char* pid_text) {
  const pid_t pid = static_cast<pid_t>(std::atoi(pid_text));
  if (pid <= 1) return -1;
  const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (pidfd < 0) {
    if (errno == ESRCH) return 0;  // already gone
    std::perror("sspr-test-launch: pidfd_open");
    return 1;
  }
  ::kill(pid, SIGCONT);
  ::kill(pid, SIGTERM);
  pollfd p{pidfd, POLLIN, 0};
  int n;
  while ((n = ::poll(&p, 1, 10000)) < 0 && errno == EINTR) {
  }
  ::close(pidfd);
  if (n == 0) {
    std::fprintf(stderr, "sspr-test-launch: process %d did not exit within 10 s of SIGTERM\n", static_cast<int>(pid));
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  int rc = -1;
  if (argc >= 2 && std::strcmp(argv[1], "start") == 0) rc = start(argc, argv);
  if (argc == 3 && std::strcmp(argv[1], "stop") == 0) rc = stop(argv[2]);
  if (rc < 0) {
    std::fprintf(stderr,
                 "usage: sspr-test-launch start RUNTIME_DIR LOG_FILE -- PROGRAM [ARGS...]\n"
                 "       sspr-test-launch stop PID\n");
    return 2;
  }
  return rc;
}
