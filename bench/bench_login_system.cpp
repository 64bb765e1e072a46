// The login hot path on the booted Debian (bench/system_login.sh runs it inside the machine):
// the installed pam_sspr.so asking the ssprd that systemd started, over the system bus with its
// stock configuration, with Debian's stock nsswitch.conf; against pam_permit.so in its place,
// interleaved in the same run. The PAM services are the script's; nothing here knows the harness.
//   bench_login_system SSPR_SERVICE BASELINE_SERVICE USER [ITERATIONS]
#include "login_timing.hpp"

#include <cstdio>
#include <cstdlib>

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: bench_login_system SSPR_SERVICE BASELINE_SERVICE USER [ITERATIONS]\n");
    return 2;
  }
  const int iterations = argc > 4 ? std::atoi(argv[4]) : 2000;
  using namespace sspr::bench;
  const Comparison first = cold(argv[1], argv[2], argv[3], iterations / 10);
  const Comparison hot = interleaved(argv[1], argv[2], argv[3], iterations);
  report("login hot path (booted Debian 12: system bus, stock nsswitch.conf), interleaved, "
                             "registered user, account phase",
                             hot, true);
  report("first login in a fresh (forked) process: loads pam_sspr.so and libsystemd", first, false);
  return 0;  // a figure, not a verdict: "within target" is printed
}
