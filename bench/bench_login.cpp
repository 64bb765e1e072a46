// The login hot path in the harness: pam_start + pam_acct_mgmt + pam_end for a registered user,
// with pam_sspr.so in the stack (asking the real ssprd over a private dbus-daemon) and with
// pam_permit.so in its place, interleaved in the same run. Reports the added latency and the
// ratio; see bench/README.md. bench_login_system measures the same on the booted Debian.
//   bench_login [ITERATIONS]
#include "login_timing.hpp"
#include "testbed.hpp"

#include <string>

int main(int argc, char** argv) {
  if (geteuid() != 0) {
    std::fprintf(stderr, "bench_login: run as root (the shipped bus policy lets only root own the name)\n");
    return 77;
  }
  const int iterations = argc > 1 ? std::atoi(argv[1]) : 2000;
  std::string error;
  auto bed = sspr::test::TestBed::create(error);
  if (!bed) return std::fprintf(stderr, "bench_login: %s\n", error.c_str()), 1;
  bed->write_confirmed_record("alice");
  bed->write_pam_service("bench-sspr",
                         "account [success=ok ignore=ignore default=bad] @MODULE@ config=@CONFIG@\n"
                         "account required @PERMIT@\n");
  bed->write_pam_service("bench-permit", "account required @PERMIT@\naccount required @PERMIT@\n");
  if (!bed->start_ssprd(error)) return std::fprintf(stderr, "bench_login: %s\n", error.c_str()), 1;

  using namespace sspr::bench;
  const Comparison first = cold("bench-sspr", "bench-permit", "alice", iterations / 10);
  const Comparison hot = interleaved("bench-sspr", "bench-permit", "alice", iterations);
  report("login hot path (harness: private bus, nss_wrapper), interleaved, registered user, account phase", hot,
         true);
  report("first login in a fresh (forked) process: loads pam_sspr.so and libsystemd", first, false);
  return 0;
}
