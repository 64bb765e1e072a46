#include "ldap/refusal.hpp"

#include <ldap.h>

namespace sspr::ldap {

bool is_unreachable(int ldap_result) noexcept {
  switch (ldap_result) {
    case LDAP_SERVER_DOWN:    // connect failed or the connection broke
    case LDAP_CONNECT_ERROR:  // includes a failed TLS handshake or certificate check
    case LDAP_TIMEOUT:        // our operation timeout
    case LDAP_UNAVAILABLE:    // the server is shutting down or not serving this
    case LDAP_BUSY:
      return true;
    default:
      return false;
  }
}

Refusal password_refusal(int ldap_result, int ppolicy_error, bool with_old_password) noexcept {
  switch (ppolicy_error) {
    case PP_passwordTooShort:
      return {ErrorCode::LowPasswordQuality, "The directory refused the new password: it is too short."};
    case PP_passwordTooLong:
      return {ErrorCode::LowPasswordQuality, "The directory refused the new password: it is too long."};
    case PP_insufficientPasswordQuality:
      return {ErrorCode::LowPasswordQuality,
              "The directory refused the new password: it does not meet the directory's password rules."};
    case PP_passwordInHistory:
      return {ErrorCode::PasswordReused,
              "The directory refused the new password: it was used before. Choose one you have not used recently."};
    case PP_passwordTooYoung:
      return {ErrorCode::PasswordTooYoung, {}};
    case PP_accountLocked:
      return {ErrorCode::AccountLocked, {}};
    case PP_passwordExpired:
      return {ErrorCode::PasswordExpired, {}};
    case PP_passwordModNotAllowed:
      return {ErrorCode::NotPermitted, "The directory does not let you change this password yourself."};
    case PP_mustSupplyOldPassword:
      // In a change the old password was sent, so it was wrong. In a reset the policy
      // (pwdSafeModify) demands one, which a reset cannot give.
      if (with_old_password) return {ErrorCode::BadCode, {}};
      return {ErrorCode::NotPermitted, "The directory does not allow a password reset without the old password."};
    default:
      break;
  }
  if (is_unreachable(ldap_result)) return {ErrorCode::BackendUnavailable, {}};
  switch (ldap_result) {
    case LDAP_CONSTRAINT_VIOLATION:
      return {ErrorCode::LowPasswordQuality, "The directory refused the new password."};
    case LDAP_NO_SUCH_OBJECT:
      return {ErrorCode::NoSuchUser, {}};
    case LDAP_INVALID_CREDENTIALS:
      return {ErrorCode::BadCode, {}};
    case LDAP_UNWILLING_TO_PERFORM:
      // slapd's answer to a wrong old password ("unwilling to verify old password").
      if (with_old_password) return {ErrorCode::BadCode, {}};
      return {ErrorCode::Internal, {}};
    default:
      return {ErrorCode::Internal, {}};
  }
}

Refusal bind_refusal(int ldap_result, int ppolicy_error) noexcept {
  if (ppolicy_error == PP_accountLocked) return {ErrorCode::AccountLocked, {}};
  if (ppolicy_error == PP_passwordExpired) return {ErrorCode::PasswordExpired, {}};
  if (is_unreachable(ldap_result)) return {ErrorCode::BackendUnavailable, {}};
  // A wrong password and an unknown DN look the same to the user, as they do to the server.
  if (ldap_result == LDAP_INVALID_CREDENTIALS) return {ErrorCode::BadCode, {}};
  return {ErrorCode::Internal, {}};
}

ErrorCode operation_failure(int ldap_result) noexcept {
  if (is_unreachable(ldap_result)) return ErrorCode::BackendUnavailable;
  if (ldap_result == LDAP_NO_SUCH_OBJECT) return ErrorCode::NoSuchUser;
  return ErrorCode::Internal;
}

}  // namespace sspr::ldap
