#include "ldap/user_bind.hpp"

#include "ldap/ppolicy_control.hpp"
#include "ldap/refusal.hpp"
#include "text.hpp"

namespace sspr::ldap {

Result<Done> bind_user(Connection& connection, const std::string& dn, const Secret& password, Diagnostic& diag) {
  const std::string what = "bind as " + escape_untrusted(dn);
  ControlPtr ppolicy = make_ppolicy_request(connection.handle());
  if (!ppolicy) {
    diag.log_text = connection.describe(what, LDAP_NO_MEMORY, "cannot build the password policy control");
    return ErrorCode::Internal;
  }
  LDAPControl* controls[] = {ppolicy.get(), nullptr};
  ControlsPtr returned;
  std::string server_text;
  const int rc = connection.simple_bind(dn, password, controls, returned, server_text);
  const int policy_error = ppolicy_error(connection.handle(), returned.get());
  if (rc == LDAP_SUCCESS) return Done{};
  diag.log_text = connection.describe(what, rc, server_text);
  if (policy_error != PP_noError)
    diag.log_text += std::string("; password policy: ") + ppolicy_error_text(policy_error);
  return bind_refusal(rc, policy_error).code;
}

}  // namespace sspr::ldap
