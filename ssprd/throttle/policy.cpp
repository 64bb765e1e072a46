#include "throttle/policy.hpp"

#include "throttle/throttle_store.hpp"

namespace sspr::daemon::throttle {

const char* to_string(Method method) noexcept {
  switch (method) {
    case Method::totp: return "totp";
    case Method::email: return "email";
    case Method::sms: return "sms";
    case Method::questions: return "questions";
    case Method::recovery_codes: return "recovery_codes";
  }
  return "unknown";
}

std::optional<Method> method_from_string(std::string_view name) noexcept {
  for (Method method : kAllMethods)
    if (name == to_string(method)) return method;
  return std::nullopt;
}

const char* to_string(Window window) noexcept {
  switch (window) {
    case Window::identity_failure: return "identity_failure";
    case Window::validation: return "validation";
    case Window::delivery: return "delivery";
  }
  return "unknown";
}

const WindowRule& Policy::rule(Window window) const noexcept {
  switch (window) {
    case Window::validation: return validation;
    case Window::delivery: return delivery;
    case Window::identity_failure: break;
  }
  return identity_failure;
}

std::optional<std::string> policy_problem(const Policy& policy) {
  constexpr std::int64_t kYear = 366 * 24 * 3600;
  for (Window window : kAllWindows) {
    const WindowRule& rule = policy.rule(window);
    const std::string name = to_string(window);
    if (rule.blocking_count < 1 || rule.blocking_count > kMaxEvents)
      return "the " + name + " throttle must block at a count from 1 to " + std::to_string(kMaxEvents);
    if (rule.window < 1 || rule.window > kYear) return "the " + name + " throttle window must be from 1 s to a year";
    if (rule.block < 1 || rule.block > kYear) return "the " + name + " throttle block must be from 1 s to a year";
  }
  if (policy.method_failure_limit < 1) return "the method failure limit must be at least 1";
  return std::nullopt;
}

std::string describe_wait(std::int64_t seconds) {
  if (seconds < 60) return "under a minute";
  const std::int64_t hours = seconds / 3600;
  const std::int64_t minutes = seconds % 3600 / 60;
  auto unit = [](std::int64_t n, const char* one, const char* many) {
    return std::to_string(n) + " " + (n == 1 ? one : many);
  };
  if (hours == 0) return unit(minutes, "minute", "minutes");
  if (minutes == 0) return unit(hours, "hour", "hours");
  return unit(hours, "hour", "hours") + " " + unit(minutes, "minute", "minutes");
}

}  // namespace sspr::daemon::throttle
