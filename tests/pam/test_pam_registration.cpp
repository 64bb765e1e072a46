// The registration wizard in the login conversation (pam_sspr account phase, libpamtest +
// pam_wrapper, real ssprd): completing it, skipping within grace with the countdown, grace
// exhausted, reconfirmation, and logins that cannot converse. The TOTP code is computed by
// oathtool from the key the wizard shows, as a user's phone would. Password logins (pam_matrix
// in the auth phase) have proved the user; a login by key (the account phase alone, as sshd
// runs it) gives the password before the first change.
#include "bus_names.hpp"
#include "cmocka.hpp"
#include "pam_script.hpp"
#include "process.hpp"
#include "testbed.hpp"

#include <cstdio>
#include <crypt.h>
#include <cstring>
#include <ctime>
#include <security/pam_appl.h>
#include <unistd.h>
extern "C" {
#include <libpamtest.h>
}

using namespace sspr;
using namespace sspr::test;

namespace {

TestBed* bed = nullptr;
constexpr std::int64_t kDay = 86400;

std::string oathtool_code(const std::string& transcript) {
  const std::string marker = "Or enter this key by hand: ";
  const auto at = transcript.rfind(marker);
  if (at == std::string::npos) return "no-key-shown";
  const auto key = transcript.substr(at + marker.size(), transcript.find('\n', at) - at - marker.size());
  return capture_output({SSPR_OATHTOOL, "--totp", "-b", "--now=@" + std::to_string(std::time(nullptr)), key});
}

// A password login (the password is "pw-USER", in pam_matrix's passdb).
int run_account(const char* service, const char* user, Script& script) {
  if (std::strcmp(service, "login") != 0) return run_scripted(PAMTEST_ACCOUNT, service, user, script);
  script.steps.insert(script.steps.begin(), say("Password: ", std::string("pw-") + user));
  return run_login_scripted(service, user, script);
}

// A login by SSH key: sshd runs the account phase alone.
int run_key_login(const char* user, Script& script) { return run_scripted(PAMTEST_ACCOUNT, "sshd-key", user, script); }

std::string date_in_days(std::int64_t days) {
  const std::time_t t = std::time(nullptr) + days * kDay;
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

std::string record(const std::string& user, std::int64_t confirmed, std::int64_t first_prompted, int skips,
                   bool with_method) {
  const auto c = std::to_string(confirmed);
  std::string methods = with_method ? R"({"recovery_codes":{"added":)" + c + R"(,"usable_from":)" + c + R"(,"digests":["00"]}})" : "{}";
  return R"({"version":2,"user":")" + user + R"(","first_registered":)" + (with_method ? c : "0") +
         R"(,"last_confirmed":)" + (with_method ? c : "0") + R"(,"first_prompted":)" + std::to_string(first_prompted) +
         R"(,"skips_used":)" + std::to_string(skips) + R"(,"methods":)" + methods + "}";
}

const char* kStack = "account [success=ok ignore=ignore default=bad] @MODULE@ config=@CONFIG@\naccount required @PERMIT@\n";
constexpr const char* kLoadPassword = "Load-Password-1";

int group_setup(void**) {
  std::string error;
  // ssprd checks the key users' passwords in this shadow file (yescrypt, as passwd writes it).
  const char* setting = crypt_gensalt("$y$", 0, nullptr, 0);
  const char* hashed = setting ? crypt(kLoadPassword, setting) : nullptr;
  if (hashed == nullptr || hashed[0] != '$') return std::fprintf(stderr, "cannot hash a password\n"), -1;
  std::string shadow = "root:*:19000:0:99999:7:::\n";
  for (const char* user : {"load01", "load02", "load03"}) shadow += std::string(user) + ":" + hashed + ":19000:0:99999:7:::\n";
  if (!(bed = TestBed::shared(shadow))) return -1;
  std::string passdb;
  for (const char* user : {"alice", "bob", "erin", "frank", "gina", "hank", "ivan"})
    passdb += std::string(user) + ":pw-" + user + ":login\n";
  passdb += std::string("load03:") + kLoadPassword + ":login-other\n";
  write_file(bed->dir() + "/passdb", passdb, 0600);
  bed->write_config(std::string(kStandardConfig) + "[reset]\nshadow_directory = " + bed->dir() + "/etc\n");
  // A password login: the password checked, and pam_unix's record of it (as the real one leaves).
  bed->write_pam_service("login", "auth required " SSPR_PAM_MATRIX " passdb=" + bed->dir() +
                                      "/passdb\nauth required " SSPR_PAM_UNIX_OUTCOME "\n" + kStack);
  // A password checked by a module pam_sspr does not know (pam_sss, say): proves nothing to it.
  bed->write_pam_service("login-other", "auth required " SSPR_PAM_MATRIX " passdb=" + bed->dir() + "/passdb\n" + kStack);
  bed->write_pam_service("sshd-key", kStack);
  bed->write_pam_service("other", "account required @PERMIT@\n");
  write_file(bed->dir() + "/allow.conf", "[enforcement]\nwhen_non_interactive = allow\n", 0644);
  bed->write_pam_service("login-allow", "account [success=ok ignore=ignore default=bad] @MODULE@ config=" + bed->dir() +
                                            "/allow.conf\naccount required @PERMIT@\n");
  if (!bed->start_ssprd(error)) return std::fprintf(stderr, "ssprd: %s\n", error.c_str()), -1;
  return 0;
}

// E-mail and SMS are not offered: this configuration has no mail sender and no SMS gateway.
const std::string kMenuHead = "Register a method (0 of 1 registered):\n  1) Authenticator app\n"
                              "  2) Security questions\n  3) Recovery codes\n";

}  // namespace

static void test_wizard_registers_an_authenticator_app(void**) {
  Script script;
  script.steps = {say("Your choice: ", "1"), {"Code shown by the app: ", oathtool_code}};
  assert_int_equal(run_account("login", "bob", script), PAM_SUCCESS);
  expect_contains(script.transcript,
                  "Your account needs security info for self-service password reset, so that you can reset a "
                  "forgotten password yourself.\nYou can skip this 3 more times, until " + date_in_days(14) + ".\n" +
                      kMenuHead + "  s) Skip for now\n  q) Quit\n");
  expect_contains(script.transcript, "Scan this QR code with your authenticator app:\n");
  expect_contains(script.transcript, "Authenticator app registered.\nYour security info is registered. Thank you.\n");
  // The next login goes straight through.
  Script again;
  assert_int_equal(run_account("login", "bob", again), PAM_SUCCESS);
  assert_str(again.transcript, "Password: pw-bob\n");
}

static void test_a_wrong_code_can_be_retried(void**) {
  Script script;
  script.steps = {say("Your choice: ", "1"), say("Code shown by the app: ", "000000x"),
                  {"Code shown by the app: ", oathtool_code}};
  assert_int_equal(run_account("login", "gina", script), PAM_SUCCESS);
  expect_contains(script.transcript, "ERROR: The code is not correct.\nCode shown by the app: ");
}

static void test_skip_within_grace_shows_the_countdown(void**) {
  Script script;
  script.steps = {say("Your choice: ", "s")};
  assert_int_equal(run_account("login", "frank", script), PAM_SUCCESS);
  expect_contains(script.transcript, "Skipped. You can skip this 2 more times, until " + date_in_days(14) + ".\n");
  Script second;
  second.steps = {say("Your choice: ", "s")};
  assert_int_equal(run_account("login", "frank", second), PAM_SUCCESS);
  expect_contains(second.transcript, "You can skip this 2 more times, until " + date_in_days(14) + ".\n");
  expect_contains(second.transcript, "Skipped. You can skip this 1 more time, until " + date_in_days(14) + ".\n");
}

static void test_grace_exhausted_refuses_with_the_message(void**) {
  const auto now = static_cast<std::int64_t>(std::time(nullptr));
  bed->write_record("erin", record("erin", 0, now - kDay, 3, false));  // all skips used
  Script script;
  script.steps = {say("Your choice: ", "s"), say("Your choice: ", "q")};
  assert_int_equal(run_account("login", "erin", script), PAM_PERM_DENIED);
  expect_contains(script.transcript, kMenuHead + "  q) Quit\n");  // no skip offered
  expect_contains(script.transcript, "ERROR: Please choose one of the listed options.\n");
  expect_contains(script.transcript,
                  "ERROR: Your account must have password-reset security info registered before you can log in. Log "
                  "in again to register it.\n");
  // The deadline passing ends grace too.
  bed->write_record("hank", record("hank", 0, now - 15 * kDay, 0, false));
  Script late;
  late.steps = {say("Your choice: ", "q")};
  assert_int_equal(run_account("login", "hank", late), PAM_PERM_DENIED);
  assert_true(late.transcript.find("Skip for now") == std::string::npos);
}

static void test_reconfirmation_is_asked_when_due(void**) {
  const auto now = static_cast<std::int64_t>(std::time(nullptr));
  bed->write_record("alice", record("alice", now - 181 * kDay, 0, 0, true));
  Script script;
  script.steps = {say("Is this still correct? [yes/no/skip]: ", "yes")};
  assert_int_equal(run_account("login", "alice", script), PAM_SUCCESS);
  expect_contains(script.transcript, "Please check your password-reset security info:\n  - Recovery codes\n");
  expect_contains(script.transcript, "Thank you, your security info is confirmed.\n");
  Script after;  // confirmed: not asked again
  assert_int_equal(run_account("login", "alice", after), PAM_SUCCESS);
  assert_str(after.transcript, "Password: pw-alice\n");
}

static void test_recovery_codes_through_the_wizard(void**) {
  Script script;
  script.steps = {say("Your choice: ", "3"), say("Type 'yes' once you have stored them somewhere safe: ", "yes")};
  assert_int_equal(run_account("login", "ivan", script), PAM_SUCCESS);
  expect_contains(script.transcript, "Your recovery codes (each works once; they are shown only now):\n  ");
  expect_contains(script.transcript, "Recovery codes registered.\nYour security info is registered. Thank you.\n");
}

// The attack (issue 11, 1): whoever holds a user's SSH key logs in and registers an app of
// their own, to reset the password with it (and use the password for sudo). The wizard asks
// for the password before the first change; three wrong ones lead back to the menu, nothing
// registered. The user, with the password, registers.
static void test_a_key_login_gives_the_password_before_registering(void**) {
  Script attack;
  attack.steps = {say("Your choice: ", "3"), say("Current password: ", "guess-1"), say("Current password: ", "guess-2"),
                  say("Current password: ", "guess-3"), say("Your choice: ", "q")};
  assert_int_equal(run_key_login("load01", attack), PAM_PERM_DENIED);
  expect_contains(attack.transcript, "Your choice: 3\nTo change your security info, first confirm it is you.\n"
                                     "Current password: guess-1\nERROR: The password is not correct.\n");
  assert_true(attack.transcript.find("Your recovery codes") == std::string::npos);
  // Nothing registered (read_file gives "" for a file that is not there).
  assert_true(read_file(bed->state_dir() + "/registrations/load01.json").find("recovery_codes") == std::string::npos);

  Script user;
  user.steps = {say("Your choice: ", "3"), say("Current password: ", kLoadPassword),
                say("Type 'yes' once you have stored them somewhere safe: ", "yes")};
  assert_int_equal(run_key_login("load01", user), PAM_SUCCESS);
  expect_contains(user.transcript, "Recovery codes registered.\nYour security info is registered. Thank you.\n");
}

// The wizard's reconfirm path: "no" leads to the menu, and a change by a key login needs the
// password there too (it replaced methods without any proof before).
static void test_a_key_login_reconfirming_no_gives_the_password(void**) {
  const auto now = static_cast<std::int64_t>(std::time(nullptr));
  bed->write_record("load02", record("load02", now - 181 * kDay, 0, 0, true));
  Script script;
  script.steps = {say("Is this still correct? [yes/no/skip]: ", "no"), say("Your choice: ", "3"),
                  say("Current password: ", "not it"), say("Current password: ", kLoadPassword),
                  say("Type 'yes' once you have stored them somewhere safe: ", "yes")};
  assert_int_equal(run_key_login("load02", script), PAM_SUCCESS);
  expect_contains(script.transcript, "Current password: not it\nERROR: The password is not correct.\n"
                                     "Current password: " + std::string(kLoadPassword) + "\nYour recovery codes");
  assert_true(read_file(bed->state_dir() + "/registrations/load02.json").find(R"("digests":["00"])") == std::string::npos);
  // Confirming ("yes") is no change: a key login needs no password for it.
  bed->write_record("load02", record("load02", now - 181 * kDay, 0, 0, true));
  Script confirm;
  confirm.steps = {say("Is this still correct? [yes/no/skip]: ", "yes")};
  assert_int_equal(run_key_login("load02", confirm), PAM_SUCCESS);
  assert_true(confirm.transcript.find("Current password") == std::string::npos);
}

// A password checked by a module pam_sspr cannot read (pam_sss, pam_ldap) proves nothing to it:
// asked again, once, before the first change.
static void test_a_password_checked_elsewhere_is_asked_again(void**) {
  Script script;
  script.steps = {say("Password: ", kLoadPassword), say("Your choice: ", "3"), say("Current password: ", kLoadPassword),
                  say("Type 'yes' once you have stored them somewhere safe: ", "yes")};
  assert_int_equal(run_login_scripted("login-other", "load03", script), PAM_SUCCESS);
  expect_contains(script.transcript, "Recovery codes registered.\nYour security info is registered. Thank you.\n");
}

static void test_every_decision_is_audited(void**) {
  const auto audit = read_file(bed->audit_log());
  expect_contains(audit, R"("event":"registration_skipped","skips_left":"2","time":)");
  expect_contains(audit, R"("event":"registration_skipped","skips_left":"1","time":)");
  expect_contains(audit, R"("event":"reconfirmed","time":)");
  expect_contains(audit, R"("event":"method_registered","method":"totp","time":)");
  expect_contains(audit, R"("event":"registration_complete","methods":"1","time":)");
  expect_contains(audit, R"("event":"enrollment_failed","method":"totp","reason":"wrong code","time":)");
}

static void test_non_interactive_logins_follow_policy(void**) {
  bed->write_record("hank", record("hank", 0, 0, 0, false));
  Script denied;
  denied.interactive = false;
  assert_int_equal(run_key_login("hank", denied), PAM_PERM_DENIED);  // ssh with a command, by key
  expect_contains(denied.transcript,
                  "ERROR: Your account must register password-reset security info, which needs an interactive "
                  "login. Log in at the console or with an interactive session (for example ssh without a command) "
                  "to register.\n");
  Script allowed;
  allowed.interactive = false;
  assert_int_equal(run_account("login-allow", "hank", allowed), PAM_SUCCESS);
}

int main() {
  if (geteuid() != 0) {
    std::fprintf(stderr, "SKIP: the shipped bus policy lets only root own io.sspr.reset1; run as root\n");
    return 77;
  }
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_wizard_registers_an_authenticator_app),
      cmocka_unit_test(test_a_wrong_code_can_be_retried),
      cmocka_unit_test(test_skip_within_grace_shows_the_countdown),
      cmocka_unit_test(test_grace_exhausted_refuses_with_the_message),
      cmocka_unit_test(test_reconfirmation_is_asked_when_due),
      cmocka_unit_test(test_recovery_codes_through_the_wizard),
      cmocka_unit_test(test_a_key_login_gives_the_password_before_registering),
      cmocka_unit_test(test_a_key_login_reconfirming_no_gives_the_password),
      cmocka_unit_test(test_a_password_checked_elsewhere_is_asked_again),
      cmocka_unit_test(test_every_decision_is_audited),
      cmocka_unit_test(test_non_interactive_logins_follow_policy),
  };
  return cmocka_run_group_tests(tests, group_setup, nullptr);
}
