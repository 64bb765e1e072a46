// How an LDAP answer becomes one of sspr's errors. The password policy (ppolicy) response
// control says precisely why a password was refused; its error wins over the bare LDAP
// result code, which is all a server without ppolicy sends. Pure: tested without a server.
#pragma once

#include "errors.hpp"

#include <string_view>

namespace sspr::ldap {

// A refusal and the fixed sentence for the user (empty: the error table's message says it).
struct Refusal {
  ErrorCode code;
  std::string_view user_text;
};

// The server cannot be reached or did not answer in time: the class of failure that moves
// on to the next URI, and that the user sees as BackendUnavailable. TLS failures (an
// untrusted certificate, a failed handshake) are in it: they are never retried in clear.
bool is_unreachable(int ldap_result) noexcept;

// A refused Password Modify. `ppolicy_error` is the LDAPPasswordPolicyError of the response
// control, or PP_noError without one. `with_old_password`: a change (the user's old password
// was sent) rather than a reset, which decides what "must supply the old password" means.
Refusal password_refusal(int ldap_result, int ppolicy_error, bool with_old_password) noexcept;

// A refused simple bind as the user: a wrong password (BadCode, the same answer for an
// unknown user), a locked account, an expired password.
Refusal bind_refusal(int ldap_result, int ppolicy_error) noexcept;

// Any other failed request (the service account's bind, a search, a modify).
ErrorCode operation_failure(int ldap_result) noexcept;

}  // namespace sspr::ldap
