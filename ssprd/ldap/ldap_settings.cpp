#include "ldap/ldap_settings.hpp"

#include "text.hpp"

#include <string_view>

namespace sspr::ldap {
namespace {

bool has_control_character(std::string_view s) {
  for (unsigned char c : s)
    if (c < 0x20 || c == 0x7f) return true;
  return false;
}

// An attribute type name as RFC 4512 "descr" defines it: a letter, then letters, digits, '-'.
bool valid_attribute_name(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  if (!alpha(s.front())) return false;
  for (char c : s)
    if (!(alpha(c) || (c >= '0' && c <= '9') || c == '-')) return false;
  return true;
}

std::string_view scheme_of(std::string_view uri) {
  const auto colon = uri.find("://");
  return colon == std::string_view::npos ? std::string_view{} : uri.substr(0, colon);
}

std::optional<std::string> check_uri(std::string_view uri, TlsMode tls) {
  if (uri.empty() || has_control_character(uri) || uri.find(' ') != std::string_view::npos)
    return "uris: \"" + escape_untrusted(uri) + "\" is not a single LDAP URI";
  const std::string_view scheme = scheme_of(uri);
  switch (tls) {
    case TlsMode::starttls:
      if (scheme == "ldap") return std::nullopt;
      return "uris: tls = starttls needs ldap:// URIs, not \"" + escape_untrusted(uri) + "\"";
    case TlsMode::ldaps:
      if (scheme == "ldaps") return std::nullopt;
      return "uris: tls = ldaps needs ldaps:// URIs, not \"" + escape_untrusted(uri) + "\"";
    case TlsMode::none:
      if (scheme == "ldap" || scheme == "ldapi") return std::nullopt;
      return "uris: tls = none needs ldap:// or ldapi:// URIs, not \"" + escape_untrusted(uri) + "\"";
  }
  return "uris: unknown tls mode";
}

}  // namespace

std::optional<std::string> check_settings(const LdapSettings& s) {
  if (s.uris.empty()) return std::string("uris: at least one LDAP URI is needed");
  for (const auto& uri : s.uris)
    if (auto problem = check_uri(uri, s.tls)) return problem;
  if (s.tls == TlsMode::none && !s.allow_plain)
    return std::string("tls = none sends passwords in clear text: it also needs allow_plain = yes");
  if (s.ca_file.find('\0') != std::string::npos || has_control_character(s.ca_file))
    return std::string("ca_file: not a usable path");

  if (!s.dn_template.empty()) {
    if (s.dn_template.find("%u") == std::string::npos || has_control_character(s.dn_template))
      return std::string("dn_template: must contain %u and no control characters");
  } else {
    if (s.base_dn.empty() || has_control_character(s.base_dn))
      return std::string("base_dn: needed (with user_filter) unless dn_template is set");
    if (s.user_filter.find("%u") == std::string::npos || has_control_character(s.user_filter) ||
        s.user_filter.front() != '(' || s.user_filter.back() != ')')
      return std::string("user_filter: must be a parenthesised LDAP filter containing %u");
  }

  if (s.bind_dn.empty() || has_control_character(s.bind_dn))
    return std::string("bind_dn: the service account's DN is needed");
  if (s.bind_password_file.empty()) return std::string("bind_password_file: needed with bind_dn");

  if (s.network_timeout < kMinTimeout || s.network_timeout > kMaxTimeout)
    return std::string("network_timeout: must be 100 ms to 120 s");
  if (s.operation_timeout < kMinTimeout || s.operation_timeout > kMaxTimeout)
    return std::string("operation_timeout: must be 100 ms to 120 s");

  for (const auto* name : {&s.registration_attribute, &s.mail_attribute, &s.mobile_attribute})
    if (!valid_attribute_name(*name))
      return "attribute name \"" + escape_untrusted(*name) + "\" is not a valid LDAP attribute name";
  return std::nullopt;
}

}  // namespace sspr::ldap
