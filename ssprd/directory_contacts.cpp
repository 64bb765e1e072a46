#include "directory_contacts.hpp"

#include "delivery/addresses.hpp"
#include "ldap/directory.hpp"
#include "log.hpp"

namespace sspr::daemon {

std::string without_phone_separators(std::string_view number) {
  std::string out;
  for (char c : number)
    if (c != ' ' && c != '-' && c != '/' && c != '.' && c != '(' && c != ')') out += c;
  return out;
}

std::optional<std::string> directory_contact(const ldap::LdapSettings& settings, const std::string& user,
                                             MethodType channel) {
  ldap::Diagnostic diag;
  const auto contacts = ldap::read_contacts(settings, user, diag);
  if (!contacts) {
    if (contacts.error() != ErrorCode::NoSuchUser) log_warning("directory contacts of %s: %s", user.c_str(), diag.log_text.c_str());
    return std::nullopt;
  }
  if (channel == MethodType::email) {
    for (const auto& mail : contacts->mail)
      if (delivery::valid_email_address(mail)) return mail;
  } else if (channel == MethodType::sms) {
    for (const auto& mobile : contacts->mobile)
      if (auto number = without_phone_separators(mobile); delivery::valid_e164_number(number)) return number;
  }
  return std::nullopt;
}

}  // namespace sspr::daemon
