#include "ldap/ppolicy_control.hpp"

#include <cstring>

namespace sspr::ldap {

ControlPtr make_ppolicy_request(LDAP* ld) {
  LDAPControl* raw = nullptr;
  if (ldap_create_passwordpolicy_control(ld, &raw) != LDAP_SUCCESS) return nullptr;
  return ControlPtr(raw);
}

int ppolicy_error(LDAP* ld, LDAPControl** response_controls) {
  if (response_controls == nullptr) return PP_noError;
  LDAPControl* control = ldap_control_find(LDAP_CONTROL_PASSWORDPOLICYRESPONSE, response_controls, nullptr);
  if (control == nullptr) return PP_noError;
  ber_int_t expire = -1, grace = -1;
  LDAPPasswordPolicyError error = PP_noError;
  if (ldap_parse_passwordpolicy_control(ld, control, &expire, &grace, &error) != LDAP_SUCCESS) return PP_noError;
  // libldap stores whatever ENUMERATED the server sent (-38, say) in the C enum; reading such a
  // value back as the enum is undefined in C++ (found by fuzz_ldap): its bytes are read as int.
  static_assert(sizeof error == sizeof(int));
  int value = PP_noError;
  std::memcpy(&value, &error, sizeof value);
  return value;
}

const char* ppolicy_error_text(int error) {
  // Only the enum's own values are cast to it; anything else is an unknown error.
  if (error < 0 || error > PP_noError) return "unknown password policy error";
  return ldap_passwordpolicy_err2txt(static_cast<LDAPPasswordPolicyError>(error));
}

}  // namespace sspr::ldap
