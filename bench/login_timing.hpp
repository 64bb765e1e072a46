// Timing one login's account phase (pam_start + pam_acct_mgmt + pam_end) and reporting two
// stacks measured in the same run as an added cost and a ratio. Shared by bench_login (the
// harness) and bench_login_system (the booted Debian).
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <security/pam_appl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace sspr::bench {

inline int silent_conv(int, const pam_message**, pam_response** resp, void*) {
  *resp = nullptr;
  return PAM_SUCCESS;
}

inline double one_login_us(const char* service, const char* user) {
  pam_conv conv{silent_conv, nullptr};
  pam_handle_t* pamh = nullptr;
  const auto start = std::chrono::steady_clock::now();
  int rc = pam_start(service, user, &conv, &pamh);
  if (rc == PAM_SUCCESS) rc = pam_acct_mgmt(pamh, 0);
  pam_end(pamh, rc);
  const auto end = std::chrono::steady_clock::now();
  if (rc != PAM_SUCCESS) {
    std::fprintf(stderr, "bench: the account phase of %s returned %d\n", service, rc);
    std::exit(1);
  }
  return std::chrono::duration<double, std::micro>(end - start).count();
}

// The first login of a fresh process (sshd forks one per connection): fork, log in once,
// report the time through a pipe. Runs before anything loaded pam_sspr.so in this process.
inline double one_cold_login_us(const char* service, const char* user) {
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

inline double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto index = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[index];
}

struct Comparison {
  std::vector<double> with_sspr, baseline;
};

// Warm-up, then `iterations` logins of each stack, interleaved so that drift hits both alike.
inline Comparison interleaved(const char* sspr_service, const char* baseline_service, const char* user,
                              int iterations) {
  for (int i = 0; i < 200; ++i) {  // warm caches, page in the module
    one_login_us(sspr_service, user);
    one_login_us(baseline_service, user);
  }
  Comparison c;
  for (int i = 0; i < iterations; ++i) {
    c.with_sspr.push_back(one_login_us(sspr_service, user));
    c.baseline.push_back(one_login_us(baseline_service, user));
  }
  return c;
}

inline Comparison cold(const char* sspr_service, const char* baseline_service, const char* user, int iterations) {
  Comparison c;
  for (int i = 0; i < iterations; ++i) {
    c.with_sspr.push_back(one_cold_login_us(sspr_service, user));
    c.baseline.push_back(one_cold_login_us(baseline_service, user));
  }
  return c;
}

// Prints both stacks and the added cost; returns whether it is within the login target
// (<= 0.5 ms median and <= 2 ms p99 added).
inline bool report(const char* title, const Comparison& c, bool with_target) {
  const double med_s = percentile(c.with_sspr, 0.5), med_b = percentile(c.baseline, 0.5);
  const double p99_s = percentile(c.with_sspr, 0.99), p99_b = percentile(c.baseline, 0.99);
  const double added_median_ms = (med_s - med_b) / 1000.0, added_p99_ms = (p99_s - p99_b) / 1000.0;
  const bool within = added_median_ms <= 0.5 && added_p99_ms <= 2.0;
  std::printf("%s, %zu each\n", title, c.with_sspr.size());
  std::printf("  %-34s median %8.1f us   p99 %8.1f us\n", "pam_permit.so in place (baseline)", med_b, p99_b);
  std::printf("  %-34s median %8.1f us   p99 %8.1f us\n", "pam_sspr.so -> ssprd", med_s, p99_s);
  if (with_target) {
    std::printf("  added per login: median %.3f ms (target <= 0.5), p99 %.3f ms (target <= 2.0)\n", added_median_ms,
                added_p99_ms);
    std::printf("  ratio sspr/baseline: median %.1fx, p99 %.1fx\n", med_s / med_b, p99_s / p99_b);
    std::printf("  within target: %s\n", within ? "yes" : "NO");
  } else {
    std::printf("  added per login: median %.3f ms, p99 %.3f ms\n", added_median_ms, added_p99_ms);
  }
  return within;
}

}  // namespace sspr::bench
