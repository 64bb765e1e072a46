#include "ldap/password_modify.hpp"

#include "ldap/ppolicy_control.hpp"
#include "ldap/refusal.hpp"
#include "text.hpp"

namespace sspr::ldap {
namespace {

// The berval points into the Secret's own buffer for the duration of the call: no copy is
// made on our side (libldap copies it into the BER request, which we cannot reach).
berval view(const Secret& secret) {
  return {static_cast<ber_len_t>(secret.size()), const_cast<char*>(secret.c_str())};
}

}  // namespace

Result<Done> modify_password(Connection& connection, const std::string& dn, const Secret* old_password,
                             const Secret& new_password, Diagnostic& diag) {
  const std::string what = std::string(old_password != nullptr ? "change" : "reset") + " the password of " +
                           escape_untrusted(dn);
  if (new_password.empty()) {
    diag.user_text = "The new password is empty.";
    diag.log_text = connection.describe(what, LDAP_PARAM_ERROR, "empty new password");
    return ErrorCode::LowPasswordQuality;
  }
  ControlPtr ppolicy = make_ppolicy_request(connection.handle());
  if (!ppolicy) {
    diag.log_text = connection.describe(what, LDAP_NO_MEMORY, "cannot build the password policy control");
    return ErrorCode::Internal;
  }
  LDAPControl* controls[] = {ppolicy.get(), nullptr};
  berval identity{static_cast<ber_len_t>(dn.size()), const_cast<char*>(dn.c_str())};
  berval old_value{};
  if (old_password != nullptr) old_value = view(*old_password);
  berval new_value = view(new_password);

  int msgid = -1;
  int rc = ldap_passwd(connection.handle(), &identity, old_password != nullptr ? &old_value : nullptr, &new_value,
                       controls, nullptr, &msgid);
  LdapMessagePtr message;
  if (rc == LDAP_SUCCESS) rc = connection.wait(msgid, message);
  if (rc != LDAP_SUCCESS) {
    diag.log_text = connection.describe(what, rc) + "; whether the password was changed is unknown";
    return password_refusal(rc, PP_noError, old_password != nullptr).code;
  }

  int result = LDAP_OTHER;
  char* text = nullptr;
  LDAPControl** returned = nullptr;
  rc = ldap_parse_result(connection.handle(), message.get(), &result, nullptr, &text, nullptr, &returned, 0);
  LdapStringPtr text_owner(text);
  ControlsPtr returned_owner(returned);
  if (rc != LDAP_SUCCESS) {
    diag.log_text = connection.describe(what, rc) + "; the answer could not be read";
    return ErrorCode::Internal;
  }
  const int policy_error = ppolicy_error(connection.handle(), returned);
  if (result == LDAP_SUCCESS) return Done{};

  const Refusal refusal = password_refusal(result, policy_error, old_password != nullptr);
  diag.user_text = std::string(refusal.user_text);
  diag.log_text = connection.describe(what, result, text != nullptr ? text : "");
  if (policy_error != PP_noError)
    diag.log_text += std::string("; password policy: ") + ppolicy_error_text(policy_error);
  return refusal.code;
}

}  // namespace sspr::ldap
