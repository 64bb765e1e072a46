#include "manager.hpp"

#include "log.hpp"
#include "policy.hpp"
#include "user_name.hpp"

namespace sspr::daemon {

Manager::Manager(Config config, RegistrationStore store, UserLookup by_name, UidLookup by_uid)
    : config_(std::move(config)), store_(std::move(store)), by_name_(std::move(by_name)), by_uid_(std::move(by_uid)) {}

Result<UserAccount> Manager::resolve_target(uid_t caller_uid, std::string_view user) const {
  if (user.empty()) {
    auto self = by_uid_(caller_uid);
    if (!self) return ErrorCode::NoSuchUser;
    return std::move(*self);
  }
  if (!valid_user_name(user)) return ErrorCode::InvalidUserName;
  auto account = by_name_(user);
  if (caller_uid != 0) {
    // Same answer for "unknown" and "someone else": no probing of other accounts.
    if (!account || account->uid != caller_uid) return ErrorCode::AccessDenied;
  }
  if (!account) return ErrorCode::NoSuchUser;
  return std::move(*account);
}

Result<RegistrationStatus> Manager::registration_status(uid_t caller_uid, std::string_view user) const {
  auto target = resolve_target(caller_uid, user);
  if (!target) return target.error();
  const UserAccount& account = target.value();
  // A record is keyed by a name that passed valid_user_name(); NSS may return names that do not.
  if (!valid_user_name(account.name)) return ErrorCode::InvalidUserName;

  const auto requirement = evaluate_registration_requirement(config_, account);
  const auto loaded = store_.load(account.name);

  RegistrationStatus status{account.name, false, requirement.must_register, requirement.reason};
  switch (loaded.state) {
    case RecordState::absent:
      break;
    case RecordState::present:
      status.registered = loaded.record.confirmed_methods.size() >= config_.methods_required;
      break;
    case RecordState::corrupt:
      // Never counts as registered; the admin learns which file and why.
      log_error("registration record of user %s is unusable (%s); treating the user as not registered",
                account.name.c_str(), loaded.problem.c_str());
      if (status.must_register) status.reason += "; the stored registration record is damaged";
      break;
  }
  return status;
}

}  // namespace sspr::daemon
