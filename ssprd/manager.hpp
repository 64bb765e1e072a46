// ssprd's domain logic behind the Manager bus object. No sd-bus in here: bus glue lives in
// manager_bus.cpp and calls these functions with the caller's uid already established.
#pragma once

#include "accounts.hpp"
#include "config.hpp"
#include "registration_store.hpp"
#include "result.hpp"

#include <functional>
#include <string>
#include <sys/types.h>

namespace sspr::daemon {

struct RegistrationStatus {
  std::string user;
  bool registered = false;
  bool must_register = false;
  std::string reason;
};

using UserLookup = std::function<std::optional<UserAccount>(std::string_view)>;
using UidLookup = std::function<std::optional<UserAccount>(uid_t)>;

class Manager {
 public:
  Manager(Config config, RegistrationStore store, UserLookup by_name = lookup_user_by_name,
          UidLookup by_uid = lookup_user_by_uid);

  // `user` empty means the caller itself. Root may ask about anyone; any other caller only
  // about itself. A non-root caller cannot tell "no such user" from "not yours".
  Result<RegistrationStatus> registration_status(uid_t caller_uid, std::string_view user) const;

  const Config& config() const noexcept { return config_; }

 private:
  Result<UserAccount> resolve_target(uid_t caller_uid, std::string_view user) const;

  Config config_;
  RegistrationStore store_;
  UserLookup by_name_;
  UidLookup by_uid_;
};

}  // namespace sspr::daemon
