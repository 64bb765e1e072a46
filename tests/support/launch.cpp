// sspr-test-launch: starts a daemon, waits for its READY=1, prints its pid and exits, leaving
// the daemon running. Shell fixtures use it so they never sleep or poll to synchronise.
//   sspr-test-launch RUNTIME_DIR LOG_FILE -- PROGRAM [ARGS...]
// The environment is passed on unchanged.
#include "process.hpp"

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

extern char** environ;

int main(int argc, char** argv) {
  if (argc < 5 || std::strcmp(argv[3], "--") != 0) {
    std::fprintf(stderr, "usage: sspr-test-launch RUNTIME_DIR LOG_FILE -- PROGRAM [ARGS...]\n");
    return 2;
  }
  std::vector<std::string> args(argv + 4, argv + argc);
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e)
    if (std::strncmp(*e, "NOTIFY_SOCKET=", 14) != 0) env.emplace_back(*e);
  const auto spawned = sspr::test::spawn_and_wait_ready(args, env, argv[1], argv[2], 10000);
  if (spawned.pid < 0) {
    std::fprintf(stderr, "sspr-test-launch: %s\n", spawned.error.c_str());
    return 1;
  }
  std::printf("%d\n", static_cast<int>(spawned.pid));
  return 0;
}
