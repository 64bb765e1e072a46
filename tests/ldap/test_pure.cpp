// The parts of sspr_ldap that need no server: escaping for filters and DNs, the settings
// check, the mapping of LDAP answers to sspr's errors, and the bind password file's rules.
#include "ldap_test_support.hpp"

#include "credential_file.hpp"
#include "ldap/bind_password.hpp"
#include "ldap/escape.hpp"
#include "ldap/ldap_settings.hpp"
#include "ldap/refusal.hpp"
#include "process.hpp"

#include <filesystem>
#include <sys/stat.h>
#include <unistd.h>

using namespace sspr;
using namespace sspr::ldap;
using namespace ldap_test;

namespace {

struct Escaped {
  std::string_view input;
  std::string_view expected;
};

// The injection corpus of the brief, and friends: every LDAP metacharacter, both RFCs'
// positional specials (leading '#', leading/trailing space), control bytes, UTF-8.
const Escaped kCorpus[] = {
    {"lena", "lena"},
    {"a.b@c-d_e", "a.b@c-d_e"},
    {"*", "\\2a"},
    {"(", "\\28"},
    {")", "\\29"},
    {"\\", "\\5c"},
    {"*)(uid=*", "\\2a\\29\\28uid\\3d\\2a"},
    {std::string_view("a\0b", 3), "a\\00b"},
    {"a\nb", "a\\0ab"},
    {"a,b", "a\\2cb"},
    {"a=b", "a\\3db"},
    {"a+b", "a\\2bb"},
    {"#lena", "\\23lena"},
    {" lena ", "\\20lena\\20"},
    {"\"<>;", "\\22\\3c\\3e\\3b"},
    {"\xc3\xa9", "\\c3\\a9"},
};

}  // namespace

static void test_filter_and_dn_escaping(void**) {
  for (const auto& c : kCorpus) {
    assert_str(escape_filter_value(c.input), c.expected);
    assert_str(escape_dn_value(c.input), c.expected);
  }
  // The escaped value can never close the filter's parenthesis or start a new assertion.
  const std::string filter =
      substitute_user("(&(objectClass=posixAccount)(uid=%u))", escape_filter_value("*)(uid=*))(|(uid=*"));
  assert_str(filter, "(&(objectClass=posixAccount)(uid=\\2a\\29\\28uid\\3d\\2a\\29\\29\\28\\7c\\28uid\\3d\\2a))");
  assert_str(substitute_user("uid=%u,ou=people,dc=example,dc=org", escape_dn_value("a,ou=x")),
             "uid=a\\2cou\\3dx,ou=people,dc=example,dc=org");
  assert_str(substitute_user("(|(uid=%u)(mail=%u))", "x"), "(|(uid=x)(mail=x))");
  assert_str(substitute_user("no placeholder", "x"), "no placeholder");
  assert_str(substitute_user("%u", ""), "");
}

static void test_settings_check(void**) {
  LdapSettings good;
  good.uris = {"ldap://a.example.test", "ldap://b.example.test:389"};
  good.base_dn = "ou=people,dc=example,dc=org";
  good.bind_dn = "cn=sspr,dc=example,dc=org";
  good.bind_password_file = "/etc/sspr/ldap.secret";
  assert_false(check_settings(good).has_value());

  auto problem = [&](auto change) {
    LdapSettings s = good;
    change(s);
    const auto p = check_settings(s);
    return p ? *p : std::string("(accepted)");
  };
  assert_str(problem([](LdapSettings& s) { s.uris.clear(); }), "uris: at least one LDAP URI is needed");
  assert_str(problem([](LdapSettings& s) { s.uris = {"ldaps://a.example.test"}; }),
             "uris: tls = starttls needs ldap:// URIs, not \"ldaps://a.example.test\"");
  assert_str(problem([](LdapSettings& s) { s.uris = {"ldap://a b"}; }),
             "uris: \"ldap://a b\" is not a single LDAP URI");
  assert_str(problem([](LdapSettings& s) { s.tls = TlsMode::ldaps; }),
             "uris: tls = ldaps needs ldaps:// URIs, not \"ldap://a.example.test\"");
  assert_str(problem([](LdapSettings& s) { s.tls = TlsMode::none; }),
             "tls = none sends passwords in clear text: it also needs allow_plain = yes");
  assert_str(problem([](LdapSettings& s) {
               s.tls = TlsMode::none;
               s.allow_plain = true;
               s.uris = {"ldapi://%2Frun%2Fslapd%2Fldapi", "ldap://a.example.test"};
             }),
             "(accepted)");
  assert_str(problem([](LdapSettings& s) {
               s.tls = TlsMode::none;
               s.allow_plain = true;
               s.uris = {"ldaps://a.example.test"};
             }),
             "uris: tls = none needs ldap:// or ldapi:// URIs, not \"ldaps://a.example.test\"");
  assert_str(problem([](LdapSettings& s) { s.base_dn.clear(); }),
             "base_dn: needed (with user_filter) unless dn_template is set");
  assert_str(problem([](LdapSettings& s) {
               s.base_dn.clear();
               s.dn_template = "uid=%u,ou=people,dc=example,dc=org";
             }),
             "(accepted)");
  assert_str(problem([](LdapSettings& s) { s.dn_template = "uid=lena,ou=people"; }),
             "dn_template: must contain %u and no control characters");
  assert_str(problem([](LdapSettings& s) { s.user_filter = "uid=%u"; }),
             "user_filter: must be a parenthesised LDAP filter containing %u");
  assert_str(problem([](LdapSettings& s) { s.user_filter = "(uid=lena)"; }),
             "user_filter: must be a parenthesised LDAP filter containing %u");
  assert_str(problem([](LdapSettings& s) { s.bind_dn.clear(); }), "bind_dn: the service account's DN is needed");
  assert_str(problem([](LdapSettings& s) { s.bind_password_file.clear(); }), "bind_password_file: needed with bind_dn");
  assert_str(problem([](LdapSettings& s) { s.network_timeout = 99ms; }), "network_timeout: must be 100 ms to 120 s");
  assert_str(problem([](LdapSettings& s) { s.operation_timeout = 121s; }),
             "operation_timeout: must be 100 ms to 120 s");
  assert_str(problem([](LdapSettings& s) { s.mail_attribute = "mail;binary"; }),
             "attribute name \"mail;binary\" is not a valid LDAP attribute name");
  assert_str(problem([](LdapSettings& s) { s.registration_attribute = "1x"; }),
             "attribute name \"1x\" is not a valid LDAP attribute name");
}

static void test_password_refusals(void**) {
  struct Case {
    int result;
    int ppolicy;
    bool change;
    ErrorCode code;
    std::string_view text;
  };
  const Case cases[] = {
      {LDAP_CONSTRAINT_VIOLATION, PP_passwordTooShort, true, ErrorCode::LowPasswordQuality,
       "The directory refused the new password: it is too short."},
      {LDAP_CONSTRAINT_VIOLATION, PP_passwordTooLong, false, ErrorCode::LowPasswordQuality,
       "The directory refused the new password: it is too long."},
      {LDAP_CONSTRAINT_VIOLATION, PP_insufficientPasswordQuality, false, ErrorCode::LowPasswordQuality,
       "The directory refused the new password: it does not meet the directory's password rules."},
      {LDAP_CONSTRAINT_VIOLATION, PP_passwordInHistory, true, ErrorCode::PasswordReused,
       "The directory refused the new password: it was used before. Choose one you have not used recently."},
      {LDAP_CONSTRAINT_VIOLATION, PP_passwordTooYoung, true, ErrorCode::PasswordTooYoung, ""},
      {LDAP_INVALID_CREDENTIALS, PP_accountLocked, true, ErrorCode::AccountLocked, ""},
      {LDAP_INVALID_CREDENTIALS, PP_passwordExpired, true, ErrorCode::PasswordExpired, ""},
      {LDAP_INSUFFICIENT_ACCESS, PP_passwordModNotAllowed, true, ErrorCode::NotPermitted,
       "The directory does not let you change this password yourself."},
      {LDAP_UNWILLING_TO_PERFORM, PP_mustSupplyOldPassword, true, ErrorCode::BadCode, ""},
      {LDAP_INSUFFICIENT_ACCESS, PP_mustSupplyOldPassword, false, ErrorCode::NotPermitted,
       "The directory does not allow a password reset without the old password."},
      // A server without ppolicy says only the result code.
      {LDAP_CONSTRAINT_VIOLATION, PP_noError, false, ErrorCode::LowPasswordQuality,
       "The directory refused the new password."},
      {LDAP_UNWILLING_TO_PERFORM, PP_noError, true, ErrorCode::BadCode, ""},
      {LDAP_UNWILLING_TO_PERFORM, PP_noError, false, ErrorCode::Internal, ""},
      {LDAP_NO_SUCH_OBJECT, PP_noError, false, ErrorCode::NoSuchUser, ""},
      {LDAP_INSUFFICIENT_ACCESS, PP_noError, false, ErrorCode::Internal, ""},
      {LDAP_SERVER_DOWN, PP_noError, false, ErrorCode::BackendUnavailable, ""},
      {LDAP_TIMEOUT, PP_noError, true, ErrorCode::BackendUnavailable, ""},
      {LDAP_CONNECT_ERROR, PP_noError, true, ErrorCode::BackendUnavailable, ""},
  };
  for (const auto& c : cases) {
    const Refusal r = password_refusal(c.result, c.ppolicy, c.change);
    assert_int_equal(static_cast<int>(r.code), static_cast<int>(c.code));
    assert_str(r.user_text, c.text);
    // A refusal's own words reach the user only through a table row that carries a reply's text.
    if (!c.text.empty()) assert_true(error_info(r.code).user_text);
  }
  assert_int_equal(static_cast<int>(bind_refusal(LDAP_INVALID_CREDENTIALS, PP_noError).code),
                   static_cast<int>(ErrorCode::BadCode));
  assert_int_equal(static_cast<int>(bind_refusal(LDAP_INVALID_CREDENTIALS, PP_accountLocked).code),
                   static_cast<int>(ErrorCode::AccountLocked));
  assert_int_equal(static_cast<int>(bind_refusal(LDAP_INVALID_CREDENTIALS, PP_passwordExpired).code),
                   static_cast<int>(ErrorCode::PasswordExpired));
  assert_int_equal(static_cast<int>(bind_refusal(LDAP_SERVER_DOWN, PP_noError).code),
                   static_cast<int>(ErrorCode::BackendUnavailable));
  assert_int_equal(static_cast<int>(bind_refusal(LDAP_OPERATIONS_ERROR, PP_noError).code),
                   static_cast<int>(ErrorCode::Internal));
  assert_int_equal(static_cast<int>(operation_failure(LDAP_NO_SUCH_OBJECT)), static_cast<int>(ErrorCode::NoSuchUser));
  assert_int_equal(static_cast<int>(operation_failure(LDAP_BUSY)), static_cast<int>(ErrorCode::BackendUnavailable));
  assert_int_equal(static_cast<int>(operation_failure(LDAP_INSUFFICIENT_ACCESS)),
                   static_cast<int>(ErrorCode::Internal));
}

namespace {

struct Dir {
  std::string path;
  Dir() {
    char tmpl[] = "/tmp/sspr-ldap-pure-XXXXXX";
    assert_non_null(::mkdtemp(tmpl));
    path = tmpl;
  }
  ~Dir() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
};

std::string read_problem(const std::string& path) {
  std::string problem;
  const auto secret = read_bind_password(path, problem);
  if (secret) return "ok:" + std::string(secret->reveal());
  return problem;
}

}  // namespace

static void test_bind_password_file(void**) {
  Dir dir;
  const std::string file = dir.path + "/pw";
  const std::string bad_mode =
      "bind_password_file " + file + ": must be owned by root and have no group or other permissions (chmod 0600)";

  sspr::test::write_file(file, "s3cret\n", 0600);
  assert_str(read_problem(file), "ok:s3cret");
  sspr::test::write_file(file, "s3cret\r\n", 0400);
  assert_str(read_problem(file), "ok:s3cret");
  sspr::test::write_file(file, "two\nlines\n", 0600);
  assert_str(read_problem(file), "ok:two\nlines");

  for (mode_t mode : {0640, 0604, 0620, 0602, 0610, 0601, 0644}) {
    sspr::test::write_file(file, "s3cret\n", mode);
    assert_str(read_problem(file), bad_mode);
  }
  if (::geteuid() == 0) {
    sspr::test::write_file(file, "s3cret\n", 0600);
    assert_int_equal(::chown(file.c_str(), 65534, 65534), 0);
    assert_str(read_problem(file), bad_mode);
  }

  sspr::test::write_file(file, "\n", 0600);
  assert_str(read_problem(file), "bind_password_file " + file + ": is empty or contains a NUL byte");
  sspr::test::write_file(file, std::string("a\0b", 3), 0600);
  assert_str(read_problem(file), "bind_password_file " + file + ": is empty or contains a NUL byte");
  sspr::test::write_file(file, std::string(sspr::kMaxCredentialBytes + 1, 'x'), 0600);
  assert_str(read_problem(file), "bind_password_file " + file + ": is too large for a password");
  sspr::test::write_file(file, std::string(sspr::kMaxCredentialBytes, 'x'), 0600);
  assert_int_equal(read_problem(file).size(), 3 + sspr::kMaxCredentialBytes);

  const std::string link = dir.path + "/link";
  sspr::test::write_file(file, "s3cret\n", 0600);
  assert_int_equal(::symlink(file.c_str(), link.c_str()), 0);
  assert_str(read_problem(link),
             "bind_password_file " + link + ": cannot be opened: Too many levels of symbolic links");
  assert_str(read_problem(dir.path), "bind_password_file " + dir.path + ": is not a regular file");
  assert_str(read_problem(dir.path + "/missing"),
             "bind_password_file " + dir.path + "/missing: cannot be opened: No such file or directory");
}

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_filter_and_dn_escaping),
      cmocka_unit_test(test_settings_check),
      cmocka_unit_test(test_password_refusals),
      cmocka_unit_test(test_bind_password_file),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
