#include "ldap/directory.hpp"

#include "ldap/connection.hpp"
#include "ldap/password_modify.hpp"
#include "ldap/refusal.hpp"
#include "ldap/user_bind.hpp"
#include "ldap/user_entry.hpp"
#include "text.hpp"
#include "user_name.hpp"

namespace sspr::ldap {
namespace {

// Only a valid name reaches the directory (InvalidUserName, and the log says why).
Result<Done> check_name(std::string_view user, Diagnostic& diag) {
  diag = {};
  if (valid_user_name(user)) return Done{};
  diag.log_text = "invalid user name \"" + escape_untrusted(user) + "\": not sent to the directory";
  return ErrorCode::InvalidUserName;
}

Result<Connection> open_as_service(const LdapSettings& settings, Diagnostic& diag) {
  return Connection::open(
      settings, [&settings](Connection& c, Diagnostic& d) { return bind_service(c, settings, d); }, diag);
}

// A connection bound as the service account and the user's DN on it.
struct Located {
  Connection connection;
  std::string dn;
};

Result<Located> locate(const LdapSettings& settings, std::string_view user, Diagnostic& diag) {
  auto connection = open_as_service(settings, diag);
  if (!connection) return connection.error();
  auto dn = find_user_dn(*connection, settings, user, diag);
  if (!dn) return dn.error();
  return Located{std::move(*connection), std::move(*dn)};
}

}  // namespace

Result<Done> reset_password(const LdapSettings& settings, std::string_view user, const Secret& new_password,
                            Diagnostic& diag) {
  if (auto named = check_name(user, diag); !named) return named.error();
  auto located = locate(settings, user, diag);
  if (!located) return located.error();
  return modify_password(located->connection, located->dn, nullptr, new_password, diag);
}

Result<Done> change_password(const LdapSettings& settings, std::string_view user, const Secret& old_password,
                             const Secret& new_password, Diagnostic& diag) {
  if (auto named = check_name(user, diag); !named) return named.error();
  if (!settings.dn_template.empty()) {
    // The DN needs no lookup: bind as the user straight away (with failover), no service
    // account involved.
    const std::string dn = dn_from_template(settings, user);
    auto connection = Connection::open(
        settings, [&](Connection& c, Diagnostic& d) { return bind_user(c, dn, old_password, d); }, diag);
    if (!connection) return connection.error();
    return modify_password(*connection, dn, &old_password, new_password, diag);
  }
  auto located = locate(settings, user, diag);
  // An unknown user gets the answer a wrong password gets.
  if (!located) return located.error() == ErrorCode::NoSuchUser ? ErrorCode::BadCode : located.error();
  // Re-binding the same connection replaces the service identity with the user's: the
  // Password Modify below runs with the user's own rights, as the policy expects.
  if (auto bound = bind_user(located->connection, located->dn, old_password, diag); !bound) return bound.error();
  return modify_password(located->connection, located->dn, &old_password, new_password, diag);
}

Result<Done> verify_password(const LdapSettings& settings, std::string_view user, const Secret& password,
                             Diagnostic& diag) {
  if (auto named = check_name(user, diag); !named) return named.error();
  if (!settings.dn_template.empty()) {
    const std::string dn = dn_from_template(settings, user);
    auto connection = Connection::open(
        settings, [&](Connection& c, Diagnostic& d) { return bind_user(c, dn, password, d); }, diag);
    if (!connection) return connection.error();
    return Done{};
  }
  auto located = locate(settings, user, diag);
  if (!located) return located.error() == ErrorCode::NoSuchUser ? ErrorCode::BadCode : located.error();
  return bind_user(located->connection, located->dn, password, diag);
}

Result<std::optional<std::string>> read_registration(const LdapSettings& settings, std::string_view user,
                                                   Diagnostic& diag) {
  if (auto named = check_name(user, diag); !named) return named.error();
  auto located = locate(settings, user, diag);
  if (!located) return located.error();
  auto attributes = read_entry(located->connection, located->dn, {settings.registration_attribute}, diag);
  if (!attributes) return attributes.error();
  const auto found = attributes->find(settings.registration_attribute);
  if (found == attributes->end() || found->second.empty()) return std::optional<std::string>{};
  if (found->second.size() > 1) {
    diag.log_text = located->connection.describe("read " + escape_untrusted(located->dn), LDAP_CONSTRAINT_VIOLATION) +
                    ": " + settings.registration_attribute + " has several values";
    return ErrorCode::CorruptRecord;
  }
  return std::optional<std::string>(std::move(found->second.front()));
}

Result<Done> write_registration(const LdapSettings& settings, std::string_view user, std::string_view json,
                                const std::optional<std::string>& read, Diagnostic& diag) {
  if (auto named = check_name(user, diag); !named) return named.error();
  if (json.empty() || json.size() > kMaxRecordBytes) {
    diag.log_text = "registration record of " + std::to_string(json.size()) + " bytes: must be 1 to " +
                    std::to_string(kMaxRecordBytes);
    return ErrorCode::InvalidArgument;
  }
  auto located = locate(settings, user, diag);
  if (!located) return located.error();
  Connection& connection = located->connection;

  // Delete the value as read, add the new one: a test-and-set the directory does atomically
  // (RFC 4511 4.6). A value that is no longer there fails the delete (noSuchAttribute); a
  // value added meanwhile where there was none fails the add (the attribute is SINGLE-VALUE).
  auto* type = const_cast<char*>(settings.registration_attribute.c_str());
  berval old_value{read ? static_cast<ber_len_t>(read->size()) : 0, read ? const_cast<char*>(read->data()) : nullptr};
  berval* old_values[] = {&old_value, nullptr};
  LDAPMod remove{};
  remove.mod_op = LDAP_MOD_DELETE | LDAP_MOD_BVALUES;
  remove.mod_type = type;
  remove.mod_vals.modv_bvals = old_values;
  berval value{static_cast<ber_len_t>(json.size()), const_cast<char*>(json.data())};
  berval* values[] = {&value, nullptr};
  LDAPMod add{};
  add.mod_op = LDAP_MOD_ADD | LDAP_MOD_BVALUES;
  add.mod_type = type;
  add.mod_vals.modv_bvals = values;
  LDAPMod* with_old[] = {&remove, &add, nullptr};
  LDAPMod* first[] = {&add, nullptr};
  LDAPMod** mods = read ? with_old : first;

  const std::string what = "write " + settings.registration_attribute + " of " + escape_untrusted(located->dn);
  int msgid = -1;
  int rc = ldap_modify_ext(connection.handle(), located->dn.c_str(), mods, nullptr, nullptr, &msgid);
  LdapMessagePtr message;
  if (rc == LDAP_SUCCESS) rc = connection.wait(msgid, message);
  int result = rc;
  std::string server_text;
  if (rc == LDAP_SUCCESS) {
    char* text = nullptr;
    rc = ldap_parse_result(connection.handle(), message.get(), &result, nullptr, &text, nullptr, nullptr, 0);
    LdapStringPtr owner(text);
    if (rc != LDAP_SUCCESS) result = rc;
    if (text != nullptr) server_text = text;
  }
  if (result == LDAP_SUCCESS) return Done{};
  diag.log_text = connection.describe(what, result, server_text);
  if (result == LDAP_NO_SUCH_ATTRIBUTE || result == LDAP_TYPE_OR_VALUE_EXISTS || result == LDAP_CONSTRAINT_VIOLATION)
    return ErrorCode::RecordChanged;
  if (result == LDAP_OBJECT_CLASS_VIOLATION)
    diag.log_text += "; does the entry have the object class ssprUser (conf/ldap/README.md)?";
  return operation_failure(result);
}

Result<Contacts> read_contacts(const LdapSettings& settings, std::string_view user, Diagnostic& diag) {
  if (auto named = check_name(user, diag); !named) return named.error();
  auto located = locate(settings, user, diag);
  if (!located) return located.error();
  auto attributes =
      read_entry(located->connection, located->dn, {settings.mail_attribute, settings.mobile_attribute}, diag);
  if (!attributes) return attributes.error();
  Contacts contacts;
  if (auto mail = attributes->find(settings.mail_attribute); mail != attributes->end()) contacts.mail = mail->second;
  if (auto mobile = attributes->find(settings.mobile_attribute); mobile != attributes->end())
    contacts.mobile = mobile->second;
  return contacts;
}

}  // namespace sspr::ldap
