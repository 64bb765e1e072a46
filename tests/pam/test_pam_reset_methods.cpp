// Resets at the login prompt with every kind of method, under "[reset] methods_required = 2"
// for everyone (libpamtest + pam_wrapper, pam_matrix as the password module, the real ssprd
// writing a shadow file in the test directory). Codes come from a real SMTP sink and a real SMS
// webhook sink; the questions are asked at random. Exact texts and PAM codes for a wrong code, an
// expired code (ssprd's clock moved ahead with libfaketime), too many tries, and a block.
#include "cmocka.hpp"
#include "delivery_support.hpp"
#include "manager_calls.hpp"
#include "pam_script.hpp"
#include "process.hpp"
#include "testbed.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <security/pam_appl.h>
#include <sys/stat.h>
#include <unistd.h>
extern "C" {
#include <libpamtest.h>
}

using namespace sspr;
using namespace sspr::test;
namespace dt = sspr::test::delivery;

namespace {

TestBed* bed = nullptr;
dt::Sink* smtp = nullptr;
dt::Sink* http = nullptr;

const std::string kOffer = "Forgot your password? Type \"reset\" to reset it now, or press Enter: ";
const std::string kShadow =
    "gina:$y$j9T$old$gina:19000:0:99999:7:::\n"
    "hank:$y$j9T$old$hank:19000:0:99999:7:::\n"
    "ivan:$y$j9T$old$ivan:19000:0:99999:7:::\n";
const std::map<std::string, std::string> kHankAnswers = {
    {"What was the name of your first pet? ", "Rex the dog"},
    {"What was your childhood nickname? ", "Hanky panky"},
    {"In what city was your first job? ", "Hamburg harbour"}};

std::string mailed_code() { return dt::newest_code(*smtp); }
std::string texted_code() { return dt::newest_code(*http); }
std::string wrong(const std::string& code) { return code == "000000" ? "111111" : "000000"; }

std::string register_contact(const char* user, const char* method, const char* address) {
  if (auto begun = call_manager("BeginContact", {user, method, address}); begun != "ok") return begun;
  return call_manager("ConfirmContact", {user, method, std::string(method) == "email" ? mailed_code() : texted_code()});
}

std::string register_questions(const char* user, const std::map<std::string, std::string>& answers) {
  std::vector<std::pair<std::string, std::string>> qa;
  for (const auto& [prompt, answer] : answers) qa.emplace_back(prompt.substr(0, prompt.size() - 1), answer);  // prompt: question + " "
  return set_security_questions(user, qa);
}

std::string shadow() { return read_file(bed->dir() + "/etc/shadow"); }
std::string line_of(const std::string& user) {
  const auto text = shadow();
  const auto at = text.find(user + ":");
  return at == std::string::npos ? std::string() : text.substr(at, text.find('\n', at) - at);
}

int group_setup(void**) {
  static dt::TempDir tmp;
  static dt::Sink smtp_sink("smtp_sink.py", tmp.path + "/mail", {}, tmp.path + "/smtp.log");
  static dt::Sink http_sink("http_sink.py", tmp.path + "/sms", {}, tmp.path + "/http.log");
  if (!smtp_sink.error().empty() || !http_sink.error().empty())
    return std::fprintf(stderr, "sinks: %s %s\n", smtp_sink.error().c_str(), http_sink.error().c_str()), -1;
  smtp = &smtp_sink;
  http = &http_sink;
  std::string error;
  static std::unique_ptr<TestBed> holder = TestBed::create(error);
  if (!holder) return std::fprintf(stderr, "test bed: %s\n", error.c_str()), -1;
  bed = holder.get();
  bed->use_fake_clock();
  mkdir((bed->dir() + "/etc").c_str(), 0755);
  write_file(bed->dir() + "/etc/shadow", kShadow, 0640);
  write_file(bed->dir() + "/passdb", "gina:gina-password:login\nhank:hank-password:login\nivan:ivan-password:login\n",
             0600);
  // Two methods for everyone; no cooling-off, so what is registered below counts at once.
  // Plain SMTP to the local sink is an explicit choice (STARTTLS is tested with registration).
  bed->write_config(std::string(kStandardConfig) + "cooling_off_hours = 0\n[methods]\nsms = yes\n"
                    "[email]\nfrom = sspr@example.com\nrequire_starttls = no\nsmtp_url = smtp://127.0.0.1:" +
                    std::to_string(smtp->port()) + "\n[sms]\nwebhook_url = http://127.0.0.1:" +
                    std::to_string(http->port()) + "/send\n[reset]\nmethods_required = 2\nshadow_directory = " +
                    bed->dir() + "/etc\n");
  bed->write_pam_service("login", "auth [success=done default=ignore] " SSPR_PAM_MATRIX " passdb=" + bed->dir() +
                                      "/passdb\nauth optional @MODULE@ config=@CONFIG@\nauth requisite " +
                                      std::string(SSPR_PAM_DENY) + "\n");
  bed->write_pam_service("other", "auth required " + std::string(SSPR_PAM_DENY) + "\n");
  if (!bed->start_ssprd(error)) return std::fprintf(stderr, "ssprd: %s\n", error.c_str()), -1;
  for (const auto& step : {register_contact("gina", "email", "gina@example.com"),
                           register_contact("gina", "sms", "+4915112345612"),
                           register_contact("hank", "email", "hank@example.com"), register_questions("hank", kHankAnswers),
                           register_contact("ivan", "email", "ivan@example.com"),
                           register_contact("ivan", "sms", "+4915199999907")})
    if (step != "ok") return std::fprintf(stderr, "registration failed: %s\n", step.c_str()), -1;
  return 0;
}

int login(const char* user, Script& script) { return run_scripted(PAMTEST_AUTHENTICATE, "login", user, script); }

}  // namespace

static void test_two_methods_an_emailed_and_a_texted_code(void**) {
  const auto before = line_of("hank");
  std::string mailed, texted;  // as read from the sinks while the conversation runs
  Script script;
  script.steps = {say("Password: ", "forgotten"),
                  say(kOffer, "reset"),
                  say("Your choice: ", "1"),
                  {"Code from the message: ", [&](const std::string&) { return wrong(mailed = mailed_code()); }},
                  {"Code from the message: ", [&](const std::string&) { return mailed; }},
                  say("Your choice: ", "1"),  // the one left
                  {"Code from the message: ", [&](const std::string&) { return texted = texted_code(); }},
                  say("New password: ", "Two-Methods-Pass-61"),
                  say("Retype the new password: ", "Two-Methods-Pass-61"),
                  say("Press Enter to continue: ", "")};
  assert_int_equal(login("gina", script), PAM_AUTH_ERR);  // this login fails; the next uses the new password
  assert_str(script.transcript,
             "Password: forgotten\n" + kOffer + "reset\n"
             "Resetting the password of gina. Prove 2 different registered methods.\n"
             "  1) E-mail g***@e***.com\n  2) Mobile phone (SMS) +49 *** ***12\n"
             "Your choice: 1\nA code was sent to g***@e***.com.\n"
             "Code from the message: " + wrong(mailed) + "\nERROR: The code is not correct.\n"
             "Code from the message: " + mailed + "\n"
             "Confirmed. Prove one more registered method, a different one.\n"
             "  1) Mobile phone (SMS) +49 *** ***12\n"
             "Your choice: 1\nA code was sent to +49 *** ***12.\n"
             "Code from the message: " + texted + "\n"
             "New password: Two-Methods-Pass-61\nRetype the new password: Two-Methods-Pass-61\n"
             "Your password has been changed.\nLog in again with your new password.\n"
             "Press Enter to continue: \n");
  assert_true(line_of("gina").rfind("gina:$", 0) == 0);
  assert_true(line_of("gina") != "gina:$y$j9T$old$gina:19000:0:99999:7:::");
  assert_str(line_of("hank"), before);
}

static void test_questions_asked_at_random_and_an_emailed_code(void**) {
  Script script;
  script.steps = {say("Password: ", "forgotten"),
                  say(kOffer, "reset"),
                  say("Your choice: ", "2"),
                  answer_one_of(kHankAnswers),
                  answer_one_of(kHankAnswers),
                  say("Your choice: ", "1"),
                  {"Code from the message: ", [](const std::string&) { return mailed_code(); }},
                  say("New password: ", "Questions-Too-Pass-62"),
                  say("Retype the new password: ", "Questions-Too-Pass-62"),
                  say("Press Enter to continue: ", "")};
  assert_int_equal(login("hank", script), PAM_AUTH_ERR);
  expect_contains(script.transcript, "Prove 2 different registered methods.\n  1) E-mail h***@e***.com\n"
                                     "  2) Security questions\nYour choice: 2\n");
  expect_contains(script.transcript, "Your password has been changed.\n");
  assert_true(line_of("hank") != "hank:$y$j9T$old$hank:19000:0:99999:7:::");
}

static void test_an_expired_code_then_a_new_one(void**) {
  // Six minutes pass between sending and typing ([codes] lifetime_minutes = 5).
  Script script;
  script.steps = {say("Password: ", "forgotten"),
                  say(kOffer, "reset"),
                  say("Your choice: ", "1"),
                  {"Code from the message: ",
                   [](const std::string&) {
                     bed->move_clock(360);
                     return mailed_code();
                   }},
                  say("Your choice: ", "1"),
                  {"Code from the message: ", [](const std::string&) { return mailed_code(); }},
                  say("Your choice: ", "1"),  // the one left
                  {"Code from the message: ", [](const std::string&) { return texted_code(); }},
                  say("New password: ", "Expired-Then-Pass-63"),
                  say("Retype the new password: ", "Expired-Then-Pass-63"),
                  say("Press Enter to continue: ", "")};
  const int rc = login("gina", script);
  bed->move_clock(0);
  assert_int_equal(rc, PAM_AUTH_ERR);
  expect_contains(script.transcript, "\nERROR: The code has expired. Please request a new one.\n"
                                     "  1) E-mail g***@e***.com\n");
  expect_contains(script.transcript, "Your password has been changed.\n");
}

static void test_too_many_tries_then_a_block_that_says_how_long(void**) {
  const auto before = shadow();
  const std::string blocked_prefix = "ERROR: Password reset is blocked for this account from here for another ";
  Script script;
  script.steps = {say("Password: ", "forgotten"),
                  say(kOffer, "reset"),
                  say("Your choice: ", "1"),
                  // [codes] max_tries = 3: the third wrong entry voids the code.
                  say("Code from the message: ", "000001"),
                  say("Code from the message: ", "000002"),
                  say("Code from the message: ", "000003"),
                  say("Your choice: ", "2"),
                  // The 5th failed proof within 24 h ([throttle] failed_proofs) blocks the reset.
                  say("Code from the message: ", "000004"),
                  say("Code from the message: ", "000005"),
                  say("Press Enter to continue: ", "")};
  assert_int_equal(login("ivan", script), PAM_AUTH_ERR);
  expect_contains(script.transcript, "Code from the message: 000003\nERROR: Too many attempts. Please try again later.\n"
                                     "  1) E-mail i***@e***.com\n");
  expect_contains(script.transcript, "Code from the message: 000004\nERROR: The code is not correct.\n"
                                     "Code from the message: 000005\n" + blocked_prefix);
  assert_int_equal(script.next, script.steps.size());  // nothing else asked after the block
  // The next attempt is refused at once, with the same words.
  Script again;
  again.steps = {say("Password: ", "forgotten"), say(kOffer, "reset"), say("Press Enter to continue: ", "")};
  assert_int_equal(login("ivan", again), PAM_AUTH_ERR);
  const auto expected_24h = "Password: forgotten\n" + kOffer + "reset\n" + blocked_prefix +
                            "24 hours, after too many failed attempts. Please try again then, or ask an "
                            "administrator.\nPress Enter to continue: \n";
  const auto expected_23h = "Password: forgotten\n" + kOffer + "reset\n" + blocked_prefix +
                            "23 hours 59 minutes, after too many failed attempts. Please try again then, or ask an "
                            "administrator.\n"
                            "Press Enter to continue: \n";
  assert_true(again.transcript == expected_24h || again.transcript == expected_23h);
  assert_str(shadow(), before);
  // Blocking the reset does not lock ivan out: his password still logs in.
  Script password;
  password.steps = {say("Password: ", "ivan-password")};
  assert_int_equal(login("ivan", password), PAM_SUCCESS);
}

int main() {
  if (geteuid() != 0) {
    std::fprintf(stderr, "SKIP: the shipped bus policy lets only root own io.sspr.reset1; run as root\n");
    return 77;
  }
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_two_methods_an_emailed_and_a_texted_code),
      cmocka_unit_test(test_questions_asked_at_random_and_an_emailed_code),
      cmocka_unit_test(test_an_expired_code_then_a_new_one),
      cmocka_unit_test(test_too_many_tries_then_a_block_that_says_how_long),
  };
  return cmocka_run_group_tests(tests, group_setup, nullptr);
}
