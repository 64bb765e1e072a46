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

DirectoryContacts directory_contacts(const ldap::LdapSettings& settings, const std::string& user) {
  ldap::Diagnostic diag;
  const auto contacts = ldap::read_contacts(settings, user, diag);
  DirectoryContacts out;
  if (!contacts) {
    if (contacts.error() != ErrorCode::NoSuchUser) log_warning("directory contacts of %s: %s", user.c_str(), diag.log_text.c_str());
    return out;
  }
  for (const auto& mail : contacts->mail)
    if (!out.email && delivery::valid_email_address(mail)) out.email = mail;
  for (const auto& mobile : contacts->mobile)
    if (auto number = without_phone_separators(mobile); !out.phone && delivery::valid_e164_number(number))
      out.phone = std::move(number);
  return out;
}

}  // namespace sspr::daemon
