// The password policy control (draft-behera-ldap-password-policy, OpenLDAP's ppolicy): sent
// with a bind or a Password Modify, it makes the server say exactly why it refused
// (too short, in history, locked, ...) instead of a bare "constraint violation".
#pragma once

#include "ldap/handles.hpp"

namespace sspr::ldap {

// The request control, or null if libldap could not build it (out of memory).
ControlPtr make_ppolicy_request(LDAP* ld);

// The LDAPPasswordPolicyError in the server's response control: PP_noError when there is
// no such control, it carries no error, or it cannot be parsed.
int ppolicy_error(LDAP* ld, LDAPControl** response_controls);

// ldap_passwordpolicy_err2txt()'s name for the error, for the log.
const char* ppolicy_error_text(int error);

}  // namespace sspr::ldap
