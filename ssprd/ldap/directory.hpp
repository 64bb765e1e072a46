// sspr_ldap's public face: what ssprd asks of an LDAP directory, one call per task. Each
// call opens its own connection (failover over settings.uris, TLS verified), does its work
// and closes it; nothing is cached. Synchronous and bounded by the settings' timeouts: run
// it on a worker thread, never on the event loop.
//
// Every call first checks the login name with valid_user_name() (InvalidUserName, before any
// connection: no NUL, newline or LDAP metacharacter ever reaches the directory), then
// escapes it for the filter or DN it goes into. Passwords are passed by pointer into the
// caller's Secret and never copied, logged or put into `diag`.
#pragma once

#include "ldap/diagnostic.hpp"
#include "ldap/ldap_settings.hpp"
#include "result.hpp"
#include "secret.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sspr::ldap {

// The registration record is a JSON document of a few kilobytes; this bounds a broken one.
inline constexpr std::size_t kMaxRecordBytes = 64 * 1024;

// A forgotten password: as the service account, find the user and set `new_password` with
// Password Modify. The directory's policy applies (the service account is not a password
// administrator: see conf/ldap/README.md); a reset also ends a ppolicy lockout.
// Errors: InvalidUserName, NoSuchUser, the refusals of modify_password() (LowPasswordQuality,
// PasswordReused, PasswordTooYoung, NotPermitted, with diag.user_text), BackendUnavailable,
// Internal (settings, service account, ACL).
Result<Done> reset_password(const LdapSettings& settings, std::string_view user, const Secret& new_password,
                            Diagnostic& diag);

// A change: bind as the user with `old_password` (with the ppolicy control), then Password
// Modify with the old and the new password, as the user. The entry is found by the service
// account (user_filter), or built from dn_template (then the service account is not used at
// all). A wrong old password, an unknown user and
// an empty old password are all BadCode. Also AccountLocked, PasswordExpired, and the
// errors of reset_password().
Result<Done> change_password(const LdapSettings& settings, std::string_view user, const Secret& old_password,
                             const Secret& new_password, Diagnostic& diag);

// Is `password` the user's current one? A simple bind as the user (with the ppolicy control).
// BadCode for a wrong password or an unknown user alike; AccountLocked, PasswordExpired,
// BackendUnavailable, Internal.
Result<Done> verify_password(const LdapSettings& settings, std::string_view user, const Secret& password,
                             Diagnostic& diag);

// The user's registration record (settings.registration_attribute), read by the service
// account; nullopt when the entry has none. CorruptRecord if it has several values.
Result<std::optional<std::string>> read_registration(const LdapSettings& settings, std::string_view user,
                                                   Diagnostic& diag);

// Replaces the registration record if it is still `read` (the value read_registration gave, or
// nullopt: there was none), in one modify — delete that value, add the new one — which the
// directory applies whole or not at all: RecordChanged when another writer came between (so
// two hosts can never both spend one code, nor overwrite each other's change).
// InvalidArgument if `json` is empty or larger than kMaxRecordBytes; Internal if the entry
// lacks the ssprUser object class (the log says so) or the ACL refuses.
Result<Done> write_registration(const LdapSettings& settings, std::string_view user, std::string_view json,
                                const std::optional<std::string>& read, Diagnostic& diag);

// Contact data the directory already has, to offer as registration defaults: every value of
// settings.mail_attribute and settings.mobile_attribute, as stored. Not validated here: the
// caller checks each before use.
struct Contacts {
  std::vector<std::string> mail;
  std::vector<std::string> mobile;
};
Result<Contacts> read_contacts(const LdapSettings& settings, std::string_view user, Diagnostic& diag);

}  // namespace sspr::ldap
