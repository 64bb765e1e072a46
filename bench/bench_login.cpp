// The login hot path: pam_start + pam_acct_mgmt + pam_end for a registered user, with
// pam_sspr.so in the stack (asking the real ssprd over a private dbus-daemon) and with
// pam_permit.so in its place, interleaved in the same run. Reports the added latency and the
// ratio; see bench/README.md.
//   bench_login [ITERATIONS]
#include "testbed.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <security/pam_appl.h>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace {

int silent_conv(int, const pam_message**, pam_response** resp, void*) {
  *resp = nullptr;
  return PAM_SUCCESS;
}

double one_login_us(const char* service, const char* user) {
  pam_conv conv{silent_conv, nullptr};
  pam_handle_t* pamh = nullptr;
  const auto start = std::chrono::steady_clock::now();
  int rc = pam_start(service, user, &conv, &pamh);
  if (rc == PAM_SUCCESS) rc = pam_acct_mgmt(pamh, 0);
  pam_end(pamh, rc);
  const auto end = std::chrono::steady_clock::now();
  if (rc != PAM_SUCCESS) {
    std::fprintf(stderr, "bench_login: %s returned %d\n", service, rc);
    std::exit(1);
  }
  return std::chrono::duration<double, std::micro>(end - start).count();
}

// The first login of a fresh process (sshd forks one per connection): fork, log in once,
// report the time through a pipe. Runs before anything loaded pam_sspr.so in this process.
double one_cold_login_us(const char* service, const char* user) {
  int fds[2];
  if (pipe(fds) < 0) std::exit(1);
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    const double us = one_login_us(service, user);
    if (write(fds[1], &us, sizeof us) != sizeof us) _exit(1);
    _exit(0);
  }
  close(fds[1]);
  double us = 0;
  if (read(fds[0], &us, sizeof us) != sizeof us) std::exit(1);
  close(fds[0]);
  waitpid(pid, nullptr, 0);
  return us;
}

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  const auto index = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[index];
}

}  // namespace

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

  std::vector<double> cold_sspr, cold_baseline;
  for (int i = 0; i < iterations / 10; ++i) {
    cold_sspr.push_back(one_cold_login_us("bench-sspr", "alice"));
    cold_baseline.push_back(one_cold_login_us("bench-permit", "alice"));
  }

  for (int i = 0; i < 200; ++i) {  // warm caches, page in the module
    one_login_us("bench-sspr", "alice");
    one_login_us("bench-permit", "alice");
  }
  std::vector<double> with_sspr, baseline;
  for (int i = 0; i < iterations; ++i) {  // interleaved, so drift hits both alike
    with_sspr.push_back(one_login_us("bench-sspr", "alice"));
    baseline.push_back(one_login_us("bench-permit", "alice"));
  }
  const double med_s = percentile(with_sspr, 0.5), med_b = percentile(baseline, 0.5);
  const double p99_s = percentile(with_sspr, 0.99), p99_b = percentile(baseline, 0.99);
  const double added_median_ms = (med_s - med_b) / 1000.0, added_p99_ms = (p99_s - p99_b) / 1000.0;

  std::printf("login hot path, %d interleaved iterations each (registered user, account phase)\n", iterations);
  std::printf("  %-34s median %8.1f us   p99 %8.1f us\n", "pam_permit.so in place (baseline)", med_b, p99_b);
  std::printf("  %-34s median %8.1f us   p99 %8.1f us\n", "pam_sspr.so -> ssprd", med_s, p99_s);
  std::printf("  added per login: median %.3f ms (target <= 0.5), p99 %.3f ms (target <= 2.0)\n", added_median_ms,
              added_p99_ms);
  std::printf("  ratio sspr/baseline: median %.1fx, p99 %.1fx\n", med_s / med_b, p99_s / p99_b);
  std::printf("  within target: %s\n", (added_median_ms <= 0.5 && added_p99_ms <= 2.0) ? "yes" : "NO");

  const double cmed_s = percentile(cold_sspr, 0.5), cmed_b = percentile(cold_baseline, 0.5);
  const double cp99_s = percentile(cold_sspr, 0.99), cp99_b = percentile(cold_baseline, 0.99);
  std::printf("first login in a fresh (forked) process, %zu each: loads pam_sspr.so and libsystemd\n",
              cold_sspr.size());
  std::printf("  %-34s median %8.1f us   p99 %8.1f us\n", "pam_permit.so in place (baseline)", cmed_b, cp99_b);
  std::printf("  %-34s median %8.1f us   p99 %8.1f us\n", "pam_sspr.so -> ssprd", cmed_s, cp99_s);
  std::printf("  added per login: median %.3f ms, p99 %.3f ms\n", (cmed_s - cmed_b) / 1000.0, (cp99_s - cp99_b) / 1000.0);
  return 0;
}
