// sspr-shadow-writer DIR USER HASH [LOCK_WAIT_MS]: sets USER's hash in DIR/shadow with the
// real locks and I/O, for the crash test (which kills it at random moments). Exit 0 on
// success; 1 and the error's bus name on stderr otherwise; 2 on bad usage.
#include "backend/shadow_file.hpp"

#include <cstdio>
#include <cstdlib>
#include <ctime>

int main(int argc, char** argv) {
  using namespace sspr::daemon::backend;
  if (argc != 4 && argc != 5) {
    std::fprintf(stderr, "usage: %s DIR USER HASH [LOCK_WAIT_MS]\n", argv[0]);
    return 2;
  }
  ShadowPaths paths;
  paths.dir = argv[1];
  const long wait_ms = argc == 5 ? std::strtol(argv[4], nullptr, 10) : 5000;
  const auto r =
      set_password_hash(paths, argv[2], argv[3], std::time(nullptr) / 86400, std::chrono::milliseconds(wait_ms));
  if (!r) {
    std::fprintf(stderr, "%s\n", std::string(sspr::error_info(r.error()).bus_name).c_str());
    return 1;
  }
  return 0;
}
