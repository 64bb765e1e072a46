// Where the directory is and how sspr talks to it. The daemon fills this from sspr.conf; the
// tests fill it directly. check_settings() is the one place that decides what is acceptable,
// so a bad value is reported once, in words an admin can act on, before any connection.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace sspr::ldap {

enum class TlsMode { starttls, ldaps, none };

struct LdapSettings {
  // Tried in order until one answers (failover). starttls and none take ldap:// URIs, ldaps
  // takes ldaps://; none also takes ldapi:// (a local socket).
  std::vector<std::string> uris;
  TlsMode tls = TlsMode::starttls;
  // TlsMode::none sends passwords in clear over ldap://: it needs this explicit opt-in too.
  bool allow_plain = false;
  // PEM file of the CA(s) that may sign the server certificate; empty: libldap's default
  // (TLS_CACERT in /etc/ldap/ldap.conf). The certificate and host name are always verified.
  std::string ca_file;

  // How a login name becomes an entry. With dn_template (e.g.
  // "uid=%u,ou=people,dc=example,dc=org") the DN is built directly, %u replaced by the
  // RFC 4514-escaped name; otherwise base_dn is searched (subtree) with user_filter, %u
  // replaced by the RFC 4515-escaped name, and exactly one entry must match.
  std::string base_dn;
  std::string user_filter = "(&(objectClass=posixAccount)(uid=%u))";
  std::string dn_template;

  // The service account: searches, resets passwords, reads and writes registration records.
  std::string bind_dn;
  // Holds its password (one trailing newline is ignored). Must be a regular file owned by
  // root (the user ssprd runs as) with no group or other access: it is read at every call,
  // so a rotated password needs no restart.
  std::string bind_password_file;

  std::chrono::milliseconds network_timeout{5000};     // TCP connect and TLS handshake, per URI
  std::chrono::milliseconds operation_timeout{10000};  // each request (StartTLS, bind, search, ...)

  std::string registration_attribute = "ssprEnrollment";
  std::string mail_attribute = "mail";
  std::string mobile_attribute = "mobile";
};

inline constexpr std::chrono::milliseconds kMinTimeout{100};
inline constexpr std::chrono::milliseconds kMaxTimeout{120000};

// nullopt when the settings can be used; otherwise what is wrong, as one sentence naming
// the setting.
std::optional<std::string> check_settings(const LdapSettings& settings);

}  // namespace sspr::ldap
