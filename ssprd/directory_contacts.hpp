// The contact data a directory already keeps for a user (mail, mobile), as registration
// defaults: Entra's "pre-populated by the administrator", but never trusted before the user
// confirmed it with a code sent there.
#pragma once

#include "ldap/ldap_settings.hpp"
#include "record.hpp"

#include <optional>
#include <string>

namespace sspr::daemon {

// The first of the user's directory values for `channel` (email: mail, sms: mobile) that is a
// valid address; a phone number is taken with its usual separators (spaces, '-', '/', '.',
// parentheses) removed. nullopt when there is none, or the directory cannot be asked.
std::optional<std::string> directory_contact(const ldap::LdapSettings& settings, const std::string& user,
                                             MethodType channel);

// "+49 (151) 123-456" -> "+49151123456"; the result still has to pass valid_e164_number().
std::string without_phone_separators(std::string_view number);

}  // namespace sspr::daemon
