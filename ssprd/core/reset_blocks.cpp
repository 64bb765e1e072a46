#include "reset_blocks.hpp"

#include "errors.hpp"
#include "user_name.hpp"

namespace sspr::daemon {

ResetBlocks::ResetBlocks(const Config& config, throttle::Throttle& throttle, AuditLog& audit, UserLookup by_name,
                         Clock clock)
    : throttle_(throttle),
      audit_(audit),
      by_name_(std::move(by_name)),
      clock_(std::move(clock)),
      decoys_(config.throttle_failed_proofs, std::int64_t{config.throttle_failed_proofs_window_minutes} * 60,
              std::int64_t{config.throttle_block_minutes} * 60) {}

bool ResetBlocks::decoy_blocked(const std::string& name, std::int64_t now) const {
  return decoys_.blocked_until(name, now) != 0;
}

bool ResetBlocks::decoy_failed(const std::string& name, std::int64_t now) {
  return decoys_.record_failure(name, now) != 0;
}

std::string ResetBlocks::notice(const std::string& user) const {
  const std::int64_t now = clock_();
  std::int64_t until = decoys_.blocked_until(user, now);
  if (until == 0 && by_name_(user)) {
    const auto verdict = throttle_.check(user);
    if (verdict && verdict->blocked) until = verdict->until;
  }
  if (until == 0) return std::string(error_info(ErrorCode::RateLimited).message);
  if (until == throttle::kUntilCleared)
    return "Password reset is blocked for this account until an administrator unlocks it.";
  return "Password reset is blocked for this account for another " + throttle::describe_wait(until - now) +
         ". Please try again then, or ask an administrator.";
}

Result<Done> ResetBlocks::unlock(uid_t caller, const std::string& user) {
  if (caller != 0) return ErrorCode::AccessDenied;
  if (!valid_user_name(user)) return ErrorCode::InvalidUserName;
  decoys_.clear(user);
  if (by_name_(user)) {
    if (auto cleared = throttle_.clear(user); !cleared) return cleared.error();
  }
  audit_.record(AuditEvent::reset_unlocked, user, {{"by", "uid " + std::to_string(caller)}});
  return Done{};
}

}  // namespace sspr::daemon
