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

#include <chrono>
#include <functional>

namespace sspr::daemon {

class LdapRegistrationStore final : public RegistrationStore {
 public:
  static constexpr std::chrono::seconds kRetryAfter{30};

  LdapRegistrationStore(ldap::LdapSettings settings, const RegistrationStore& local,
                        std::function<bool(const std::string&)> is_directory_user);
  LoadedRecord load(const std::string& user) const override;
  int save(const std::string& user, const RegistrationRecord& record) const override;

 private:
  bool directory_resting() const;
  void directory_failed() const;

  ldap::LdapSettings settings_;
  const RegistrationStore& local_;
  std::function<bool(const std::string&)> is_directory_user_;
  mutable std::chrono::steady_clock::time_point resting_until_{};
};

}  // namespace sspr::daemon
