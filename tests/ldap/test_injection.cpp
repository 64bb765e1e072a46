// Untrusted login names never reach the directory unescaped. Every public call refuses a
// name valid_user_name() rejects (NUL, newline, LDAP metacharacters, DN specials) before
// connecting; a valid name that matches nobody is "no such user". Below that rule, the
// escaping itself is checked against the real server: metacharacters match literally.
// Afterwards every entry is byte-identical (operational attributes included) and every
// user still binds with the seeded password.
#include "ldap_test_support.hpp"

#include "ldap/connection.hpp"
#include "ldap/user_entry.hpp"

#include <vector>

using namespace sspr;
using namespace sspr::ldap;
using namespace ldap_test;

namespace {

const std::vector<std::string> kCorpus = {
    "*",
    "(",
    ")",
    "\\",
    "*)(uid=*",
    "*)(|(uid=*",
    "lena)(uid=mark",
    "le*",
    "lena*",
    std::string("lena\0", 5),
    std::string("\0", 1),
    "lena\n",
    "lena\r",
    "lena,ou=people",
    "uid=lena",
    "lena+cn=x",
    "#lena",
    " lena",
    "lena ",
    "",
    std::string(65, 'a'),
};

std::vector<std::string> entries() {
  std::vector<std::string> dns = {std::string(SlapdInstance::kServiceDn), std::string(SlapdInstance::kPolicyDn)};
  for (const auto& u : SlapdInstance::users()) dns.push_back(dn_of(u.uid));
  return dns;
}

std::vector<std::string> dump_all(const SlapdInstance& slapd) {
  std::vector<std::string> out;
  for (const auto& dn : entries()) {
    out.push_back(slapd.dump(dn));
    assert_false(out.back().empty());
  }
  return out;
}

void every_call_refuses(const LdapSettings& settings, const std::string& name, ErrorCode code, ErrorCode change_code) {
  Diagnostic diag;
  expect_code(reset_password(settings, name, Secret("Injected-Pass-9"), diag), code, diag);
  expect_code(change_password(settings, name, Secret(password_of("lena")), Secret("Injected-Pass-9"), diag),
              change_code, diag);
  expect_code(read_registration(settings, name, diag), code, diag);
  expect_code(write_registration(settings, name, R"({"injected":true})", std::nullopt, diag), code, diag);
  expect_code(read_contacts(settings, name, diag), code, diag);
}

}  // namespace

static void test_invalid_names_never_reach_the_directory(void**) {
  SlapdInstance slapd;
  const auto before = dump_all(slapd);
  LdapSettings by_search = settings_for(slapd);
  LdapSettings by_template = settings_for(slapd);
  by_template.dn_template = "uid=%u,ou=people,dc=example,dc=org";
  for (const auto& name : kCorpus) {
    every_call_refuses(by_search, name, ErrorCode::InvalidUserName, ErrorCode::InvalidUserName);
    every_call_refuses(by_template, name, ErrorCode::InvalidUserName, ErrorCode::InvalidUserName);
  }
  Diagnostic diag;
  expect_code(reset_password(by_search, "*)(uid=*", Secret("Injected-Pass-9"), diag), ErrorCode::InvalidUserName, diag);
  assert_str(diag.log_text, "invalid user name \"*)(uid=*\": not sent to the directory");
  expect_code(reset_password(by_search, std::string("lena\0x", 6), Secret("Injected-Pass-9"), diag),
              ErrorCode::InvalidUserName, diag);
  assert_str(diag.log_text, "invalid user name \"lena\\x00x\": not sent to the directory");
  expect_code(reset_password(by_search, "lena\n", Secret("Injected-Pass-9"), diag), ErrorCode::InvalidUserName, diag);
  assert_str(diag.log_text, "invalid user name \"lena\\x0a\": not sent to the directory");

  // Valid names that match nobody (case and near misses included).
  for (const std::string name : {"nobody", "lena.x", "le", "lena_", "lena$"}) {
    every_call_refuses(by_search, name, ErrorCode::NoSuchUser, ErrorCode::BadCode);
    every_call_refuses(by_template, name, ErrorCode::NoSuchUser, ErrorCode::BadCode);
  }

  const auto after = dump_all(slapd);
  for (std::size_t i = 0; i < before.size(); ++i) assert_str(after[i], before[i]);
  for (const auto& u : SlapdInstance::users()) assert_true(binds(slapd, u.uid, u.password));
}

static void test_escaping_holds_against_the_server(void**) {
  // Below the name rule: the lookups themselves, fed metacharacters directly, match them
  // literally. Nobody has such a uid, so each is "no such user" and none is ambiguous.
  SlapdInstance slapd;
  const auto before = dump_all(slapd);
  LdapSettings settings = settings_for(slapd);
  Diagnostic diag;
  auto connection = Connection::open(
      settings, [&settings](Connection& c, Diagnostic& d) { return bind_service(c, settings, d); }, diag);
  expect_ok(connection, diag);
  for (const auto& name : kCorpus) {
    // (" lena" and "lena " do find lena: uid's matching rule ignores surrounding spaces, as
    // it ignores case. That is the directory's equality, not an injection.)
    if (name.empty() || name.front() == ' ' || name.back() == ' ') continue;
    expect_code(find_user_dn(*connection, settings, name, diag), ErrorCode::NoSuchUser, diag);
  }
  assert_str(*find_user_dn(*connection, settings, " lena ", diag), dn_of("lena"));
  // Unescaped, "*" would match every user: the search would be ambiguous (Internal).
  LdapSettings wildcard = settings;
  wildcard.user_filter = "(&(objectClass=posixAccount)(uid=*%u))";
  expect_code(find_user_dn(*connection, wildcard, "", diag), ErrorCode::Internal, diag);
  expect_contains(diag.log_text, "more than one entry matches; refusing to pick one");

  // A DN built from an escaped name names no entry: ',' '=' '+' stay inside the RDN value.
  // (" lena" would name lena's entry: DN values compare with the same space rule.)
  LdapSettings by_template = settings;
  by_template.dn_template = "uid=%u,ou=people,dc=example,dc=org";
  for (const std::string name : {"lena,ou=people", "lena+cn=lena", "x,uid=lena", "#lena", "lena\\"}) {
    auto dn = find_user_dn(*connection, by_template, name, diag);
    expect_ok(dn, diag);
    expect_code(read_entry(*connection, *dn, {"uid"}, diag), ErrorCode::NoSuchUser, diag);
  }
  assert_str(*find_user_dn(*connection, by_template, "x,uid=lena", diag),
             "uid=x\\2cuid\\3dlena,ou=people,dc=example,dc=org");

  const auto after = dump_all(slapd);
  for (std::size_t i = 0; i < before.size(); ++i) assert_str(after[i], before[i]);
}

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_invalid_names_never_reach_the_directory),
      cmocka_unit_test(test_escaping_holds_against_the_server),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
