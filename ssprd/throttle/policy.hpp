// Password-reset throttles as data: three windowed rules (Entra ID's published numbers are the
// defaults) and a per-method cap on consecutive failures (NIST SP 800-63B: at most 100, then the
// method is disabled until an administrator acts). The values will come from sspr.conf.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sspr::daemon::throttle {

// The verification methods, by the names record.hpp gives MethodType (to_string() agrees).
enum class Method : std::uint8_t { totp, email, sms, questions, recovery_codes };
inline constexpr std::size_t kMethodCount = 5;
inline constexpr Method kAllMethods[kMethodCount] = {Method::totp, Method::email, Method::sms, Method::questions,
                                                     Method::recovery_codes};
const char* to_string(Method method) noexcept;
std::optional<Method> method_from_string(std::string_view name) noexcept;

// The windowed counters. Their numeric values are stored in the state files: append only.
enum class Window : std::uint8_t { identity_failure = 0, validation = 1, delivery = 2 };
inline constexpr std::size_t kWindowCount = 3;
inline constexpr Window kAllWindows[kWindowCount] = {Window::identity_failure, Window::validation, Window::delivery};
const char* to_string(Window window) noexcept;

// The event that brings the number of events within the last `window` seconds to
// `blocking_count` blocks password reset for `block` seconds from that event. An event counts
// while it is younger than `window` (at exactly `window` seconds old it no longer does).
struct WindowRule {
  std::uint32_t blocking_count = 0;
  std::int64_t window = 0;  // seconds
  std::int64_t block = 0;   // seconds
};

struct Policy {
  // 5 failed identity proofs within 24 h block for 24 h.
  WindowRule identity_failure{5, 24 * 3600, 24 * 3600};
  // More than 5 code/answer validations within 1 h (the 6th) block for 24 h.
  WindowRule validation{6, 3600, 24 * 3600};
  // More than 10 e-mails or SMS within 10 min (the 11th) block for 24 h.
  WindowRule delivery{11, 10 * 60, 24 * 3600};
  // This many consecutive failures of one method disable it until an administrator clears it.
  std::uint32_t method_failure_limit = 100;

  const WindowRule& rule(Window window) const noexcept;
};

// Why `policy` cannot be used (a sentence), or nothing. A rule needs 1 <= blocking_count <=
// kMaxEvents (throttle_store.hpp: a larger count could never be reached) and positive window and block of at most
// a year; the method limit must be at least 1.
std::optional<std::string> policy_problem(const Policy& policy);

// "23 hours 59 minutes", "2 hours", "1 minute", "under a minute": whole minutes, rounded down
// (a wait of 59 s or less, or none, is "under a minute").
std::string describe_wait(std::int64_t seconds);

}  // namespace sspr::daemon::throttle
