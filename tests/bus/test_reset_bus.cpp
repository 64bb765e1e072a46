// Password reset sessions over the private bus with the real ssprd, writing a shadow file in
// the test directory ([reset] shadow_directory): a session answers only the connection that
// started it, calls out of order change nothing, SetPassword happens once, and an unknown user
// gets a session of the same shape that never verifies.
#include "bus_names.hpp"
#include "cmocka.hpp"
#include "delivery_support.hpp"
#include "handle.hpp"
#include "manager_calls.hpp"
#include "process.hpp"
#include "reset_conn.hpp"
#include "run_as.hpp"
#include "testbed.hpp"

#include <algorithm>
#include <map>
#include <cstdio>
#include <sys/stat.h>
#include <unistd.h>

using namespace sspr;
using namespace sspr::test;

namespace {

TestBed* bed = nullptr;
sspr::test::delivery::Sink* smtp = nullptr;
std::vector<std::string> codes;

std::string code_in_newest_message() { return sspr::test::delivery::newest_code(*smtp); }

// Every stored message whose envelope names `address`, oldest first.
std::vector<std::string> messages_to(const std::string& address) {
  std::vector<std::string> names = smtp->stored();
  std::sort(names.begin(), names.end(),
            [](const std::string& a, const std::string& b) { return std::strtol(a.c_str(), nullptr, 10) < std::strtol(b.c_str(), nullptr, 10); });
  std::vector<std::string> out;
  for (const auto& name : names) {
    auto text = read_file(smtp->dir() + "/" + name);
    if (text.find("RCPT TO: " + address + "\n") != std::string::npos || text.find("RCPT TO: " + address + "\r") != std::string::npos)
      out.push_back(std::move(text));
  }
  return out;
}

// A Manager call as root with up to three string arguments (null: absent).
std::string root_call(const char* member, const char* /*signature*/, const char* a, const char* b, const char* c) {
  std::vector<std::string> args;
  for (const char* arg : {a, b, c})
    if (arg != nullptr) args.emplace_back(arg);
  return call_manager(member, args);
}
const std::string kShadow =
    "# a comment the parser does not understand\n"
    "root:*:19000:0:99999:7:::\n"
    "alice:$y$j9T$old$hash:19000:0:99999:7:::\n"
    "bob:!:19000:0:99999:7:::\n"
    "carol:$y$j9T$carol$hash:19000:0:99999:7:::\n"
    "frank:$y$j9T$frank$hash:19000:0:99999:7:::\n";

std::string shadow_path() { return bed->dir() + "/etc/shadow"; }

using Conn = ResetConn;

std::vector<std::string> regenerate_codes(const char* user) { return regenerate_recovery_codes(user); }

int group_setup(void**) {
  std::string error;
  static std::unique_ptr<TestBed> holder = TestBed::create(error);
  if (!holder) return std::fprintf(stderr, "test bed: %s\n", error.c_str()), -1;
  bed = holder.get();
  mkdir((bed->dir() + "/etc").c_str(), 0755);
  write_file(shadow_path(), kShadow, 0640);
  static sspr::test::delivery::TempDir tmp;
  static sspr::test::delivery::Sink sink("smtp_sink.py", tmp.path + "/mail", {}, tmp.path + "/smtp.log");
  if (!sink.error().empty()) return std::fprintf(stderr, "sink: %s\n", sink.error().c_str()), -1;
  smtp = &sink;
  // No cooling-off here, so the e-mail address registered below can reset at once; plain SMTP
  // to the local sink is an explicit choice (STARTTLS is tested with the registration).
  mkdir((bed->dir() + "/faillock").c_str(), 0755);
  write_file(bed->dir() + "/faillock/alice", std::string(64, '\1'), 0600);  // a tally pam_faillock left
  write_file(bed->dir() + "/faillock/bob", std::string(64, '\1'), 0600);
  bed->write_config("[registration]\nrequired_for = all\ncooling_off_hours = 0\n"
                    "[email]\nfrom = sspr@example.com\nrequire_starttls = no\nsmtp_url = smtp://127.0.0.1:" +
                    std::to_string(sink.port()) + "\n[reset]\nshadow_directory = " + bed->dir() + "/etc\nfaillock_directory = " +
                    bed->dir() + "/faillock\nadmin_notify_addresses = security@example.com ops@example.com\n");
  // ssprd's clock can be moved ahead (libfaketime) for the session's expiry.
  bed->use_fake_clock();
  if (!bed->start_ssprd(error)) return std::fprintf(stderr, "ssprd: %s\n", error.c_str()), -1;
  if (root_call("BeginContact", "sss", "alice", "email", "alice@example.com") != "ok") return -1;
  const auto confirm = code_in_newest_message();
  if (root_call("ConfirmContact", "sss", "alice", "email", confirm.c_str()) != "ok") return -1;
  // alice registers recovery codes (as root, as pam_sspr would at login).
  codes = regenerate_codes("alice");
  return codes.size() == 10 ? 0 : -1;
}

}  // namespace

static void test_a_session_answers_only_its_creator(void**) {
  Conn owner;
  assert_str(owner.start("alice"), "|email,recovery_codes,|1");
  Conn other;  // root too, but another connection
  assert_str(other.call(owner.path(), "Verify", "ss", "recovery_codes", codes[0].c_str()),
             "ERROR org.freedesktop.DBus.Error.UnknownObject");
  const auto path = owner.path();
  assert_str(run_as(1002, 1002, [&] { return Conn().call(path, "Cancel", ""); }),
             "ERROR org.freedesktop.DBus.Error.UnknownObject");
  // The owner still can.
  assert_str(owner.call(path, "Cancel", ""), "ok");
  assert_str(owner.verify("recovery_codes", codes[0]), "ERROR io.sspr.reset1.Error.NotPermitted");  // cancelled
}

static void test_calls_out_of_order_change_nothing(void**) {
  Conn c;
  c.start("alice");
  assert_str(c.set_password("Brand-New-Pass-4711"), "ERROR io.sspr.reset1.Error.NotPermitted");
  assert_str(read_file(shadow_path()), kShadow);
  assert_str(c.verify("totp", "123456"), "ERROR io.sspr.reset1.Error.NotEnrolled");  // not hers
  assert_str(c.verify("fax", "123456"), "ERROR io.sspr.reset1.Error.InvalidArgument");
}

static void test_set_password_happens_once(void**) {
  const auto mails = smtp->stored().size();
  Conn c;
  c.start("alice");
  assert_str(c.verify("recovery_codes", "AAAAA-AAAAA"), "ERROR io.sspr.reset1.Error.BadCode");
  assert_str(c.verify("recovery_codes", codes[1]), "verified 0");
  assert_str(c.verify("recovery_codes", codes[2]), "ERROR io.sspr.reset1.Error.NotPermitted");  // already verified
  assert_str(c.set_password("abc"), "ERROR io.sspr.reset1.Error.LowPasswordQuality");
  assert_str(read_file(shadow_path()), kShadow);
  assert_str(c.set_password("Brand-New-Pass-4711"), "ok");
  // pam_faillock's tally of alice is gone; bob's is not touched.
  assert_int_equal(access((bed->dir() + "/faillock/alice").c_str(), F_OK), -1);
  assert_int_equal(access((bed->dir() + "/faillock/bob").c_str(), F_OK), 0);
  // alice's registered address hears about it (sent after the reply: wait, without sleeping).
  assert_false(sspr::test::delivery::wait_for_message(*smtp, mails, {"RCPT TO: alice@", "password reset"}).empty());
  const auto after = read_file(shadow_path());
  assert_true(after.find("alice:$y$j9T$old$hash:") == std::string::npos);
  assert_true(after.find("alice:$") != std::string::npos);
  assert_true(after.find("root:*:19000:0:99999:7:::\nalice:") != std::string::npos);  // others untouched
  expect_contains(after, "bob:!:19000:0:99999:7:::\n");
  assert_str(c.set_password("Another-New-Pass-99"), "ERROR io.sspr.reset1.Error.NotPermitted");
  assert_str(read_file(shadow_path()), after);
}

static void test_reset_with_an_emailed_code_and_the_notice_after(void**) {
  Conn c;
  c.start("alice");
  assert_str(c.verify("email", "123456"), "ERROR io.sspr.reset1.Error.NotPermitted");  // nothing sent yet
  assert_str(c.call(c.path(), "SendCode", "s", "sms"), "ERROR io.sspr.reset1.Error.NotEnrolled");
  const auto before = smtp->stored().size();
  assert_str(c.call(c.path(), "SendCode", "s", "email"), "ok");
  assert_true(smtp->stored().size() >= before + 1);  // sent before the reply (notices may add more)
  const auto code = code_in_newest_message();
  assert_str(c.verify("email", code == "000000" ? "111111" : "000000"), "ERROR io.sspr.reset1.Error.BadCode");
  assert_str(c.verify("email", code), "verified 0");
  assert_str(c.set_password("Emailed-Reset-Pass-5"), "ok");
  // The notice goes out after the reply: wait for the sink's file (inotify, no sleeping).
  assert_false(
      sspr::test::delivery::wait_for_message(*smtp, before + 1, {"RCPT TO: alice@example.com", "password reset"}).empty());
}

static std::string set_questions(const char* user, const std::vector<std::pair<std::string, std::string>>& qa) {
  return set_security_questions(user, qa);
}

static void test_reset_with_security_questions(void**) {
  const std::map<std::string, std::string> answers = {{"What was the name of your first pet?", "Fluffy the cat"},
                                                      {"What was your childhood nickname?", "Bobby Tables"},
                                                      {"In what city was your first job?", "Paris in spring"}};
  assert_str(set_questions("carol", {answers.begin(), answers.end()}), "ok");
  Conn c;
  assert_str(c.start("carol"), "|questions,|1");
  // Ask, answer wrongly, ask again (a new random subset), answer rightly.
  assert_str(c.call(c.path(), "Verify", "ss", "questions", "x"), "ERROR io.sspr.reset1.Error.InvalidArgument");
  auto asked = c.questions();
  assert_int_equal(asked.size(), 2);
  for (const auto& q : asked) assert_true(answers.count(q) == 1);
  assert_str(c.answer({"wrong answer one", "wrong answer two"}), "ERROR io.sspr.reset1.Error.BadCode");
  asked = c.questions();
  assert_int_equal(asked.size(), 2);
  // Case and spacing do not matter (the answers were normalised when registered).
  std::vector<std::string> right;
  for (const auto& q : asked) {
    auto a = answers.at(q);
    for (auto& ch : a) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    right.push_back("  " + a + " ");
  }
  assert_str(c.answer(right), "verified 0");
  assert_str(c.set_password("Questions-Reset-Pass-3"), "ok");
}

static void test_admins_never_reset_with_questions(void**) {
  // frank is in the admin group "sudo": questions do not count, two methods are needed.
  assert_str(set_questions("frank", {{"What was the name of your first pet?", "Rex the dog"},
                                     {"What was your childhood nickname?", "Franky boy"},
                                     {"In what city was your first job?", "Berlin town"}}),
             "ok");
  // No usable method: the decoy, which says one method (an admin's second is asked after the
  // first), and never takes frank's real answers.
  Conn c;
  const auto shown = c.start("frank");
  assert_str(shown.substr(shown.size() - 2), "|1");
  assert_str(Conn().start("frank"), shown);  // the same every time
  if (shown.find("questions") != std::string::npos) {
    c.methods.erase(c.methods.begin(), std::find_if(c.methods.begin(), c.methods.end(),
                                                    [](const auto& m) { return m.first == "questions"; }));
    const std::map<std::string, std::string> real = {{"What was the name of your first pet?", "Rex the dog"},
                                                     {"What was your childhood nickname?", "Franky boy"},
                                                     {"In what city was your first job?", "Berlin town"}};
    std::vector<std::string> answers;
    for (const auto& q : c.questions()) answers.push_back(real.count(q) ? real.at(q) : "Berlin town");
    assert_str(c.answer(answers), "ERROR io.sspr.reset1.Error.BadCode");
  }
}

static void test_an_admin_reset_tells_the_admin_addresses(void**) {
  // frank (group sudo) proves two methods: an e-mailed code and a recovery code.
  assert_str(root_call("BeginContact", "sss", "frank", "email", "frank@example.com"), "ok");
  const auto confirm = code_in_newest_message();
  assert_str(root_call("ConfirmContact", "sss", "frank", "email", confirm.c_str()), "ok");
  const auto frank_codes = regenerate_codes("frank");
  assert_int_equal(frank_codes.size(), 10);
  Conn c;
  assert_str(c.start("frank"), "|email,recovery_codes,|1");  // the second proof is asked after the first
  assert_str(c.call(c.path(), "SendCode", "s", "email"), "ok");
  assert_str(c.verify("email", code_in_newest_message()), "not yet 1");
  assert_str(c.set_password("Admin-Reset-Pass-77"), "ERROR io.sspr.reset1.Error.NotPermitted");  // one is not enough
  const auto before = smtp->stored().size();
  assert_str(c.verify("recovery_codes", frank_codes[0]), "verified 0");
  assert_str(c.set_password("Admin-Reset-Pass-77"), "ok");
  // frank's own notice and one to each admin address, after the reply.
  for (const char* admin : {"security@example.com", "ops@example.com", "frank@example.com"})
    assert_false(sspr::test::delivery::wait_for_message(*smtp, before, {std::string("RCPT TO: ") + admin, "password reset"}).empty());
  for (const char* admin : {"security@example.com", "ops@example.com"}) {
    const auto mails = messages_to(admin);
    assert_int_equal(mails.size(), 1);  // alice's resets earlier in this run told no admin
    expect_contains(mails[0], "Subject: sspr: administrator account frank on ");
    expect_contains(mails[0], "this happened to the administrator account frank on ");
    expect_contains(mails[0], "\n    password reset");
  }
  const auto to_frank = messages_to("frank@example.com");
  expect_contains(to_frank.back(), "Hello frank,");  // his own notice, as for every reset
  expect_contains(to_frank.back(), "\n    password reset");
}

static void test_a_blocked_user_is_told_for_how_long_and_root_unlocks(void**) {
  // 24 hours from the blocking failure, in whole minutes rounded down: a second may pass.
  const auto is_block_notice = [](const std::string& text) {
    // Blocked from here (root's logins without a remote host), not for the user everywhere.
    const std::string head = "Password reset is blocked for this account from here for another ";
    const std::string tail = ", after too many failed attempts. Please try again then, or ask an administrator.";
    return text == head + "24 hours" + tail || text == head + "23 hours 59 minutes" + tail;
  };
  // bob has nothing registered (a decoy session), carol has security questions: both block at
  // the 5th failed proof ([throttle] failed_proofs), with the same words.
  Conn decoy;
  const auto shown = decoy.start("bob");
  assert_str(shown.substr(shown.size() - 2), "|1");
  for (int i = 1; i < 5; ++i) assert_str(decoy.fail_first_method(), "ERROR io.sspr.reset1.Error.BadCode");
  assert_str(decoy.fail_first_method(), "ERROR io.sspr.reset1.Error.RateLimited");
  assert_true(is_block_notice(decoy.last_message));
  Conn real;
  assert_str(real.start("carol"), "|questions,|1");
  for (int i = 1; i <= 5; ++i) {
    assert_int_equal(real.questions().size(), 2);
    assert_str(real.answer({"wrong", "wrong"}), i < 5 ? "ERROR io.sspr.reset1.Error.BadCode" : "ERROR io.sspr.reset1.Error.RateLimited");
  }
  assert_true(is_block_notice(real.last_message));
  for (const char* user : {"bob", "carol"}) {
    Conn again;
    assert_str(again.start(user), "ERROR io.sspr.reset1.Error.RateLimited");
    assert_true(is_block_notice(again.last_message));
  }
  // Only root lifts a block (the bus policy refuses anyone else before ssprd sees the call).
  assert_str(run_as(1002, 1002, [] { return root_call("UnlockReset", "s", "bob", nullptr, nullptr); }),
             "ERROR org.freedesktop.DBus.Error.AccessDenied");
  assert_str(root_call("UnlockReset", "s", "bob", nullptr, nullptr), "ok");
  assert_str(root_call("UnlockReset", "s", "carol", nullptr, nullptr), "ok");
  assert_str(root_call("UnlockReset", "s", "bad:name", nullptr, nullptr), "ERROR io.sspr.reset1.Error.InvalidUserName");
  assert_str(Conn().start("bob"), shown);
  assert_str(Conn().start("carol"), "|questions,|1");
  expect_contains(read_file(bed->audit_log()), "\"event\":\"reset_unlocked\"");
}

static void test_change_password_as_the_user(void**) {
  const auto change = [](const char* user, const char* current, const char* next) {
    return run_as(1001, 1001, [=] {  // alice, really
      sd_bus* raw = nullptr;
      sd_bus_open_system(&raw);
      BusPtr bus(raw);
      BusError e;
      sd_bus_message* reply = nullptr;
      const int r = sd_bus_call_method(bus.get(), bus::kServiceName, bus::kManagerPath, bus::kManagerInterface,
                                       "ChangePassword", e.get(), &reply, "sss", user, current, next);
      sd_bus_message_unref(reply);
      return r < 0 ? std::string("ERROR ") + e.name() + "|" + e.message() : std::string("ok");
    });
  };
  const auto before = read_file(shadow_path());
  assert_str(change("", "not-it", "Changed-Again-Pass-8"),
             "ERROR io.sspr.reset1.Error.BadCode|The code is not correct.");
  assert_str(change("", "Emailed-Reset-Pass-5", "Emailed-Reset-Pass-5"),
             "ERROR io.sspr.reset1.Error.LowPasswordQuality|The new password must differ from the current one.");
  assert_str(change("bob", "whatever", "Changed-Again-Pass-8"), "ERROR org.freedesktop.DBus.Error.AccessDenied|Permission denied.");
  assert_str(read_file(shadow_path()), before);
  const auto mails = smtp->stored().size();
  assert_str(change("", "Emailed-Reset-Pass-5", "Changed-Again-Pass-8"), "ok");
  assert_true(read_file(shadow_path()) != before);
  assert_false(sspr::test::delivery::wait_for_message(*smtp, mails, {"RCPT TO: alice@", "password changed"}).empty());
}

static void test_an_unknown_user_gets_a_session_of_the_same_shape(void**) {
  // A plausible registration of its own, the same for the name every time, refusing as a real
  // one refuses; a name that exists but registered nothing looks the same.
  for (const char* name : {"nosuchuser", "bob"}) {
    Conn c;
    const auto shown = c.start(name);
    assert_str(shown.substr(shown.size() - 2), "|1");
    assert_str(Conn().start(name), shown);
    assert_str(c.fail_first_method(), "ERROR io.sspr.reset1.Error.BadCode");
    assert_str(c.set_password("Taken-Over-Pass-1"), "ERROR io.sspr.reset1.Error.NotPermitted");
  }
}

static void test_a_session_expires_after_fifteen_minutes(void**) {
  Conn c;
  assert_str(c.start("alice"), "|email,recovery_codes,|1");
  bed->move_clock(901);  // 15 minutes and a second later
  const auto late = c.verify("recovery_codes", codes[5]);
  bed->move_clock(0);
  assert_str(late, "ERROR io.sspr.reset1.Error.NoSuchSession");
  // The session is gone for good, and the code it was given is still unspent.
  assert_str(c.verify("recovery_codes", codes[5]), "ERROR org.freedesktop.DBus.Error.UnknownObject");
  Conn again;
  again.start("alice");
  assert_str(again.verify("recovery_codes", codes[5]), "verified 0");
  assert_str(again.call(again.path(), "Cancel", ""), "ok");
}

static void test_no_secret_in_the_log_or_the_audit(void**) {
  // Every password, code and answer this program sent: none may appear in ssprd's log or audit.
  const auto log = bed->ssprd_log() + read_file(bed->audit_log());
  for (const char* canary : {"Brand-New-Pass-4711", "Emailed-Reset-Pass-5", "Questions-Reset-Pass-3",
                             "Admin-Reset-Pass-77", "Fluffy the cat", "Bobby Tables", "Paris in spring", "Rex the dog"})
    assert_true(log.find(canary) == std::string::npos);
  for (const auto& code : codes) assert_true(log.find(code) == std::string::npos);
  assert_true(log.find("\"event\":\"reset_done\"") != std::string::npos);  // the audit is there
}

int main() {
  if (geteuid() != 0) {
    std::fprintf(stderr, "SKIP: the shipped bus policy lets only root own io.sspr.reset1; run as root\n");
    return 77;
  }
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_a_session_answers_only_its_creator),
      cmocka_unit_test(test_calls_out_of_order_change_nothing),
      cmocka_unit_test(test_set_password_happens_once),
      cmocka_unit_test(test_reset_with_an_emailed_code_and_the_notice_after),
      cmocka_unit_test(test_reset_with_security_questions),
      cmocka_unit_test(test_admins_never_reset_with_questions),
      cmocka_unit_test(test_an_admin_reset_tells_the_admin_addresses),
      cmocka_unit_test(test_a_blocked_user_is_told_for_how_long_and_root_unlocks),
      cmocka_unit_test(test_change_password_as_the_user),
      cmocka_unit_test(test_an_unknown_user_gets_a_session_of_the_same_shape),
      cmocka_unit_test(test_a_session_expires_after_fifteen_minutes),
      cmocka_unit_test(test_no_secret_in_the_log_or_the_audit),
  };
  return cmocka_run_group_tests(tests, group_setup, nullptr);
}
