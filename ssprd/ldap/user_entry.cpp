#include "ldap/user_entry.hpp"

#include "ldap/escape.hpp"
#include "ldap/refusal.hpp"
#include "text.hpp"

#include <algorithm>

namespace sspr::ldap {
namespace {

// A search's own result code (the message chain ends with it), and the server's text.
int search_result(LDAP* ld, LDAPMessage* chain, std::string& server_text) {
  int result = LDAP_OTHER;
  char* text = nullptr;
  const int rc = ldap_parse_result(ld, chain, &result, nullptr, &text, nullptr, nullptr, 0);
  LdapStringPtr owner(text);
  if (rc != LDAP_SUCCESS) return rc;
  server_text = text != nullptr ? text : "";
  return result;
}

// Starts a search and waits for all of it; LDAP result code of the transport or the search.
int run_search(Connection& connection, const std::string& base, int scope, const std::string& filter,
               std::vector<const char*> attributes, int size_limit, LdapMessagePtr& chain, std::string& server_text) {
  attributes.push_back(nullptr);
  int msgid = -1;
  // The server's own time limit stops work we would give up on anyway (whole seconds, >= 1).
  timeval server_limit{std::max<time_t>(1, connection.operation_timeout().tv_sec), 0};
  int rc = ldap_search_ext(connection.handle(), base.c_str(), scope, filter.c_str(),
                           const_cast<char**>(attributes.data()), 0, nullptr, nullptr, &server_limit, size_limit,
                           &msgid);
  if (rc != LDAP_SUCCESS) return rc;
  rc = connection.wait(msgid, chain);
  if (rc != LDAP_SUCCESS) return rc;
  return search_result(connection.handle(), chain.get(), server_text);
}

}  // namespace

std::string dn_from_template(const LdapSettings& settings, std::string_view user) {
  return substitute_user(settings.dn_template, escape_dn_value(user));
}

Result<std::string> find_user_dn(Connection& connection, const LdapSettings& settings, std::string_view user,
                                 Diagnostic& diag) {
  if (!settings.dn_template.empty()) return dn_from_template(settings, user);

  const std::string filter = substitute_user(settings.user_filter, escape_filter_value(user));
  LdapMessagePtr chain;
  std::string server_text;
  // "1.1": no attributes, only the DN. Size limit 2: enough to tell one match from several.
  const int rc = run_search(connection, settings.base_dn, LDAP_SCOPE_SUBTREE, filter, {LDAP_NO_ATTRS}, 2, chain,
                            server_text);
  const int entries = chain ? ldap_count_entries(connection.handle(), chain.get()) : 0;
  if (rc == LDAP_SIZELIMIT_EXCEEDED || entries > 1) {
    diag.log_text = connection.describe("search " + escape_untrusted(filter), LDAP_SIZELIMIT_EXCEEDED) +
                    ": more than one entry matches; refusing to pick one";
    return ErrorCode::Internal;
  }
  if (rc != LDAP_SUCCESS) {
    diag.log_text = connection.describe("search " + escape_untrusted(filter), rc, server_text);
    return operation_failure(rc);
  }
  if (entries == 0) {
    diag.log_text = connection.describe("search " + escape_untrusted(filter), LDAP_NO_SUCH_OBJECT);
    return ErrorCode::NoSuchUser;
  }
  LdapStringPtr dn(ldap_get_dn(connection.handle(), ldap_first_entry(connection.handle(), chain.get())));
  if (!dn) {
    diag.log_text = connection.describe("read the DN of the entry found", LDAP_DECODING_ERROR);
    return ErrorCode::Internal;
  }
  return std::string(dn.get());
}

Result<Attributes> read_entry(Connection& connection, const std::string& dn, const std::vector<std::string>& names,
                              Diagnostic& diag) {
  std::vector<const char*> wanted;
  for (const auto& name : names) wanted.push_back(name.c_str());
  LdapMessagePtr chain;
  std::string server_text;
  const int rc = run_search(connection, dn, LDAP_SCOPE_BASE, "(objectClass=*)", wanted, 1, chain, server_text);
  if (rc != LDAP_SUCCESS) {
    diag.log_text = connection.describe("read " + escape_untrusted(dn), rc, server_text);
    return operation_failure(rc);
  }
  LDAPMessage* entry = ldap_first_entry(connection.handle(), chain.get());
  if (entry == nullptr) {
    // The entry exists but the bound identity may not see it: to sspr it is not there.
    diag.log_text = connection.describe("read " + escape_untrusted(dn), LDAP_NO_SUCH_OBJECT);
    return ErrorCode::NoSuchUser;
  }
  Attributes attributes;
  for (const auto& name : names) {
    ValuesPtr values(ldap_get_values_len(connection.handle(), entry, name.c_str()));
    if (!values) continue;
    auto& out = attributes[name];
    for (berval** v = values.get(); *v != nullptr; ++v) out.emplace_back((*v)->bv_val, (*v)->bv_len);
  }
  return attributes;
}

}  // namespace sspr::ldap
