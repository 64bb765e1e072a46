// Persistent password-reset throttling, separate from login lockout: the rules are in
// policy.hpp, the per-user file in throttle_store.hpp. Every call takes the user's file lock for
// its whole read-modify-write, so counts are exact across calls, processes and restarts. No
// sd-bus here; the reset flow and an admin command call it.
//
// How the reset flow uses it:
//  - Before each step: check(); when blocked, refuse and tell the user
//    describe_wait(verdict.until - now) (or "until an administrator unlocks it" when
//    until == kUntilCleared).
//  - Validations (checking a code or an answer round) and deliveries (sending an e-mail or SMS)
//    are recorded *before* they happen, and happen only when the returned verdict is not
//    blocked: so the 6th validation within an hour and the 11th message within 10 minutes are
//    refused, and block.
//  - A failed identity proof is recorded after it failed (the 5th within 24 h blocks).
//  - Each verification of a method also records method_failure or method_succeeded: the cap
//    counts consecutive failures; a disabled method stays disabled even after a success.
//  - A completed reset records reset_succeeded, which clears the windowed counters and blocks.
//  - Empty inputs and probes are not recorded (security anchors G4).
// Wall-clock jumps: a stored time in the future is taken as now (the window restarts), and a
// block ending more than its rule's length after now is shortened to that length, so a clock
// that was wrong for a while cannot block anyone for longer than a rule allows.
#pragma once

#include "handle.hpp"
#include "result.hpp"
#include "throttle/policy.hpp"
#include "throttle/throttle_store.hpp"

#include <array>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

namespace sspr::daemon::throttle {

using Clock = std::function<std::int64_t()>;

// Between a user and an origin in a state file's name: no user name has it ('@' may be in
// one: alice@example.com).
inline constexpr char kOriginSeparator = '#';
// 1 to 80 of [A-Za-z0-9._:-]: a part of a file name, never '/', '#' or a leading '.'.
bool usable_origin_key(std::string_view key) noexcept;
// Unix time in seconds (CLOCK_REALTIME).
std::int64_t real_time_now() noexcept;

using sspr::Done;  // the shared one from result.hpp

struct Event {
  enum class Type : std::uint8_t {
    identity_failure,
    validation,
    delivery,
    method_failure,
    method_succeeded,
    reset_succeeded,
  };
  Type type = Type::identity_failure;
  Method method = Method::totp;  // method_failure and method_succeeded only

  static constexpr Event identity_failure() noexcept { return {Type::identity_failure, Method::totp}; }
  static constexpr Event validation() noexcept { return {Type::validation, Method::totp}; }
  static constexpr Event delivery() noexcept { return {Type::delivery, Method::totp}; }
  static constexpr Event method_failure(Method m) noexcept { return {Type::method_failure, m}; }
  static constexpr Event method_succeeded(Method m) noexcept { return {Type::method_succeeded, m}; }
  static constexpr Event reset_succeeded() noexcept { return {Type::reset_succeeded, Method::totp}; }
};

// `until` of a block only an administrator ends (the state file is unusable).
inline constexpr std::int64_t kUntilCleared = std::numeric_limits<std::int64_t>::max();

enum class Cause : std::uint8_t { none, identity_failure, validation, delivery, unusable_state };

// Whom a block stops: the origin the failures came from (a local uid, a remote host), or
// everyone (the ceiling across origins was reached).
enum class Scope : std::uint8_t { origin, everywhere };

struct Verdict {
  bool blocked = false;
  Scope scope = Scope::everywhere;  // when blocked
  std::int64_t until = 0;  // unix time the block ends (0 when not blocked), or kUntilCleared
  Cause cause = Cause::none;
  std::string reason;      // a sentence for logs and administrators; empty when not blocked
  std::vector<Method> disabled_methods;  // reached the failure limit: refuse them until cleared
};

// What is stored for a user, as it counts now (administrators, tests).
struct Counts {
  std::array<std::uint32_t, kWindowCount> in_window{};  // per Window: events still counting
  std::array<std::int64_t, kWindowCount> blocked_until{};
  std::array<std::uint32_t, kMethodCount> method_failures{};  // consecutive, per Method
  std::size_t stored_events = 0;
};

// Counts are kept per name: a user ("alice", the ceiling across origins) or a user at an origin
// ("alice#uid-1003"; an origin key is usable_origin_key()). Names with an origin follow
// `policy`, the user's own name `ceiling`; both have the same windows.
class Throttle {
 public:
  // `dir`: the root-only throttle directory (e.g. <state_directory>/throttle). Both policies
  // should pass policy_problem(), and have the same windows and blocks.
  Throttle(UniqueFd dir, Policy policy, Clock clock = real_time_now);
  Throttle(UniqueFd dir, Policy policy, Policy ceiling, Clock clock = real_time_now);

  // The user's current verdict. Users must satisfy valid_user_name(); names that cannot be
  // file names are refused with InvalidUserName. An unusable state file is a blocked verdict
  // (cause unusable_state, until kUntilCleared), never an error and never "not blocked".
  // I/O failures are Internal (logged); callers refuse then too.
  Result<Verdict> check(const std::string& user) const;
  // Counts `event` and returns the verdict that follows. An event recorded while blocked still
  // counts and may prolong the block (so check() first). Nothing is written to an unusable file.
  Result<Verdict> record(const std::string& user, const Event& event);
  // The verdict for `user` at `origin`: blocked when that origin is, or when the user is
  // everywhere (the ceiling); `scope` says which.
  Result<Verdict> check(const std::string& user, const std::string& origin) const;
  // Counts `event` for the user at `origin` and for the user's ceiling; the verdict that
  // follows, as check(user, origin) would give it.
  Result<Verdict> record(const std::string& user, const std::string& origin, const Event& event);
  // Administrator: forgets everything about the user (also replaces an unusable file), at
  // every origin too.
  Result<Done> clear(const std::string& user);
  // Administrator: re-enables one method (its failure count goes to 0). CorruptRecord when the
  // state file is unusable: clear() it.
  Result<Done> clear_method(const std::string& user, Method method);
  // CorruptRecord when the state file is unusable.
  Result<Counts> counts(const std::string& user) const;
  // Removes the state files that no longer say anything: no event inside its window, no block
  // in force, no method failures (those last until an administrator clears them). Unusable
  // files stay for the administrator. Safe beside every other call (each file is removed under
  // its lock). Returns how many went.
  std::size_t remove_expired();

  const Policy& policy() const noexcept { return policy_; }

 private:
  const Policy& policy_for(const std::string& name) const noexcept;

  UniqueFd dir_;
  Policy policy_;
  Policy ceiling_;
  Clock clock_;
};

}  // namespace sspr::daemon::throttle
