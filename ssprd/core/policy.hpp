// Who must register: a pure function of the configuration, the account and its record.
#pragma once

#include "accounts.hpp"
#include "config.hpp"

#include <string>

namespace sspr::daemon {

struct RegistrationRequirement {
  bool must_register = false;
  std::string reason;  // one sentence for the user and the log
};

RegistrationRequirement evaluate_registration_requirement(const Config& config, const UserAccount& account);

}  // namespace sspr::daemon
