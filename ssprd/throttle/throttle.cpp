#include "throttle/throttle.hpp"

#include "directory_listing.hpp"
#include "log.hpp"

#include <algorithm>
#include <cstring>
#include <ctime>
#include <vector>

namespace sspr::daemon::throttle {
namespace {

constexpr std::size_t index(Window window) noexcept { return static_cast<std::size_t>(window); }
constexpr std::size_t index(Method method) noexcept { return static_cast<std::size_t>(method); }

std::int64_t saturating_add(std::int64_t a, std::int64_t b) noexcept {
  std::int64_t sum = 0;
  return __builtin_add_overflow(a, b, &sum) ? std::numeric_limits<std::int64_t>::max() : sum;
}

// An event counts while now - window < time.
bool counts_at(const StoredEvent& event, const WindowRule& rule, std::int64_t now) noexcept {
  return event.time > now - rule.window;
}

std::uint32_t in_window(const StoredState& state, const Policy& policy, Window window, std::int64_t now) noexcept {
  const WindowRule& rule = policy.rule(window);
  return static_cast<std::uint32_t>(std::count_if(state.events.begin(), state.events.end(), [&](const StoredEvent& e) {
    return e.window == window && counts_at(e, rule, now);
  }));
}

// A wall clock that was ahead for a while left times in the future: take them as now, and no
// block may end later than its rule's length from now. Returns whether anything changed.
bool normalise(StoredState& state, const Policy& policy, std::int64_t now) noexcept {
  bool changed = false;
  for (StoredEvent& event : state.events) {
    if (event.time > now) {
      event.time = now;
      changed = true;
    }
  }
  for (Window window : kAllWindows) {
    const std::int64_t latest = saturating_add(now, policy.rule(window).block);
    if (state.blocked_until[index(window)] > latest) {
      state.blocked_until[index(window)] = latest;
      changed = true;
    }
  }
  return changed;
}

// Drops what can never count again (events out of their window, blocks over), then the oldest
// events beyond the bound.
void prune(StoredState& state, const Policy& policy, std::int64_t now) {
  std::erase_if(state.events, [&](const StoredEvent& e) { return !counts_at(e, policy.rule(e.window), now); });
  if (state.events.size() > kMaxEvents)
    state.events.erase(state.events.begin(), state.events.end() - static_cast<std::ptrdiff_t>(kMaxEvents));
  for (std::int64_t& until : state.blocked_until)
    if (until <= now) until = 0;
}

std::string rule_reason(Window window, const WindowRule& rule) {
  const char* what = "";
  switch (window) {
    case Window::identity_failure: what = "too many failed identity proofs"; break;
    case Window::validation: what = "too many code or answer checks"; break;
    case Window::delivery: what = "too many codes sent"; break;
  }
  return std::string(what) + " (" + std::to_string(rule.blocking_count) + " within " + describe_wait(rule.window) +
         ")";
}

Cause cause_of(Window window) noexcept {
  switch (window) {
    case Window::validation: return Cause::validation;
    case Window::delivery: return Cause::delivery;
    case Window::identity_failure: break;
  }
  return Cause::identity_failure;
}

Verdict verdict_of(const StoredState& state, const Policy& policy, std::int64_t now) {
  Verdict verdict;
  for (Window window : kAllWindows) {
    const std::int64_t until = state.blocked_until[index(window)];
    if (until > now && until > verdict.until) {
      verdict.blocked = true;
      verdict.until = until;
      verdict.cause = cause_of(window);
      verdict.reason = rule_reason(window, policy.rule(window));
    }
  }
  for (Method method : kAllMethods)
    if (state.method_failures[index(method)] >= policy.method_failure_limit) verdict.disabled_methods.push_back(method);
  return verdict;
}

Verdict unusable_verdict(const std::string& user, const std::string& problem) {
  Verdict verdict;
  verdict.blocked = true;
  verdict.until = kUntilCleared;
  verdict.cause = Cause::unusable_state;
  verdict.reason = "the throttle state of " + user + " " + problem +
                   "; password reset stays blocked until an administrator clears it";
  return verdict;
}

ErrorCode io_failure(const char* what, const std::string& user, int negative_errno) {
  log_error("cannot %s the throttle state of %s: %s", what, user.c_str(), std::strerror(-negative_errno));
  return ErrorCode::Internal;
}

std::optional<Window> window_of(Event::Type type) noexcept {
  switch (type) {
    case Event::Type::identity_failure: return Window::identity_failure;
    case Event::Type::validation: return Window::validation;
    case Event::Type::delivery: return Window::delivery;
    default: return std::nullopt;
  }
}

}  // namespace

std::int64_t real_time_now() noexcept {
  struct timespec ts {};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<std::int64_t>(ts.tv_sec);
}

bool usable_origin_key(std::string_view key) noexcept {
  if (key.empty() || key.size() > 80 || key.front() == '.') return false;
  return std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
           c == ':' || c == '-';
  });
}

Throttle::Throttle(UniqueFd dir, Policy policy, Clock clock)
    : dir_(std::move(dir)), policy_(policy), ceiling_(policy), clock_(std::move(clock)) {}

Throttle::Throttle(UniqueFd dir, Policy policy, Policy ceiling, Clock clock)
    : dir_(std::move(dir)), policy_(policy), ceiling_(ceiling), clock_(std::move(clock)) {}

const Policy& Throttle::policy_for(const std::string& name) const noexcept {
  return name.find(kOriginSeparator) == std::string::npos ? ceiling_ : policy_;
}

namespace {

// The stricter of an origin's verdict and the user's: a block of everyone wins. A method
// disabled in either is disabled.
Verdict combined(Verdict at_origin, Verdict everywhere) {
  const bool ceiling = everywhere.blocked;
  Verdict& out = ceiling ? everywhere : at_origin;
  const Verdict& other = ceiling ? at_origin : everywhere;
  for (auto m : other.disabled_methods)
    if (std::find(out.disabled_methods.begin(), out.disabled_methods.end(), m) == out.disabled_methods.end())
      out.disabled_methods.push_back(m);
  out.scope = ceiling ? Scope::everywhere : Scope::origin;
  return std::move(out);
}

}  // namespace

Result<Verdict> Throttle::check(const std::string& user, const std::string& origin) const {
  if (!usable_origin_key(origin)) return ErrorCode::InvalidArgument;
  auto at_origin = check(user + kOriginSeparator + origin);
  if (!at_origin) return at_origin;
  auto everywhere = check(user);
  if (!everywhere) return everywhere;
  return combined(std::move(*at_origin), std::move(*everywhere));
}

Result<Verdict> Throttle::record(const std::string& user, const std::string& origin, const Event& event) {
  if (!usable_origin_key(origin)) return ErrorCode::InvalidArgument;
  auto at_origin = record(user + kOriginSeparator + origin, event);
  if (!at_origin) return at_origin;
  auto everywhere = record(user, event);
  if (!everywhere) return everywhere;
  return combined(std::move(*at_origin), std::move(*everywhere));
}

Result<Verdict> Throttle::check(const std::string& user) const {
  const Policy& policy = policy_for(user);
  if (!usable_file_name(user)) return ErrorCode::InvalidUserName;
  const std::int64_t now = clock_();
  auto file = LockedState::open(dir_.get(), user, false);
  switch (file.status()) {
    case LockedState::Status::absent: return Verdict{};
    case LockedState::Status::unusable: return unusable_verdict(user, file.problem());
    case LockedState::Status::failed: return io_failure("read", user, file.error());
    case LockedState::Status::ok: break;
  }
  StoredState state = file.state();
  // Persist a correction at once, or a block would keep sliding with the clock.
  if (normalise(state, policy, now)) {
    prune(state, policy, now);
    if (const int r = file.save(state); r < 0) return io_failure("update", user, r);
  }
  return verdict_of(state, policy, now);
}

Result<Verdict> Throttle::record(const std::string& user, const Event& event) {
  const Policy& policy = policy_for(user);
  if (!usable_file_name(user)) return ErrorCode::InvalidUserName;
  const std::int64_t now = clock_();
  auto file = LockedState::open(dir_.get(), user, true);
  switch (file.status()) {
    case LockedState::Status::unusable: return unusable_verdict(user, file.problem());
    case LockedState::Status::absent:  // not with create
    case LockedState::Status::failed: return io_failure("open", user, file.error());
    case LockedState::Status::ok: break;
  }
  StoredState state = file.state();
  normalise(state, policy, now);
  const std::optional<Window> window = window_of(event.type);
  if (window) state.events.push_back({now, *window});
  prune(state, policy, now);
  if (window) {
    const WindowRule& rule = policy.rule(*window);
    if (in_window(state, policy, *window, now) >= rule.blocking_count) {
      std::int64_t& until = state.blocked_until[index(*window)];
      until = std::max(until, saturating_add(now, rule.block));
    }
  }
  std::uint32_t& failures = state.method_failures[index(event.method)];
  switch (event.type) {
    case Event::Type::method_failure:
      if (failures < std::numeric_limits<std::uint32_t>::max()) ++failures;
      break;
    case Event::Type::method_succeeded:
      if (failures < policy.method_failure_limit) failures = 0;  // a disabled method stays so
      break;
    case Event::Type::reset_succeeded:
      state.events.clear();
      state.blocked_until.fill(0);
      break;
    default: break;
  }
  if (state != file.state())
    if (const int r = file.save(state); r < 0) return io_failure("save", user, r);
  return verdict_of(state, policy, now);
}

Result<Done> Throttle::clear(const std::string& user) {
  if (!usable_file_name(user) || user.find(kOriginSeparator) != std::string::npos) return ErrorCode::InvalidUserName;
  std::vector<std::string> names = regular_files_in(dir_.get());
  std::erase_if(names, [&](const std::string& name) { return name.rfind(user + kOriginSeparator, 0) != 0 || !usable_file_name(name); });
  names.push_back(user);
  for (const auto& name : names) {
    std::string problem;
    if (reset_state_file(dir_.get(), name, problem) < 0) {
      log_error("cannot clear the throttle state of %s: %s", name.c_str(), problem.c_str());
      return ErrorCode::Internal;
    }
  }
  return Done{};
}

Result<Done> Throttle::clear_method(const std::string& user, Method method) {
  if (!usable_file_name(user)) return ErrorCode::InvalidUserName;
  auto file = LockedState::open(dir_.get(), user, false);
  switch (file.status()) {
    case LockedState::Status::absent: return Done{};
    case LockedState::Status::unusable: return ErrorCode::CorruptRecord;
    case LockedState::Status::failed: return io_failure("read", user, file.error());
    case LockedState::Status::ok: break;
  }
  StoredState state = file.state();
  if (state.method_failures[index(method)] == 0) return Done{};
  state.method_failures[index(method)] = 0;
  if (const int r = file.save(state); r < 0) return io_failure("save", user, r);
  return Done{};
}

std::size_t Throttle::remove_expired() {
  std::vector<std::string> names = regular_files_in(dir_.get());
  std::erase_if(names, [](const std::string& name) { return !usable_file_name(name); });
  const std::int64_t now = clock_();
  std::size_t removed = 0;
  for (const auto& name : names) {
    auto file = LockedState::open(dir_.get(), name, false);
    if (file.status() != LockedState::Status::ok) continue;  // gone, or unusable: an administrator's
    StoredState state = file.state();
    normalise(state, policy_for(name), now);
    prune(state, policy_for(name), now);
    const bool blocked = std::any_of(state.blocked_until.begin(), state.blocked_until.end(),
                                     [](std::int64_t until) { return until != 0; });
    const bool failures = std::any_of(state.method_failures.begin(), state.method_failures.end(),
                                      [](std::uint32_t n) { return n != 0; });
    if (!state.events.empty() || blocked || failures) continue;
    if (const int r = file.remove(); r == 0)
      ++removed;
    else
      log_errno(LOG_WARNING, r, "cannot remove the expired throttle state of %s", name.c_str());
  }
  return removed;
}

Result<Counts> Throttle::counts(const std::string& user) const {
  const Policy& policy = policy_for(user);
  if (!usable_file_name(user)) return ErrorCode::InvalidUserName;
  const std::int64_t now = clock_();
  auto file = LockedState::open(dir_.get(), user, false);
  switch (file.status()) {
    case LockedState::Status::absent: return Counts{};
    case LockedState::Status::unusable: return ErrorCode::CorruptRecord;
    case LockedState::Status::failed: return io_failure("read", user, file.error());
    case LockedState::Status::ok: break;
  }
  StoredState state = file.state();
  normalise(state, policy, now);
  Counts counts;
  for (Window window : kAllWindows) {
    counts.in_window[index(window)] = in_window(state, policy, window, now);
    const std::int64_t until = state.blocked_until[index(window)];
    counts.blocked_until[index(window)] = until > now ? until : 0;
  }
  counts.method_failures = state.method_failures;
  counts.stored_events = state.events.size();
  return counts;
}

}  // namespace sspr::daemon::throttle
