#include "reset_blocks.hpp"

#include "user_name.hpp"

#include <algorithm>

namespace sspr::daemon {
namespace {

std::string at(const std::string& name, const Origin& origin) { return name + throttle::kOriginSeparator + origin.key; }

// "for another 23 hours 59 minutes" or "until an administrator unlocks it".
std::string how_long(std::int64_t until, std::int64_t now) {
  if (until == throttle::kUntilCleared) return "until an administrator unlocks it";
  return "for another " + throttle::describe_wait(until - now);
}

}  // namespace

std::string change_throttle_name(const std::string& user) { return user + throttle::kOriginSeparator + "change"; }

ResetBlocks::ResetBlocks(const Config& config, throttle::Throttle& throttle, AuditLog& audit, UserLookup by_name,
                         Clock clock)
    : throttle_(throttle),
      audit_(audit),
      by_name_(std::move(by_name)),
      clock_(std::move(clock)),
      decoys_(config.throttle_failed_proofs, std::int64_t{config.throttle_failed_proofs_window_minutes} * 60,
              std::int64_t{config.throttle_block_minutes} * 60),
      decoy_ceiling_(static_cast<std::uint32_t>(std::min<std::size_t>(std::size_t{config.throttle_failed_proofs} * config.throttle_origins_per_user, throttle::kMaxEvents)),
                     std::int64_t{config.throttle_failed_proofs_window_minutes} * 60,
                     std::int64_t{config.throttle_block_minutes} * 60) {}

bool ResetBlocks::decoy_blocked(const std::string& name, const Origin& origin, std::int64_t now) const {
  return decoys_.blocked_until(at(name, origin), now) != 0 || decoy_ceiling_.blocked_until(name, now) != 0;
}

bool ResetBlocks::decoy_failed(const std::string& name, const Origin& origin, std::int64_t now) {
  const bool here = decoys_.record_failure(at(name, origin), now) != 0;
  const bool everywhere = decoy_ceiling_.record_failure(name, now) != 0;
  return here || everywhere;
}

std::string ResetBlocks::notice(ErrorCode code, const std::string& user, const Origin& origin) const {
  const std::int64_t now = clock_();
  std::int64_t until = 0;
  throttle::Scope scope = throttle::Scope::origin;
  if (code == ErrorCode::ChangeBlocked) {
    if (const auto verdict = throttle_.check(change_throttle_name(user)); verdict && verdict->blocked)
      until = verdict->until;
    if (until == 0) return std::string(error_info(code).message);
    return "Too many wrong current passwords: password changes are blocked " + how_long(until, now) +
           ". Your password still works for logging in.";
  }
  if (const auto ceiling = decoy_ceiling_.blocked_until(user, now); ceiling != 0) {
    until = ceiling;
    scope = throttle::Scope::everywhere;
  } else if (const auto here = decoys_.blocked_until(at(user, origin), now); here != 0) {
    until = here;
  } else if (by_name_(user)) {
    if (const auto verdict = throttle_.check(user, origin.key); verdict && verdict->blocked) {
      until = verdict->until;
      scope = verdict->scope;
    }
  }
  if (until == 0) return std::string(error_info(code).message);
  const std::string from = scope == throttle::Scope::origin ? " from here" : "";
  if (code == ErrorCode::StepUpBlocked)
    return "Too many failed attempts to confirm it is you: changes to your security info are blocked" + from + " " +
           how_long(until, now) + ".";
  return "Password reset is blocked for this account" + from + " " + how_long(until, now) +
         ", after too many failed attempts. Please try again then, or ask an administrator.";
}

Result<Done> ResetBlocks::unlock(uid_t caller, const std::string& user) {
  if (caller != 0) return ErrorCode::AccessDenied;
  if (!valid_user_name(user)) return ErrorCode::InvalidUserName;
  decoys_.clear_prefix(user + throttle::kOriginSeparator);
  decoy_ceiling_.clear(user);
  if (by_name_(user)) {
    if (auto cleared = throttle_.clear(user); !cleared) return cleared.error();
  }
  audit_.record(AuditEvent::reset_unlocked, user, {{"by", "uid " + std::to_string(caller)}});
  return Done{};
}

}  // namespace sspr::daemon
