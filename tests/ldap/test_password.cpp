// Password reset (service account) and change (as the user) with RFC 3062 Password Modify
// against a real slapd with ppolicy: the new password binds and the old one does not, and
// every policy refusal gives its exact error and user text.
#include "ldap_test_support.hpp"

#include <sys/stat.h>

using namespace sspr;
using namespace sspr::ldap;
using namespace ldap_test;

namespace {

constexpr std::string_view kTooShort = "The directory refused the new password: it is too short.";
constexpr std::string_view kInHistory =
    "The directory refused the new password: it was used before. Choose one you have not used recently.";

}  // namespace

static void test_reset_sets_the_password(void**) {
  SlapdInstance slapd;
  Diagnostic diag;
  expect_ok(reset_password(settings_for(slapd), "lena", Secret("Fresh-Pass-11"), diag), diag);
  assert_str(diag.user_text, "");
  assert_true(binds(slapd, "lena", "Fresh-Pass-11"));
  assert_false(binds(slapd, "lena", password_of("lena")));
  // The other users are untouched.
  assert_true(binds(slapd, "mark", password_of("mark")));

  // The same with the DN built from a template instead of a search.
  LdapSettings by_template = settings_for(slapd);
  by_template.dn_template = "uid=%u,ou=people,dc=example,dc=org";
  expect_ok(reset_password(by_template, "mark", Secret("Fresh-Pass-22"), diag), diag);
  assert_true(binds(slapd, "mark", "Fresh-Pass-22"));
  assert_false(binds(slapd, "mark", password_of("mark")));
}

static void test_reset_of_an_unknown_user(void**) {
  SlapdInstance slapd;
  Diagnostic diag;
  expect_code(reset_password(settings_for(slapd), "nobody", Secret("Fresh-Pass-11"), diag), ErrorCode::NoSuchUser,
              diag);
  LdapSettings by_template = settings_for(slapd);
  by_template.dn_template = "uid=%u,ou=people,dc=example,dc=org";
  expect_code(reset_password(by_template, "nobody", Secret("Fresh-Pass-11"), diag), ErrorCode::NoSuchUser, diag);
}

static void test_change_sets_the_password(void**) {
  SlapdInstance slapd;
  Diagnostic diag;
  expect_ok(change_password(settings_for(slapd), "lena", Secret(password_of("lena")), Secret("Changed-Pass-1"), diag),
            diag);
  assert_true(binds(slapd, "lena", "Changed-Pass-1"));
  assert_false(binds(slapd, "lena", password_of("lena")));

  // With a DN template the change needs no service account at all: a broken password file
  // does not matter.
  LdapSettings by_template = settings_for(slapd);
  by_template.dn_template = "uid=%u,ou=people,dc=example,dc=org";
  assert_int_equal(::chmod(slapd.service_password_file().c_str(), 0644), 0);
  expect_ok(change_password(by_template, "mark", Secret(password_of("mark")), Secret("Changed-Pass-2"), diag), diag);
  assert_true(binds(slapd, "mark", "Changed-Pass-2"));
}

static void test_change_needs_the_right_old_password(void**) {
  SlapdInstance slapd;
  const auto settings = settings_for(slapd);
  Diagnostic diag;
  expect_code(change_password(settings, "lena", Secret("not-her-password"), Secret("Changed-Pass-1"), diag),
              ErrorCode::BadCode, diag);
  assert_str(diag.user_text, "");
  // An empty password would be an anonymous bind, which servers accept: never sent.
  expect_code(change_password(settings, "lena", Secret(""), Secret("Changed-Pass-1"), diag), ErrorCode::BadCode, diag);
  // An unknown user gets the same answer as a wrong password.
  expect_code(change_password(settings, "nobody", Secret("whatever-1"), Secret("Changed-Pass-1"), diag),
              ErrorCode::BadCode, diag);
  LdapSettings by_template = settings;
  by_template.dn_template = "uid=%u,ou=people,dc=example,dc=org";
  expect_code(change_password(by_template, "nobody", Secret("whatever-1"), Secret("Changed-Pass-1"), diag),
              ErrorCode::BadCode, diag);
  assert_true(binds(slapd, "lena", password_of("lena")));
}

static void test_too_short(void**) {
  SlapdInstance slapd;
  const auto settings = settings_for(slapd);
  Diagnostic diag;
  expect_code(reset_password(settings, "lena", Secret("Short-7"), diag), ErrorCode::LowPasswordQuality, diag);
  assert_str(diag.user_text, kTooShort);
  expect_contains(diag.log_text, "password policy: Password is too short for policy");
  expect_code(change_password(settings, "mark", Secret(password_of("mark")), Secret("Short-7"), diag),
              ErrorCode::LowPasswordQuality, diag);
  assert_str(diag.user_text, kTooShort);
  // Nothing changed; the empty password is refused before the server sees it (RFC 3062
  // would have the server generate one).
  expect_code(reset_password(settings, "lena", Secret(""), diag), ErrorCode::LowPasswordQuality, diag);
  assert_str(diag.user_text, "The new password is empty.");
  assert_true(binds(slapd, "lena", password_of("lena")));
  assert_true(binds(slapd, "mark", password_of("mark")));
}

static void test_in_history(void**) {
  SlapdInstance slapd;
  const auto settings = settings_for(slapd);
  Diagnostic diag;
  expect_ok(reset_password(settings, "lena", Secret("History-Pass-1"), diag), diag);
  // The current password, and the one before it, are in the policy's history (3).
  expect_code(reset_password(settings, "lena", Secret("History-Pass-1"), diag), ErrorCode::PasswordReused, diag);
  assert_str(diag.user_text, kInHistory);
  expect_code(change_password(settings, "lena", Secret("History-Pass-1"), Secret(password_of("lena")), diag),
              ErrorCode::PasswordReused, diag);
  assert_str(diag.user_text, kInHistory);
  assert_true(binds(slapd, "lena", "History-Pass-1"));
}

static void test_too_young(void**) {
  SlapdInstance slapd(sspr::test::SlapdOptions{.pwd_min_age_seconds = 3600});
  const auto settings = settings_for(slapd);
  Diagnostic diag;
  // The seeded password has no change time: the first change is allowed.
  expect_ok(change_password(settings, "lena", Secret(password_of("lena")), Secret("Young-Pass-1"), diag), diag);
  expect_code(change_password(settings, "lena", Secret("Young-Pass-1"), Secret("Young-Pass-2"), diag),
              ErrorCode::PasswordTooYoung, diag);
  assert_str(diag.user_text, "");
  expect_contains(diag.log_text, "Password is too young to change");
  // The service account is no password administrator: the minimum age holds for it too.
  expect_code(reset_password(settings, "lena", Secret("Young-Pass-3"), diag), ErrorCode::PasswordTooYoung, diag);
  assert_true(binds(slapd, "lena", "Young-Pass-1"));
}

static void test_locked_account(void**) {
  SlapdInstance slapd;
  const auto settings = settings_for(slapd);
  Diagnostic diag;
  for (int i = 0; i < 3; ++i)  // pwdMaxFailure 3
    expect_code(change_password(settings, "nora", Secret("wrong-guess-1"), Secret("Locked-Pass-1"), diag),
                ErrorCode::BadCode, diag);
  expect_code(change_password(settings, "nora", Secret(password_of("nora")), Secret("Locked-Pass-1"), diag),
              ErrorCode::AccountLocked, diag);
  assert_str(diag.user_text, "");
  expect_contains(diag.log_text, "password policy: Account locked");
  assert_false(binds(slapd, "nora", password_of("nora")));
  // A reset sets a new password and ends the lockout (ppolicy clears pwdAccountLockedTime).
  expect_ok(reset_password(settings, "nora", Secret("Unlocked-Pass-1"), diag), diag);
  assert_true(binds(slapd, "nora", "Unlocked-Pass-1"));
  assert_true(slapd.dump(dn_of("nora")).find("pwdAccountLockedTime") == std::string::npos);
}

static void test_expired_password(void**) {
  SlapdInstance slapd(sspr::test::SlapdOptions{.pwd_max_age_seconds = 86400});
  const auto settings = settings_for(slapd);
  Diagnostic diag;
  // olga's password was last changed in 2000; no grace logins.
  expect_code(change_password(settings, "olga", Secret(password_of("olga")), Secret("Renewed-Pass-1"), diag),
              ErrorCode::PasswordExpired, diag);
  assert_str(diag.user_text, "");
  expect_ok(reset_password(settings, "olga", Secret("Renewed-Pass-1"), diag), diag);
  assert_true(binds(slapd, "olga", "Renewed-Pass-1"));
}

static void test_change_after_an_administrators_reset(void**) {
  SlapdInstance slapd;
  const std::string admin(SlapdInstance::kAdminDn), admin_password(SlapdInstance::kAdminPassword);
  // As if a password administrator had reset it with pwdMustChange: the user's bind
  // succeeds with "change after reset", and changing is exactly what is allowed.
  assert_int_equal(slapd.replace_as(admin, admin_password, dn_of("mark"), "pwdReset", "TRUE"), LDAP_SUCCESS);
  Diagnostic diag;
  expect_ok(change_password(settings_for(slapd), "mark", Secret(password_of("mark")), Secret("After-Reset-1"), diag),
            diag);
  assert_true(binds(slapd, "mark", "After-Reset-1"));
  assert_true(slapd.dump(dn_of("mark")).find("pwdReset") == std::string::npos);
}

static void test_reset_sets_no_must_change_flag(void**) {
  SlapdInstance slapd;
  Diagnostic diag;
  // The policy has pwdMustChange TRUE, but the service account only has write access (not
  // manage): ppolicy does not count it as a password administrator, so the password the
  // user just chose is not flagged for another change.
  expect_ok(reset_password(settings_for(slapd), "lena", Secret("Chosen-Pass-1"), diag), diag);
  const std::string entry = slapd.dump(dn_of("lena"));
  assert_true(entry.find("pwdReset") == std::string::npos);
  expect_contains(entry, "pwdChangedTime: ");
}

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_reset_sets_the_password),
      cmocka_unit_test(test_reset_of_an_unknown_user),
      cmocka_unit_test(test_change_sets_the_password),
      cmocka_unit_test(test_change_needs_the_right_old_password),
      cmocka_unit_test(test_too_short),
      cmocka_unit_test(test_in_history),
      cmocka_unit_test(test_too_young),
      cmocka_unit_test(test_locked_account),
      cmocka_unit_test(test_expired_password),
      cmocka_unit_test(test_change_after_an_administrators_reset),
      cmocka_unit_test(test_reset_sets_no_must_change_flag),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
