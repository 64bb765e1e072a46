// The contact data a directory already keeps for a user (mail, mobile), as registration
// defaults: Entra's "pre-populated by the administrator", but never trusted before the user
// confirmed it with a code sent there.
#pragma once

#include "ldap/ldap_settings.hpp"
#include "record.hpp"

#include <optional>
#include <string>

namespace sspr::daemon {

struct DirectoryContacts {
  std::optional<std::string> email;  // the first valid `mail`
  std::optional<std::string> phone;  // the first valid `mobile`, separators removed
  const std::optional<std::string>& of(MethodType channel) const { return channel == MethodType::email ? email : phone; }
};

// The user's directory contacts, in one read: for each channel the first value that is a valid
// address; a phone number is taken with its usual separators (spaces, '-', '/', '.',
// parentheses) removed. Empty when there is none, or the directory cannot be asked.
DirectoryContacts directory_contacts(const ldap::LdapSettings& settings, const std::string& user);

// "+49 (151) 123-456" -> "+49151123456"; the result still has to pass valid_e164_number().
std::string without_phone_separators(std::string_view number);

}  // namespace sspr::daemon
