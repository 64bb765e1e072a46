// Registration records of directory users kept in their LDAP entry ([ldap]
// store_registrations), so every host of a fleet sees the same registration: register on one,
// reset on another. The JSON is the local store's, in the attribute ssprEnrollment
// (conf/ldap/sspr-schema.ldif); TOTP secrets in it are sealed with the key the hosts share.
// Local users' records stay in the local store.
//
// Directory calls are synchronous, bounded by [ldap] operation_timeout_ms. After a failure to
// reach the directory the store answers "unavailable" at once for kRetryAfter, so an outage
// costs one timeout, not one per login; enforcement then steps aside and resets fail closed.
#pragma once

#include "ldap/ldap_settings.hpp"
#include "registration_store.hpp"

#include <atomic>
#include <chrono>
#include <map>
#include <functional>

namespace sspr::daemon {

class LdapRegistrationStore final : public RegistrationStore {
 public:
  static constexpr std::chrono::seconds kRetryAfter{30};

  LdapRegistrationStore(ldap::LdapSettings settings, const RegistrationStore& local,
                        std::function<bool(const std::string&)> is_directory_user);
  // On the event loop: a fresh copy kept by keep_fresh() if there is one, else a read now.
  LoadedRecord load(const std::string& user) const override;
  int save(const std::string& user, const RegistrationRecord& record) const override;

  // For RecordPrefetch (record_prefetch.hpp), which keeps the directory off the event loop:
  bool stores_in_directory(const std::string& user) const { return is_directory_user_(user); }
  bool has_fresh(const std::string& user) const;
  // The blocking read; safe on a worker thread.
  LoadedRecord fetch(const std::string& user) const;
  // On the loop: `record` answers load() for kFreshFor.
  void keep_fresh(const std::string& user, LoadedRecord record);
  static constexpr std::chrono::seconds kFreshFor{2};

 private:
  struct Fresh {
    LoadedRecord record;
    std::chrono::steady_clock::time_point until;
  };
  bool directory_resting() const;
  void directory_failed() const;

  ldap::LdapSettings settings_;
  const RegistrationStore& local_;
  std::function<bool(const std::string&)> is_directory_user_;
  // Steady-clock ticks until which the directory is not asked; read and written by workers too.
  mutable std::atomic<std::chrono::steady_clock::rep> resting_until_{0};
  mutable std::map<std::string, Fresh> fresh_;  // loop thread only
};

}  // namespace sspr::daemon
