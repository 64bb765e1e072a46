// Registration over the private bus with the real ssprd: every method registers and is confirmed
// (codes read from a real SMTP sink over STARTTLS and a real HTTP sink, TOTP codes from
// oathtool), step-up, cooling-off, change notices, access between users, audit events, and a
// canary check that no secret reaches a log, the audit trail or a record.
#include "bus_names.hpp"
#include "cmocka.hpp"
#include "delivery_support.hpp"
#include "handle.hpp"
#include "process.hpp"
#include "run_as.hpp"
#include "testbed.hpp"

#include <cstdio>
#include <crypt.h>
#include <ctime>
#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

using namespace sspr;
using namespace sspr::test;
namespace dt = sspr::test::delivery;

namespace {

TestBed* bed = nullptr;
dt::Sink* smtp = nullptr;
dt::Sink* http = nullptr;
std::vector<std::string> canaries;  // every secret we saw: none may appear in logs or records

// One connection; calls return "ok", "ERROR <name>", or the reply rendered as text.
class Caller {
 public:
  Caller() {
    sd_bus* raw = nullptr;
    if (sd_bus_open_system(&raw) >= 0) bus_.reset(raw);
  }

  // `append` adds the arguments; `read` renders the reply.
  template <class Append, class Read>
  std::string call(const char* member, Append&& append, Read&& read) {
    if (!bus_) return "NO BUS";
    sd_bus_message* raw = nullptr;
    if (sd_bus_message_new_method_call(bus_.get(), &raw, bus::kServiceName, bus::kManagerPath, bus::kManagerInterface,
                                       member) < 0)
      return "NO MESSAGE";
    MessagePtr request(raw);
    if (append(request.get()) < 0) return "APPEND FAILED";
    BusError error;
    raw = nullptr;
    const int r = sd_bus_call(bus_.get(), request.get(), 30'000'000, error.get(), &raw);
    MessagePtr reply(raw);
    if (r < 0) return std::string("ERROR ") + (error.is_set() ? error.name() : "transport");
    return read(reply.get());
  }

  std::string simple(const char* member, std::vector<std::string> args) {
    return call(
        member,
        [&](sd_bus_message* m) {
          for (const auto& a : args)
            if (int r = sd_bus_message_append(m, "s", a.c_str()); r < 0) return r;
          return 0;
        },
        [](sd_bus_message*) { return std::string("ok"); });
  }

  // BeginTotp: returns the base32 secret (or the error).
  std::string begin_totp(const std::string& user) {
    return call(
        "BeginTotp", [&](sd_bus_message* m) { return sd_bus_message_append(m, "s", user.c_str()); },
        [](sd_bus_message* reply) {
          const char *secret = nullptr, *uri = nullptr, *qr = nullptr;
          if (sd_bus_message_read(reply, "sss", &secret, &uri, &qr) < 0) return std::string("BAD REPLY");
          canaries.emplace_back(secret);
          return std::string(secret);
        });
  }

  std::string begin_contact(const std::string& user, const char* type, const std::string& address) {
    return call(
        "BeginContact",
        [&](sd_bus_message* m) { return sd_bus_message_append(m, "sss", user.c_str(), type, address.c_str()); },
        [](sd_bus_message* reply) {
          const char* masked = nullptr;
          uint64_t expires = 0;
          if (sd_bus_message_read(reply, "st", &masked, &expires) < 0) return std::string("BAD REPLY");
          const auto now = static_cast<uint64_t>(std::time(nullptr));
          // Valid 5 minutes (the default), give or take the second we are in.
          const bool five_minutes = expires / 1000000 >= now + 299 && expires / 1000000 <= now + 301;
          return std::string(masked) + (five_minutes ? " (5 min)" : " (wrong expiry)");
        });
  }

  std::string registration(const std::string& user) {
    return call(
        "GetRegistration", [&](sd_bus_message* m) { return sd_bus_message_append(m, "s", user.c_str()); },
        [](sd_bus_message* reply) {
          std::string out;
          const char *type = nullptr, *masked = nullptr;
          uint64_t added = 0, usable = 0;
          sd_bus_message_enter_container(reply, 'a', "(sstt)");
          while (sd_bus_message_read(reply, "(sstt)", &type, &masked, &added, &usable) > 0) {
            out += std::string(type) + (*masked ? std::string(" ") + masked : "");
            const auto hours = (usable - added) / 3'600'000'000ull;
            out += hours ? " cooling-off " + std::to_string(hours) + "h;" : ";";
          }
          return out;
        });
  }

  std::vector<std::string> regenerate_codes(const std::string& user) {
    std::vector<std::string> codes;
    call(
        "RegenerateRecoveryCodes", [&](sd_bus_message* m) { return sd_bus_message_append(m, "s", user.c_str()); },
        [&](sd_bus_message* reply) {
          const char* code = nullptr;
          sd_bus_message_enter_container(reply, 'a', "s");
          while (sd_bus_message_read(reply, "s", &code) > 0) codes.emplace_back(code);
          return std::string();
        });
    for (const auto& c : codes) canaries.push_back(c);
    return codes;
  }

  std::string set_questions(const std::string& user, const std::vector<std::pair<std::string, std::string>>& qa) {
    return call(
        "SetSecurityQuestions",
        [&](sd_bus_message* m) {
          int r = sd_bus_message_append(m, "s", user.c_str());
          if (r >= 0) r = sd_bus_message_open_container(m, 'a', "(ss)");
          for (const auto& [q, a] : qa)
            if (r >= 0) r = sd_bus_message_append(m, "(ss)", q.c_str(), a.c_str());
          if (r >= 0) r = sd_bus_message_close_container(m);
          return r;
        },
        [](sd_bus_message*) { return std::string("ok"); });
  }

 private:
  BusPtr bus_;
};

// Fails with the whole text in the report when `needle` is missing.
std::string totp_code(const std::string& secret, long offset_seconds = 0) {
  const auto at = "--now=@" + std::to_string(static_cast<long long>(std::time(nullptr) + offset_seconds));
  auto code = capture_output({SSPR_OATHTOOL, "--totp", "-b", at, secret});
  canaries.push_back(code);
  return code;
}

// The code in the newest message of the sink that carries one (e-mail or SMS); every code
// seen is a canary.
std::string code_from_sink(const dt::Sink& sink) {
  if (sink.stored().empty()) return "NO MESSAGE";
  const auto code = dt::newest_code(sink);
  if (code != "NO CODE") canaries.push_back(code);
  return code;
}

int group_setup(void**) {
  static dt::TempDir tmp;
  static dt::Certificates certs;
  std::string error;
  if (!dt::make_certificates(tmp.path, certs, error)) return std::fprintf(stderr, "certs: %s\n", error.c_str()), -1;
  static dt::Sink smtp_sink("smtp_sink.py", tmp.path + "/mail", {"--cert", certs.cert, "--key", certs.key,
                                                                  "--require-starttls"},
                            tmp.path + "/smtp.log");
  static dt::Sink http_sink("http_sink.py", tmp.path + "/sms", {}, tmp.path + "/http.log");
  if (!smtp_sink.error().empty() || !http_sink.error().empty())
    return std::fprintf(stderr, "sinks: %s %s\n", smtp_sink.error().c_str(), http_sink.error().c_str()), -1;
  smtp = &smtp_sink;
  http = &http_sink;

  write_file(tmp.path + "/sms-headers", "# the gateway's key\nAuthorization: Bearer test-token\n", 0600);
  // bob's password is "Bob-Password-1" (yescrypt, as passwd writes it here).
  const char* setting = crypt_gensalt("$y$", 0, nullptr, 0);
  const char* hashed = setting ? crypt("Bob-Password-1", setting) : nullptr;
  if (hashed == nullptr || hashed[0] != '$') return std::fprintf(stderr, "cannot hash bob's password\n"), -1;
  if (!(bed = TestBed::shared("root:*:19000:0:99999:7:::\nbob:" + std::string(hashed) + ":19000:0:99999:7:::\n")))
    return -1;
  bed->write_config(std::string(kStandardConfig) + "[reset]\nshadow_directory = " + bed->dir() + "/etc\n" +
                    "[questions]\ncustom = Which ship did your grandfather serve on? | What is our team's motto?\n"
                    "[methods]\nsms = yes\n"
                    "[email]\nfrom = sspr@example.com\nsmtp_url = smtp://localhost:" + std::to_string(smtp->port()) +
                    "\nca_file = " + certs.ca +
                    "\n[sms]\nwebhook_url = http://127.0.0.1:" + std::to_string(http->port()) + "/send\n"
                    "headers = X-Client: sspr-test\nheaders_file = " + tmp.path + "/sms-headers\n");
  if (!bed->start_ssprd(error)) return std::fprintf(stderr, "ssprd: %s\n", error.c_str()), -1;
  return 0;
}

}  // namespace

static void test_totp_registers_with_a_real_authenticator_code(void**) {
  Caller root;
  const auto secret = root.begin_totp("alice");
  assert_int_equal(secret.size(), 32);  // 160 bits in base32
  assert_str(root.simple("ConfirmTotp", {"alice", "000000" == totp_code(secret) ? "111111" : "000000"}),
             "ERROR io.sspr.reset1.Error.BadCode");
  assert_str(root.simple("ConfirmTotp", {"alice", "12ab56"}), "ERROR io.sspr.reset1.Error.BadCode");
  assert_str(root.simple("ConfirmTotp", {"alice", totp_code(secret)}), "ok");
  assert_str(root.registration("alice"), "totp;");
  // The pending registration is gone: the same code cannot confirm twice.
  assert_str(root.simple("ConfirmTotp", {"alice", totp_code(secret)}), "ERROR io.sspr.reset1.Error.NotPermitted");
  const auto record = read_file(bed->state_dir() + "/registrations/alice.json");
  assert_true(record.find(secret) == std::string::npos);  // sealed, never in the clear
  assert_true(record.find("\"last_step\"") != std::string::npos);
}

static void test_email_registers_with_the_code_from_the_smtp_sink(void**) {
  Caller root;
  assert_str(root.begin_contact("alice", "email", "bad address\r\nBcc: x@evil.example"),
             "ERROR io.sspr.reset1.Error.InvalidAddress");
  const auto before = smtp->stored().size();
  assert_str(root.begin_contact("alice", "email", "alice.liddell@example.com"), "a***@e***.com (5 min)");
  // Sent before the reply; a notice of an earlier call may come and go around it.
  const auto message = dt::wait_for_message(*smtp, before, {"RCPT TO: alice.liddell@example.com", " is:"});
  expect_contains(message, "TLS: yes");
  const auto code = code_from_sink(*smtp);
  assert_int_equal(code.size(), 6);
  assert_str(root.simple("ConfirmContact", {"alice", "email", code == "000000" ? "111111" : "000000"}),
             "ERROR io.sspr.reset1.Error.BadCode");
  assert_str(root.simple("ConfirmContact", {"alice", "email", code}), "ok");
  // Single use.
  assert_str(root.simple("ConfirmContact", {"alice", "email", code}), "ERROR io.sspr.reset1.Error.NotPermitted");
}

static void test_sms_registers_with_the_code_from_the_webhook_sink(void**) {
  Caller root;
  assert_str(root.begin_contact("carol", "sms", "01511234567"), "ERROR io.sspr.reset1.Error.InvalidAddress");
  const auto sent_before = http->stored().size();
  assert_str(root.begin_contact("carol", "sms", "+4915112345612"), "+49 *** ***12 (5 min)");
  const auto request = dt::wait_for_message(*http, sent_before, {R"("to":"+4915112345612")"});
  expect_contains(request.substr(0, 11), "POST /send\n");
  expect_contains(request, "Authorization: Bearer test-token");  // from the root-only headers_file
  expect_contains(request, "X-Client: sspr-test");
  expect_contains(request, R"("to":"+4915112345612")");
  const auto code = code_from_sink(*http);
  assert_str(root.simple("ConfirmContact", {"carol", "sms", code}), "ok");
  assert_str(root.registration("carol"), "sms +49 *** ***12;");
}

static void test_a_new_code_voids_the_previous_one_and_tries_are_bounded(void**) {
  Caller root;
  assert_str(root.begin_contact("dave", "email", "dave@example.com"), "d***@e***.com (5 min)");
  const auto first = code_from_sink(*smtp);
  assert_str(root.begin_contact("dave", "email", "dave@example.com"), "d***@e***.com (5 min)");
  const auto second = code_from_sink(*smtp);
  if (first != second)
    assert_str(root.simple("ConfirmContact", {"dave", "email", first}), "ERROR io.sspr.reset1.Error.BadCode");
  // Three wrong tries in all void the code.
  const auto wrong = second == "999999" ? "888888" : "999999";
  root.simple("ConfirmContact", {"dave", "email", wrong});
  if (first == second) root.simple("ConfirmContact", {"dave", "email", wrong});
  assert_str(root.simple("ConfirmContact", {"dave", "email", wrong}), "ERROR io.sspr.reset1.Error.TooManyAttempts");
  assert_str(root.simple("ConfirmContact", {"dave", "email", second}), "ERROR io.sspr.reset1.Error.NotPermitted");
}

static void test_security_questions(void**) {
  Caller root;
  const std::string q1 = "What was the name of your first pet?", q2 = "What was your childhood nickname?",
                    q3 = "In what city was your first job?";
  assert_str(root.set_questions("frank", {{q1, "Fluffy"}, {q2, "Bo"}, {q3, "Paris"}}),
             "ERROR io.sspr.reset1.Error.InvalidAnswers");  // "Bo" is too short
  assert_str(root.set_questions("frank", {{q1, "Fluffy"}, {q2, "fluffy "}, {q3, "Paris"}}),
             "ERROR io.sspr.reset1.Error.InvalidAnswers");  // the same answer twice
  assert_str(root.set_questions("frank", {{q1, "Fluffy"}, {q1, "Rex the dog"}, {q3, "Paris"}}),
             "ERROR io.sspr.reset1.Error.InvalidAnswers");  // the same question twice
  assert_str(root.set_questions("frank", {{q1, "Fluffy"}, {"Who am I?", "Nobody at all"}, {q3, "Paris"}}),
             "ERROR io.sspr.reset1.Error.InvalidAnswers");  // not from the pool
  assert_str(root.set_questions("frank", {{q1, "Fluffy"}, {q2, "Bobby"}}), "ERROR io.sspr.reset1.Error.InvalidAnswers");
  // An admin-defined question from [questions] custom is in the pool.
  assert_str(root.set_questions("frank", {{q1, "Fluffy-CANARY"}, {q2, "Bobby-CANARY"},
                                          {"What is our team's motto?", "Paris-CANARY"}}),
             "ok");
  canaries.insert(canaries.end(), {"Fluffy-CANARY", "fluffy-canary", "Bobby-CANARY", "bobby-canary"});
  assert_str(root.registration("frank"), "questions;");
}

static void test_recovery_codes_and_step_up_as_the_user(void**) {
  // bob (uid 1002) really calls as himself. His first method needs proof too: his password,
  // as he has no method yet (issue 11, 1: or whoever runs as bob registers an app for a reset).
  const auto out = run_as(1002, 1002, [] {
    Caller first;
    std::string log;
    log += "unproven=" + first.simple("RegenerateRecoveryCodes", {""}) + "\n";
    log += "guess=" + first.simple("StepUp", {"", "password", "Bob-Password-2"}) + "\n";
    log += "password=" + first.simple("StepUp", {"", "password", "Bob-Password-1"}) + "\n";
    const auto codes = first.regenerate_codes("");
    log += "codes=" + std::to_string(codes.size()) + "\n";
    // On a new connection, with a method registered, a change needs proof again.
    Caller bob;
    log += "begin=" + bob.begin_totp("") + "\n";
    log += "wrong=" + bob.simple("StepUp", {"", "recovery_code", "AAAAA-AAAAA"}) + "\n";
    log += "stepup=" + bob.simple("StepUp", {"", "recovery_code", codes.at(0)}) + "\n";
    log += "reuse=" + bob.simple("StepUp", {"", "recovery_code", codes.at(0)}) + "\n";
    const auto secret = bob.begin_totp("");
    log += "begin2=" + std::to_string(secret.size()) + "\n";
    log += "confirm=" + bob.simple("ConfirmTotp", {"", totp_code(secret)}) + "\n";
    log += "reg=" + bob.registration("") + "\n";
    // A fresh set voids the old one; an app code (the next time step: this one is spent) proves it too.
    log += "stepup_totp=" + bob.simple("StepUp", {"", "totp", totp_code(secret, 30)}) + "\n";
    const auto fresh = bob.regenerate_codes("");
    log += "old_code=" + bob.simple("StepUp", {"", "recovery_code", codes.at(1)}) + "\n";
    log += "new_code=" + bob.simple("StepUp", {"", "recovery_code", fresh.at(1)}) + "\n";
    // The grant belongs to this connection, not to bob.
    Caller other;
    log += "other=" + other.begin_totp("") + "\n";
    // Never another user's registration, nor a login decision.
    log += "alice=" + bob.begin_totp("alice") + "\n";
    log += "skip=" + bob.simple("SkipRegistration", {""}) + "\n";
    return log;
  });
  assert_str(out,
             "unproven=ERROR io.sspr.reset1.Error.StepUpRequired\n"
             "guess=ERROR io.sspr.reset1.Error.BadCode\n"
             "password=ok\n"
             "codes=10\n"
             "begin=ERROR io.sspr.reset1.Error.StepUpRequired\n"
             "wrong=ERROR io.sspr.reset1.Error.BadCode\n"
             "stepup=ok\n"
             "reuse=ERROR io.sspr.reset1.Error.BadCode\n"
             "begin2=32\n"
             "confirm=ok\n"
             "reg=totp cooling-off 24h;recovery_codes;\n"
             "stepup_totp=ok\n"
             "old_code=ERROR io.sspr.reset1.Error.BadCode\n"
             "new_code=ok\n"
             "other=ERROR io.sspr.reset1.Error.StepUpRequired\n"
             "alice=ERROR org.freedesktop.DBus.Error.AccessDenied\n"
             "skip=ERROR org.freedesktop.DBus.Error.AccessDenied\n");
}

static void test_changes_are_announced_to_every_channel(void**) {
  Caller root;
  // alice has e-mail (from the test above); a new method is announced there.
  const auto before = smtp->stored().size();
  root.regenerate_codes("alice");
  const auto notice = dt::wait_for_message(*smtp, before, {"RCPT TO: alice.liddell@example.com", "registered: Recovery codes"});
  assert_false(notice.empty());
  assert_true(notice.find("If this wasn't you") != std::string::npos || notice.find("If this was not you") != std::string::npos);
  // Removing the e-mail address is announced to that address too.
  assert_str(root.simple("RemoveMethod", {"alice", "email"}), "ok");
  const auto removal = dt::wait_for_message(*smtp, before, {"RCPT TO: alice.liddell@example.com", "removed: E-mail"});
  assert_false(removal.empty());
  assert_str(root.simple("RemoveMethod", {"alice", "email"}), "ERROR io.sspr.reset1.Error.NotEnrolled");
}

static void test_audit_events_and_no_secret_anywhere(void**) {
  const auto audit = read_file(bed->audit_log());
  for (const char* event : {"\"event\":\"method_registered\"", "\"event\":\"registration_complete\"",
                            "\"event\":\"method_removed\"", "\"event\":\"step_up_passed\"",
                            "\"event\":\"step_up_failed\"", "\"event\":\"enrollment_failed\""})
    assert_true(audit.find(event) != std::string::npos);
  const auto log = bed->ssprd_log();
  std::string records;
  for (const auto& e : std::filesystem::directory_iterator(bed->state_dir() + "/registrations"))
    records += read_file(e.path());
  assert_true(canaries.size() > 20);
  for (const auto& canary : canaries) {
    if (canary.empty()) continue;
    assert_true(audit.find(canary) == std::string::npos);
    assert_true(log.find(canary) == std::string::npos);
    assert_true(records.find(canary) == std::string::npos);
  }
}

int main() {
  if (geteuid() != 0) {
    std::fprintf(stderr, "SKIP: the shipped bus policy lets only root own io.sspr.reset1; run as root\n");
    return 77;
  }
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_totp_registers_with_a_real_authenticator_code),
      cmocka_unit_test(test_email_registers_with_the_code_from_the_smtp_sink),
      cmocka_unit_test(test_sms_registers_with_the_code_from_the_webhook_sink),
      cmocka_unit_test(test_a_new_code_voids_the_previous_one_and_tries_are_bounded),
      cmocka_unit_test(test_security_questions),
      cmocka_unit_test(test_recovery_codes_and_step_up_as_the_user),
      cmocka_unit_test(test_changes_are_announced_to_every_channel),
      cmocka_unit_test(test_audit_events_and_no_secret_anywhere),
  };
  return cmocka_run_group_tests(tests, group_setup, nullptr);
}
