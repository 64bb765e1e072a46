// Who hears about a password reset or change, and how: every channel the user registered
// ("if this wasn't you..."), and for an administrator's account the configured admin addresses
// too (an administrator's reset is what an attacker would aim for; Entra notifies all admins).
// Sent through the Messenger: queued, never waited for.
#pragma once

#include "config.hpp"
#include "manager.hpp"
#include "messenger.hpp"
#include "registration_store.hpp"

#include <string>

namespace sspr::daemon {

class Notices {
 public:
  Notices(const Config& config, const RegistrationStore& store, Messenger& messenger, UserLookup by_name)
      : config_(config), store_(store), messenger_(messenger), by_name_(std::move(by_name)) {}

  // `event` names what happened ("password reset", "password changed").
  void to_user(const std::string& user, const std::string& event);
  void to_admins(const std::string& user, const std::string& event);

 private:
  Task<Done> send_to_user(std::string user, std::string event);

  const Config& config_;
  const RegistrationStore& store_;
  Messenger& messenger_;
  UserLookup by_name_;
};

}  // namespace sspr::daemon
