// RFC 3062 Password Modify, with the password policy request control, as whoever the
// connection is bound as: the user (a change, with the old password) or the service account
// (a reset, without). The server hashes the password and applies its policy (ppolicy:
// length, quality, history, minimum age) to both.
#pragma once

#include "ldap/connection.hpp"

#include <string>

namespace sspr::ldap {

// Sets the password of the entry `dn`. `old_password` is null for a reset. Errors, with
// diag.user_text saying why when the password itself was refused (see refusal.hpp):
//   LowPasswordQuality   empty (RFC 3062 would have the server generate one), too short,
//                        too long, not good enough, or a refusal without a ppolicy reason
//   PasswordReused       in the policy's history
//   PasswordTooYoung     changed too recently (pwdMinAge)
//   BadCode              the old password is wrong
//   NotPermitted         the policy forbids this kind of change
//   NoSuchUser           no entry `dn`
//   BackendUnavailable   the server went away or did not answer within the operation
//                        timeout; the log says the outcome is then unknown
//   Internal             anything else (e.g. the ACL does not let the bound identity write)
Result<Done> modify_password(Connection& connection, const std::string& dn, const Secret* old_password,
                             const Secret& new_password, Diagnostic& diag);

}  // namespace sspr::ldap
