// Who must register, and who counts as an administrator: pure functions of the configuration
// and the account.
#pragma once

#include "accounts.hpp"
#include "config.hpp"
#include "record.hpp"

#include <string>
#include <vector>

namespace sspr::daemon {

struct RegistrationRequirement {
  bool must_register = false;
  std::string reason;  // one sentence for the user and the log
};

RegistrationRequirement evaluate_registration_requirement(const Config& config, const UserAccount& account);

// A member of one of [reset] admin_groups (Entra's administrator policy: two methods to reset,
// never security questions, and every reset announced to the admin addresses).
bool is_administrator(const Config& config, const UserAccount& account);

// Whether the configuration offers a method: e-mail needs a valid sender, SMS a gateway.
bool method_offered(const Config& config, MethodType type);
std::vector<MethodType> offered_methods(const Config& config);

}  // namespace sspr::daemon
