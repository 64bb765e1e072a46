// Proving the user's current password to the directory: a simple bind as the user, with the
// password policy control so a locked account or an expired password is told apart from a
// wrong password.
#pragma once

#include "ldap/connection.hpp"

#include <string>

namespace sspr::ldap {

// Binds `connection` as `dn`. Success also when the policy says the password must be
// changed after an administrator's reset (changeAfterReset): changing it is exactly what
// the caller is about to do. Errors: BadCode (wrong or empty password, or no such entry:
// the server does not tell them apart, and neither do we), AccountLocked, PasswordExpired,
// BackendUnavailable, Internal.
Result<Done> bind_user(Connection& connection, const std::string& dn, const Secret& password, Diagnostic& diag);

}  // namespace sspr::ldap
