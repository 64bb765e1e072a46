// Registration records of directory users kept in their LDAP entry ([ldap]
// store_registrations), so every host of a fleet sees the same registration: register on one,
// reset on another. The JSON is the local store's, in the attribute ssprEnrollment
// (conf/ldap/sspr-schema.ldif); TOTP secrets in it are sealed with the key the hosts share.
// Local users' records stay in the local store.
//
// Directory calls block, bounded by [ldap] operation_timeout_ms, so they run on the directory
// worker, never on the event loop; so does the look at the shadow file that says whether a
// user is a directory user. After a failure to reach the directory the store answers
// "unavailable" at once for kRetryAfter, so an outage costs one timeout, not one per login;
// enforcement then steps aside and resets fail closed.
#pragma once

#include "ldap/ldap_settings.hpp"
#include "registration_store.hpp"

#include <atomic>
#include <chrono>
#include <functional>

namespace sspr::daemon {

class LdapRegistrationStore final : public RegistrationStore {
 public:
  static constexpr std::chrono::seconds kRetryAfter{30};

  // Whose record is where is decided on `local_worker` (it reads the shadow file), which also
  // serves local users' records; directory calls run on `directory_worker`, so a hung
  // directory never holds up a local user. Null workers (tests) run inline.
  LdapRegistrationStore(ldap::LdapSettings settings, const LocalRegistrationStore& local,
                        std::function<bool(const std::string&)> is_directory_user, Worker* local_worker,
                        Worker* directory_worker);
  Task<LoadedRecord> load(std::string user) const override;
  Task<Result<Done>> save(std::string user, RegistrationRecord record, StoredVersion read) const override;

 private:
  // The blocking halves, on a worker thread.
  LoadedRecord fetch(const std::string& user) const;
  Result<Done> write_local(const std::string& user, const RegistrationRecord& record) const;
  Result<Done> write_directory(const std::string& user, const RegistrationRecord& record, const StoredVersion& read) const;
  bool directory_resting() const;
  void directory_failed() const;

  ldap::LdapSettings settings_;
  const LocalRegistrationStore& local_;
  std::function<bool(const std::string&)> is_directory_user_;
  Worker* local_worker_;
  Worker* directory_worker_;
  // Steady-clock ticks until which the directory is not asked; read and written by workers.
  mutable std::atomic<std::chrono::steady_clock::rep> resting_until_{0};
};

}  // namespace sspr::daemon
