// RAII owners for what libldap and liblber hand out, so no error path leaks a handle, a
// message, a control, a value or a string (internal to sspr_ldap).
#pragma once

#include <lber.h>
#include <ldap.h>
#include <memory>

namespace sspr::ldap {

struct LdapDeleter {
  // Unbinding without controls is just "close the connection": it cannot fail in a way we
  // could act on.
  void operator()(LDAP* ld) const noexcept { ldap_unbind_ext_s(ld, nullptr, nullptr); }
};
struct MessageDeleter {
  void operator()(LDAPMessage* m) const noexcept { ldap_msgfree(m); }
};
struct ControlDeleter {
  void operator()(LDAPControl* c) const noexcept { ldap_control_free(c); }
};
struct ControlsDeleter {
  void operator()(LDAPControl** c) const noexcept { ldap_controls_free(c); }
};
struct ValuesDeleter {
  void operator()(berval** v) const noexcept { ldap_value_free_len(v); }
};
struct LdapMemDeleter {
  void operator()(char* p) const noexcept { ldap_memfree(p); }
};

using LdapPtr = std::unique_ptr<LDAP, LdapDeleter>;
using LdapMessagePtr = std::unique_ptr<LDAPMessage, MessageDeleter>;
using ControlPtr = std::unique_ptr<LDAPControl, ControlDeleter>;
using ControlsPtr = std::unique_ptr<LDAPControl*, ControlsDeleter>;
using ValuesPtr = std::unique_ptr<berval*, ValuesDeleter>;
using LdapStringPtr = std::unique_ptr<char, LdapMemDeleter>;

}  // namespace sspr::ldap
