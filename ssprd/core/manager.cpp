#include "manager.hpp"

#include "log.hpp"
#include "policy.hpp"
#include "user_name.hpp"

namespace sspr::daemon {
namespace {
constexpr std::int64_t kDay = 24 * 60 * 60;
}

std::int64_t system_clock_now() { return static_cast<std::int64_t>(std::time(nullptr)); }

Grace grace_of(const Config& config, const RegistrationRecord& record, std::int64_t now) {
  Grace grace;
  if (config.grace_skips == 0) return grace;
  grace.skips_left = record.skips_used >= config.grace_skips ? 0 : config.grace_skips - record.skips_used;
  if (config.grace_days > 0) {
    // The period starts at the first prompt; before that, it would start now.
    const std::int64_t start = record.first_prompted != 0 ? record.first_prompted : now;
    grace.deadline = start + static_cast<std::int64_t>(config.grace_days) * kDay;
  }
  grace.can_skip = grace.skips_left > 0 && (grace.deadline == 0 || now < grace.deadline);
  if (!grace.can_skip) grace.skips_left = 0;
  return grace;
}

Manager::Manager(Config config, const RegistrationStore& store, UserLookup by_name, UidLookup by_uid, Clock clock)
    : config_(std::move(config)),
      store_(store),
      by_name_(std::move(by_name)),
      by_uid_(std::move(by_uid)),
      clock_(std::move(clock)) {}

Result<UserAccount> Manager::resolve_target(uid_t caller_uid, std::string_view user) const {
  if (user.empty()) {
    auto self = by_uid_(caller_uid);
    if (!self) return ErrorCode::NoSuchUser;
    if (!valid_user_name(self->name)) return ErrorCode::InvalidUserName;
    return std::move(*self);
  }
  if (!valid_user_name(user)) return ErrorCode::InvalidUserName;
  auto account = by_name_(user);
  if (caller_uid != 0) {
    // Same answer for "unknown" and "someone else": no probing of other accounts.
    if (!account || account->uid != caller_uid) return ErrorCode::AccessDenied;
  }
  if (!account) return ErrorCode::NoSuchUser;
  // Records are keyed by a name that passed valid_user_name(); NSS may return others.
  if (!valid_user_name(account->name)) return ErrorCode::InvalidUserName;
  return std::move(*account);
}

RegistrationStatus Manager::status_of(const UserAccount& account, const LoadedRecord& loaded) const {
  const auto requirement = evaluate_registration_requirement(config_, account);
  RegistrationStatus status;
  status.user = account.name;
  status.must_register = requirement.must_register;
  status.reason = requirement.reason;
  const std::int64_t now = clock_();
  switch (loaded.state) {
    case RecordState::absent:
      break;
    case RecordState::present:
      status.methods = loaded.record.methods();
      status.registered = status.methods.size() >= config_.methods_required;
      status.reconfirm_due = status.registered && config_.reconfirm_days > 0 &&
                             now >= loaded.record.last_confirmed + static_cast<std::int64_t>(config_.reconfirm_days) * kDay;
      break;
    case RecordState::unavailable:  // registration_status() refuses before this
      break;
    case RecordState::corrupt:
      // Never counts as registered; the admin learns which file and why.
      log_error("registration record of user %s is unusable (%s); treating the user as not registered",
                account.name.c_str(), loaded.problem.c_str());
      if (status.must_register) status.reason += "; the stored registration record is damaged";
      break;
  }
  if (status.action_needed()) {
    const auto grace = grace_of(config_, loaded.state == RecordState::present ? loaded.record : RegistrationRecord{}, now);
    status.can_skip = grace.can_skip;
    status.skips_left = grace.skips_left;
    status.skip_deadline = grace.deadline;
  }
  return status;
}

Task<Result<RegistrationStatus>> Manager::registration_status(uid_t caller_uid, std::string user) const {
  auto target = resolve_target(caller_uid, user);
  if (!target) co_return target.error();
  const auto loaded = co_await store_.load(target->name);
  // The directory holding the record is down: say so (pam_sspr then applies when_unavailable).
  if (loaded.state == RecordState::unavailable) co_return ErrorCode::BackendUnavailable;
  co_return status_of(target.value(), loaded);
}

}  // namespace sspr::daemon
