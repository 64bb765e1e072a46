// A reset at the login prompt (pam_sspr auth after a wrong password; libpamtest +
// pam_wrapper, pam_matrix as the password module, the real ssprd writing a shadow file in the
// test directory): the offer, the whole conversation with a recovery code, exact texts and
// codes; the login itself never succeeds through pam_sspr; ssprd down fails closed.
#include "cmocka.hpp"
#include "manager_calls.hpp"
#include "pam_script.hpp"
#include "process.hpp"
#include "testbed.hpp"

#include <cstdio>
#include <ctime>
#include <security/pam_appl.h>
#include <sys/stat.h>
#include <unistd.h>
extern "C" {
#include <libpamtest.h>
}

using namespace sspr;
using namespace sspr::test;

namespace {

TestBed* bed = nullptr;
std::vector<std::string> codes;
const std::string kOffer = "Forgot your password? Type \"reset\" to reset it now, or press Enter: ";
const std::string kShadow = "alice:$y$j9T$old$hash:19000:0:99999:7:::\nfrank:$y$j9T$old$hash:19000:0:99999:7:::\n";
std::vector<std::string> frank_codes;
std::string frank_secret;

std::string totp_now(long offset) {
  return capture_output({SSPR_OATHTOOL, "--totp", "-b", "--now=@" + std::to_string(std::time(nullptr) + offset),
                         frank_secret});
}

int group_setup(void**) {
  std::string error;
  static std::unique_ptr<TestBed> holder = TestBed::create(error);
  if (!holder) return std::fprintf(stderr, "test bed: %s\n", error.c_str()), -1;
  bed = holder.get();
  mkdir((bed->dir() + "/etc").c_str(), 0755);
  write_file(bed->dir() + "/etc/shadow", kShadow, 0640);
  write_file(bed->dir() + "/passdb", "alice:right-password:login\n", 0600);
  // No cooling-off, so frank's second method counts at once.
  bed->write_config(std::string(kStandardConfig) + "cooling_off_hours = 0\n[reset]\nshadow_directory = " + bed->dir() +
                    "/etc\n");
  // The password module first; pam_sspr only when it failed; pam_deny ends a failed login.
  bed->write_pam_service("login", "auth [success=done default=ignore] " SSPR_PAM_MATRIX " passdb=" + bed->dir() +
                                      "/passdb\nauth optional @MODULE@ config=@CONFIG@\nauth requisite " +
                                      std::string(SSPR_PAM_DENY) + "\npassword [success=done ignore=ignore default=die] "
                                      "@MODULE@ config=@CONFIG@\npassword required " + std::string(SSPR_PAM_DENY) + "\n");
  bed->write_pam_service("other", "auth required " + std::string(SSPR_PAM_DENY) + "\n");
  // pam_sspr's own return code decides: a refusal and a failure of ssprd must differ.
  bed->write_pam_service("reset-only", "auth [success=done default=ignore] " SSPR_PAM_MATRIX " passdb=" + bed->dir() +
                                           "/passdb\nauth required @MODULE@ config=@CONFIG@\n");
  if (!bed->start_ssprd(error)) return std::fprintf(stderr, "ssprd: %s\n", error.c_str()), -1;
  codes = regenerate_recovery_codes("alice");
  if (codes.size() != 10) return -1;
  // frank is in the group "sudo" (an admin group): he registers two methods.
  frank_codes = regenerate_recovery_codes("frank");
  frank_secret = begin_totp("frank");
  if (frank_codes.size() != 10 || frank_secret.empty()) return -1;
  if (call_manager("ConfirmTotp", {"frank", totp_now(0)}) != "ok") return -1;
  return 0;
}

int ensure_ssprd(void**) {
  if (bed->ssprd_running()) return 0;
  std::string error;
  return bed->start_ssprd(error) ? 0 : -1;
}

int login(Script& script) { return run_scripted(PAMTEST_AUTHENTICATE, "login", "alice", script); }

}  // namespace

static void test_the_right_password_logs_in_without_an_offer(void**) {
  Script script;
  script.steps = {say("Password: ", "right-password")};
  assert_int_equal(login(script), PAM_SUCCESS);
  assert_str(script.transcript, "Password: right-password\n");
}

static void test_a_wrong_password_gets_the_offer_and_enter_declines(void**) {
  Script script;
  script.steps = {say("Password: ", "wrong"), say(kOffer, "")};
  assert_int_equal(login(script), PAM_AUTH_ERR);
  assert_str(read_file(bed->dir() + "/etc/shadow"), kShadow);
}

static void test_reset_at_the_login_prompt(void**) {
  Script script;
  script.steps = {say("Password: ", "wrong"),
                  say(kOffer, "reset"),
                  say("Your choice: ", "1"),
                  say("Recovery code: ", "AAAAA-AAAAA"),
                  say("Your choice: ", "1"),
                  say("Recovery code: ", codes.at(0)),
                  say("New password: ", "short"),
                  say("Retype the new password: ", "short"),
                  say("New password: ", "Brand-New-Pass-4711"),
                  say("Retype the new password: ", "Brand-New-Pass-4711"),
                  say("Press Enter to continue: ", "")};
  // The login still fails: the next one uses the new password (through the password module).
  assert_int_equal(login(script), PAM_AUTH_ERR);
  expect_contains(script.transcript, "Resetting the password of alice. Prove 1 registered method.\n  1) Recovery codes\n");
  expect_contains(script.transcript, "ERROR: The code is not correct.\n");
  expect_contains(script.transcript, "ERROR: The password is shorter than 8 characters.\n");
  expect_contains(script.transcript, "Your password has been changed.\nLog in again with your new password.\n");
  const auto shadow = read_file(bed->dir() + "/etc/shadow");
  assert_true(shadow.rfind("alice:$", 0) == 0);
  assert_true(shadow != kShadow);
}

static void test_members_of_admin_groups_prove_two_methods(void**) {
  // The start says one method, as for everyone (who is an admin is nobody's business at the
  // login prompt); the second is asked after the first, among the methods left, as Entra does.
  Script script;
  script.steps = {say("Password: ", "wrong"),
                  say(kOffer, "reset"),
                  say("Your choice: ", "2"),
                  say("Recovery code: ", frank_codes.at(0)),
                  say("Your choice: ", "2"),  // only the app is left
                  say("Your choice: ", "1"),
                  // The registration spent the current step: the app's next code.
                  {"Code shown by the app: ", [](const std::string&) { return totp_now(30); }},
                  say("New password: ", "Admin-Reset-Pass-77"),
                  say("Retype the new password: ", "Admin-Reset-Pass-77"),
                  say("Press Enter to continue: ", "")};
  assert_int_equal(run_scripted(PAMTEST_AUTHENTICATE, "login", "frank", script), PAM_AUTH_ERR);
  expect_contains(script.transcript,
                  "Resetting the password of frank. Prove 1 registered method.\n"
                  "  1) Authenticator app\n  2) Recovery codes\nYour choice: 2\nRecovery code: " + frank_codes.at(0) +
                      "\nConfirmed. Prove one more registered method, a different one.\n  1) Authenticator app\n"
                      "Your choice: 2\nERROR: Please choose one of the listed options.\n");
  expect_contains(script.transcript, "Your password has been changed.\n");
  expect_contains(read_file(bed->dir() + "/etc/shadow"), "alice:");
  assert_true(read_file(bed->dir() + "/etc/shadow").find("frank:$y$j9T$old$hash") == std::string::npos);
}

static void test_change_in_the_password_phase(void**) {
  Script wrong;
  wrong.steps = {say("Current password: ", "not-it"), say("New password: ", "Changed-Again-Pass-8"),
                 say("Retype the new password: ", "Changed-Again-Pass-8")};
  assert_int_equal(run_scripted(PAMTEST_CHAUTHTOK, "login", "alice", wrong), PAM_AUTHTOK_ERR);
  expect_contains(wrong.transcript, "ERROR: The current password is not correct.\n");
  const auto before = read_file(bed->dir() + "/etc/shadow");
  Script script;
  script.steps = {say("Current password: ", "Brand-New-Pass-4711"), say("New password: ", "Changed-Again-Pass-8"),
                  say("Retype the new password: ", "Changed-Again-Pass-8")};
  assert_int_equal(run_scripted(PAMTEST_CHAUTHTOK, "login", "alice", script), PAM_SUCCESS);
  expect_contains(script.transcript, "Your password has been changed.\n");
  assert_true(read_file(bed->dir() + "/etc/shadow") != before);
}

// ssprd fails in the middle of the proofs: a service error (PAM_AUTHINFO_UNAVAIL, and pam_sspr
// logs it), not a refusal as if the user had failed a proof.
static void test_ssprd_failing_during_the_proofs_is_a_service_error(void**) {
  const auto before = read_file(bed->dir() + "/etc/shadow");
  Script script;
  script.steps = {say("Password: ", "wrong"),
                  say(kOffer, "reset"),
                  say("Your choice: ", "1"),
                  {"Recovery code: ",
                   [](const std::string&) {
                     bed->kill_ssprd();
                     return codes.at(5);
                   }},
                  say("Press Enter to continue: ", "")};
  assert_int_equal(run_scripted(PAMTEST_AUTHENTICATE, "reset-only", "alice", script), PAM_AUTHINFO_UNAVAIL);
  expect_contains(script.transcript, "Recovery code: " + codes.at(5) + "\nERROR: The password reset service is not available.\n"
                                     "Press Enter to continue: \n");
  assert_int_equal(script.next, script.steps.size());
  assert_str(read_file(bed->dir() + "/etc/shadow"), before);
}

static void test_ssprd_down_fails_closed(void**) {
  assert_int_equal(bed->stop_ssprd(), 0);
  const auto before = read_file(bed->dir() + "/etc/shadow");
  Script script;
  script.steps = {say("Password: ", "wrong"), say(kOffer, "reset"), say("Press Enter to continue: ", "")};
  assert_int_equal(login(script), PAM_AUTH_ERR);
  assert_str(script.transcript, "Password: wrong\n" + kOffer + "reset\nERROR: The password reset service is not available.\n"
                                "Press Enter to continue: \n");
  assert_str(read_file(bed->dir() + "/etc/shadow"), before);
}

int main() {
  if (geteuid() != 0) {
    std::fprintf(stderr, "SKIP: the shipped bus policy lets only root own io.sspr.reset1; run as root\n");
    return 77;
  }
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup(test_the_right_password_logs_in_without_an_offer, ensure_ssprd),
      cmocka_unit_test_setup(test_a_wrong_password_gets_the_offer_and_enter_declines, ensure_ssprd),
      cmocka_unit_test_setup(test_reset_at_the_login_prompt, ensure_ssprd),
      cmocka_unit_test_setup(test_members_of_admin_groups_prove_two_methods, ensure_ssprd),
      cmocka_unit_test_setup(test_change_in_the_password_phase, ensure_ssprd),
      cmocka_unit_test_setup(test_ssprd_failing_during_the_proofs_is_a_service_error, ensure_ssprd),
      cmocka_unit_test_setup(test_ssprd_down_fails_closed, ensure_ssprd),
  };
  return cmocka_run_group_tests(tests, group_setup, nullptr);
}
