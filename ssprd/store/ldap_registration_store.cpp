#include "ldap_registration_store.hpp"

#include "errors.hpp"
#include "ldap/directory.hpp"
#include "log.hpp"

#include <cerrno>

namespace sspr::daemon {

LdapRegistrationStore::LdapRegistrationStore(ldap::LdapSettings settings, const RegistrationStore& local,
                                             std::function<bool(const std::string&)> is_directory_user)
    : settings_(std::move(settings)), local_(local), is_directory_user_(std::move(is_directory_user)) {}

bool LdapRegistrationStore::directory_resting() const {
  return std::chrono::steady_clock::now().time_since_epoch().count() < resting_until_.load();
}

void LdapRegistrationStore::directory_failed() const {
  resting_until_ = (std::chrono::steady_clock::now() + kRetryAfter).time_since_epoch().count();
}

bool LdapRegistrationStore::has_fresh(const std::string& user) const {
  const auto it = fresh_.find(user);
  return it != fresh_.end() && std::chrono::steady_clock::now() < it->second.until;
}

void LdapRegistrationStore::keep_fresh(const std::string& user, LoadedRecord record) {
  const auto now = std::chrono::steady_clock::now();
  std::erase_if(fresh_, [&](const auto& kv) { return kv.second.until <= now; });
  fresh_[user] = Fresh{std::move(record), now + kFreshFor};
}

LoadedRecord LdapRegistrationStore::load(const std::string& user) const {
  // Only directory users' records are kept fresh: a hit needs no look at the shadow file.
  if (has_fresh(user)) return fresh_.at(user).record;
  if (!is_directory_user_(user)) return local_.load(user);
  return fetch(user);
}

LoadedRecord LdapRegistrationStore::fetch(const std::string& user) const {
  if (directory_resting()) return {RecordState::unavailable, {}, "the directory was unreachable moments ago"};
  ldap::Diagnostic diag;
  const auto read = ldap::read_enrollment(settings_, user, diag);
  if (!read) {
    switch (read.error()) {
      case ErrorCode::NoSuchUser:
        return {};  // not in the directory: nothing registered there
      case ErrorCode::BackendUnavailable:
        directory_failed();
        log_error("registration store: %s", diag.log_text.c_str());
        return {RecordState::unavailable, {}, "the directory cannot be reached"};
      default:
        log_error("registration store: %s", diag.log_text.c_str());
        return {RecordState::corrupt, {}, std::string("the directory refused: ") + error_info(read.error()).message.data()};
    }
  }
  if (!read.value()) return {};
  std::string problem;
  auto record = parse_record(*read.value(), user, problem);
  if (!record) return {RecordState::corrupt, {}, problem};
  return {RecordState::present, std::move(*record), {}};
}

int LdapRegistrationStore::save(const std::string& user, const RegistrationRecord& record) const {
  if (!is_directory_user_(user)) return local_.save(user, record);
  fresh_.erase(user);  // the next load reads what is stored now
  if (directory_resting()) return -EHOSTDOWN;
  ldap::Diagnostic diag;
  const auto written = ldap::write_enrollment(settings_, user, serialize_record(record, user), diag);
  if (written) return 0;
  log_error("registration store: cannot save the record of %s: %s", user.c_str(), diag.log_text.c_str());
  if (written.error() == ErrorCode::BackendUnavailable) {
    directory_failed();
    return -EHOSTDOWN;
  }
  return -EIO;
}

}  // namespace sspr::daemon
