#include "ldap_registration_store.hpp"

#include "errors.hpp"
#include "ldap/directory.hpp"
#include "log.hpp"

#include <cstring>
#include <memory>
#include <optional>

namespace sspr::daemon {

LdapRegistrationStore::LdapRegistrationStore(ldap::LdapSettings settings, const LocalRegistrationStore& local,
                                             std::function<bool(const std::string&)> is_directory_user,
                                             Worker* local_worker, Worker* directory_worker)
    : settings_(std::move(settings)),
      local_(local),
      is_directory_user_(std::move(is_directory_user)),
      local_worker_(local_worker),
      directory_worker_(directory_worker) {}

bool LdapRegistrationStore::directory_resting() const {
  return std::chrono::steady_clock::now().time_since_epoch().count() < resting_until_.load();
}

void LdapRegistrationStore::directory_failed() const {
  resting_until_ = (std::chrono::steady_clock::now() + kRetryAfter).time_since_epoch().count();
}

Task<LoadedRecord> LdapRegistrationStore::load(std::string user) const {
  // A local user's record is read with the look at the shadow file, in one job.
  auto local_read = [this, user]() -> std::optional<LoadedRecord> {
    if (is_directory_user_(user)) return std::nullopt;
    return local_.read(user);
  };
  auto local = co_await on_worker(local_worker_, std::move(local_read));
  if (!local) co_return LoadedRecord{RecordState::unavailable, {}, "too many calls under way", {}};
  if (*local) co_return std::move(**local);
  auto directory_read = [this, user] { return fetch(user); };
  auto fetched = co_await on_worker(directory_worker_, std::move(directory_read));
  if (!fetched) co_return LoadedRecord{RecordState::unavailable, {}, "too many directory calls under way", {}};
  co_return std::move(*fetched);
}

Task<Result<Done>> LdapRegistrationStore::save(std::string user, RegistrationRecord record, StoredVersion read) const {
  // One copy of the record, shared by whichever job writes it.
  auto shared = std::make_shared<const RegistrationRecord>(std::move(record));
  auto local_write = [this, user, shared]() -> std::optional<Result<Done>> {
    if (is_directory_user_(user)) return std::nullopt;
    return write_local(user, *shared);
  };
  auto local = co_await on_worker(local_worker_, std::move(local_write));
  if (!local) co_return ErrorCode::Internal;  // too many calls under way
  if (*local) co_return std::move(**local);
  auto directory_write = [this, user, shared, read = std::move(read)] { return write_directory(user, *shared, read); };
  auto written = co_await on_worker(directory_worker_, std::move(directory_write));
  if (!written) co_return ErrorCode::BackendUnavailable;  // too many directory calls under way
  co_return std::move(*written);
}

LoadedRecord LdapRegistrationStore::fetch(const std::string& user) const {
  if (directory_resting()) return {RecordState::unavailable, {}, "the directory was unreachable moments ago", {}};
  ldap::Diagnostic diag;
  const auto read = ldap::read_registration(settings_, user, diag);
  if (!read) {
    switch (read.error()) {
      case ErrorCode::NoSuchUser:
        return {};  // not in the directory: nothing registered there
      case ErrorCode::BackendUnavailable:
        directory_failed();
        log_error("registration store: %s", diag.log_text.c_str());
        return {RecordState::unavailable, {}, "the directory cannot be reached", {}};
      default:
        log_error("registration store: %s", diag.log_text.c_str());
        return {RecordState::corrupt, {}, std::string("the directory refused: ") + error_info(read.error()).message.data(), {}};
    }
  }
  if (!read.value()) return {};
  std::string problem;
  auto record = parse_record(*read.value(), user, problem);
  if (!record) return {RecordState::corrupt, {}, problem, {}};
  return {RecordState::present, std::move(*record), {}, std::move(*read.value())};
}

Result<Done> LdapRegistrationStore::write_local(const std::string& user, const RegistrationRecord& record) const {
  if (const int r = local_.write(user, record); r < 0) {
    log_error("cannot save the registration record of %s: %s", user.c_str(), std::strerror(-r));
    return ErrorCode::Internal;
  }
  return Done{};
}

Result<Done> LdapRegistrationStore::write_directory(const std::string& user, const RegistrationRecord& record,
                                                   const StoredVersion& read) const {
  if (directory_resting()) return ErrorCode::BackendUnavailable;
  ldap::Diagnostic diag;
  const auto written = ldap::write_registration(settings_, user, serialize_record(record, user), read, diag);
  if (written) return Done{};
  if (written.error() == ErrorCode::RecordChanged) {
    log_info("registration store: the record of %s changed in the directory since it was read here; read again",
             user.c_str());
    return ErrorCode::RecordChanged;
  }
  log_error("registration store: cannot save the record of %s: %s", user.c_str(), diag.log_text.c_str());
  if (written.error() == ErrorCode::BackendUnavailable) {
    directory_failed();
    return ErrorCode::BackendUnavailable;
  }
  return ErrorCode::Internal;
}

}  // namespace sspr::daemon
