#include "policy.hpp"

#include "delivery/addresses.hpp"

#include <algorithm>

namespace sspr::daemon {
namespace {

bool contains(const std::vector<std::string>& list, const std::string& name) {
  return std::find(list.begin(), list.end(), name) != list.end();
}

// The first of `groups` that the account belongs to, or nullptr.
const std::string* first_common_group(const std::vector<std::string>& groups, const UserAccount& account) {
  if (groups.empty()) return nullptr;  // no group lookup for rules that name no group
  for (const auto& g : account.groups())
    if (contains(groups, g)) return &g;
  return nullptr;
}

}  // namespace

RegistrationRequirement evaluate_registration_requirement(const Config& config, const UserAccount& account) {
  // Exemptions first, in a fixed order, so the reason names the rule that decided.
  if (account.uid == 0) return {false, "root is never required to register"};
  if (account.uid < config.min_uid)
    return {false, "system account (uid " + std::to_string(account.uid) + " is below min_uid " +
                       std::to_string(config.min_uid) + ")"};
  if (contains(config.exempt_users, account.name)) return {false, "listed in exempt_users"};
  if (const auto* g = first_common_group(config.exempt_groups, account))
    return {false, "member of exempt group '" + *g + "'"};

  switch (config.required_for) {
    case RegistrationScope::none:
      return {false, "registration is not required (required_for = none)"};
    case RegistrationScope::all:
      return {true, "registration is required for all users"};
    case RegistrationScope::groups:
      if (const auto* g = first_common_group(config.required_groups, account))
        return {true, "registration is required for members of group '" + *g + "'"};
      return {false, "not a member of any group in required_groups"};
  }
  return {false, "unknown policy"};
}

bool is_administrator(const Config& config, const UserAccount& account) {
  const auto& admin_groups = config.admin_groups;
  if (admin_groups.empty()) return false;  // no group lookup at all then
  return std::any_of(account.groups().begin(), account.groups().end(), [&](const std::string& g) {
    return std::find(admin_groups.begin(), admin_groups.end(), g) != admin_groups.end();
  });
}

bool method_offered(const Config& config, MethodType type) {
  switch (type) {
    case MethodType::totp: return config.method_totp;
    case MethodType::email: return config.method_email && delivery::valid_email_address(config.mail_from);
    case MethodType::sms: return config.method_sms && !config.sms_webhook_url.empty();
    case MethodType::questions: return config.method_questions;
    case MethodType::recovery_codes: return config.method_recovery_codes;
  }
  return false;
}

std::vector<MethodType> offered_methods(const Config& config) {
  std::vector<MethodType> out;
  for (auto t : kAllMethodTypes)
    if (method_offered(config, t)) out.push_back(t);
  return out;
}

}  // namespace sspr::daemon
