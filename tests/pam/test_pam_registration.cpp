// The registration wizard in the login conversation (pam_sspr account phase, libpamtest +
// pam_wrapper, real ssprd): completing it, skipping within grace with the countdown, grace
// exhausted, reconfirmation, and logins that cannot converse. The TOTP code is computed by
// oathtool from the key the wizard shows, as a user's phone would.
#include "bus_names.hpp"
#include "cmocka.hpp"
#include "pam_script.hpp"
#include "process.hpp"
#include "testbed.hpp"

#include <cstdio>
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

int run_account(const char* service, const char* user, Script& script) {
  return run_scripted(PAMTEST_ACCOUNT, service, user, script);
}

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

int group_setup(void**) {
  std::string error;
  static std::unique_ptr<TestBed> holder = TestBed::create(error);
  if (!holder) return std::fprintf(stderr, "test bed: %s\n", error.c_str()), -1;
  bed = holder.get();
  bed->write_pam_service("login", kStack);
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
  assert_str(again.transcript, "");
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
  assert_str(after.transcript, "");
}

static void test_recovery_codes_through_the_wizard(void**) {
  Script script;
  script.steps = {say("Your choice: ", "3"), say("Type 'yes' once you have stored them somewhere safe: ", "yes")};
  assert_int_equal(run_account("login", "ivan", script), PAM_SUCCESS);
  expect_contains(script.transcript, "Your recovery codes (each works once; they are shown only now):\n  ");
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
  assert_int_equal(run_account("login", "hank", denied), PAM_PERM_DENIED);
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
      cmocka_unit_test(test_every_decision_is_audited),
      cmocka_unit_test(test_non_interactive_logins_follow_policy),
  };
  return cmocka_run_group_tests(tests, group_setup, nullptr);
}
