// Attack (issue 11, item 9): more guesses than the limit, by sending them all at once. A user's
// session (or malware in it) sends sixteen ChangePassword calls with guessed current passwords
// on sixteen connections before any answer comes back, hoping they all pass the throttle's check
// before the first failure is counted. Exactly [throttle] failed_proofs guesses may be tried;
// the rest are refused unchecked. The user's own change with the right password works before.
#include "bus_names.hpp"
#include "cmocka.hpp"
#include "handle.hpp"
#include "manager_calls.hpp"
#include "reset_conn.hpp"
#include "process.hpp"
#include "run_as.hpp"
#include "testbed.hpp"

#include <cstdio>
#include <cstring>
#include <crypt.h>
#include <poll.h>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

using namespace sspr;
using namespace sspr::test;

namespace {

TestBed* bed = nullptr;
constexpr uid_t kIvan = 1009;

int group_setup(void**) {
  // ivan's password is "Ivan-Password-1" (yescrypt, as passwd writes it here).
  const char* setting = crypt_gensalt("$y$", 0, nullptr, 0);
  const char* hashed = setting ? crypt("Ivan-Password-1", setting) : nullptr;
  if (hashed == nullptr || hashed[0] != '$') return std::fprintf(stderr, "cannot hash ivan's password\n"), -1;
  if (!(bed = TestBed::shared("root:*:19000:0:99999:7:::\nivan:" + std::string(hashed) + ":19000:0:99999:7:::\n")))
    return -1;
  std::string error;
  bed->write_config("[registration]\ncooling_off_hours = 0\n[reset]\nshadow_directory = " + bed->dir() +
                    "/etc\n[throttle]\nmethod_failure_limit = 3\n");
  if (!bed->start_ssprd(error)) return std::fprintf(stderr, "ssprd: %s\n", error.c_str()), -1;
  return 0;
}

// ChangePassword calls as ivan, all sent before any answer is read: the error names (or "ok").
std::string change_all_at_once(const std::vector<std::pair<std::string, std::string>>& attempts) {
  return run_as(kIvan, kIvan, [&] {
    struct Call {
      BusPtr bus;
      std::string outcome;
    };
    std::vector<Call> calls(attempts.size());
    for (std::size_t i = 0; i < attempts.size(); ++i) {
      sd_bus* raw = nullptr;
      if (sd_bus_open_system(&raw) < 0) return std::string("no bus");
      calls[i].bus.reset(raw);
      auto on_reply = [](sd_bus_message* reply, void* data, sd_bus_error*) -> int {
        const sd_bus_error* e = sd_bus_message_get_error(reply);
        static_cast<Call*>(data)->outcome = e ? e->name : "ok";
        return 0;
      };
      if (sd_bus_call_method_async(raw, nullptr, bus::kServiceName, bus::kManagerPath, bus::kManagerInterface,
                                   "ChangePassword", on_reply, &calls[i], "sss", "", attempts[i].first.c_str(),
                                   attempts[i].second.c_str()) < 0 ||
          sd_bus_flush(raw) < 0)
        return std::string("cannot send");
    }
    for (;;) {
      std::vector<pollfd> waiting;
      for (auto& call : calls) {
        while (call.outcome.empty() && sd_bus_process(call.bus.get(), nullptr) > 0) {
        }
        if (call.outcome.empty())
          waiting.push_back({sd_bus_get_fd(call.bus.get()), static_cast<short>(sd_bus_get_events(call.bus.get())), 0});
      }
      if (waiting.empty()) break;
      if (poll(waiting.data(), waiting.size(), 30000) <= 0) return std::string("no answer");
    }
    std::string out;
    for (const auto& call : calls) out += call.outcome + "\n";
    return out;
  });
}

std::size_t count(const std::string& text, const std::string& line) {
  std::size_t n = 0;
  for (std::size_t pos = 0; (pos = text.find(line + "\n", pos)) != std::string::npos; pos += line.size()) ++n;
  return n;
}

}  // namespace

static void test_the_user_changes_the_password(void**) {
  assert_string_equal(change_all_at_once({{"Ivan-Password-1", "Entirely-Different-7x"}}).c_str(), "ok\n");
}

static void test_a_burst_of_guesses_gets_no_more_than_the_limit(void**) {
  std::vector<std::pair<std::string, std::string>> guesses;
  for (int i = 0; i < 16; ++i) guesses.emplace_back("guess-" + std::to_string(i), "Zq7-Battery-Staple-" + std::to_string(i * 7919));
  const auto out = change_all_at_once(guesses);
  // [throttle] failed_proofs = 5 (Entra's number): five guesses checked, the rest refused.
  assert_int_equal(count(out, "io.sspr.reset1.Error.BadCode"), 5);
  assert_int_equal(count(out, "io.sspr.reset1.Error.ChangeBlocked"), 11);
  assert_int_equal(count(out, "ok"), 0);
  assert_non_null(std::strstr(read_file(bed->dir() + "/etc/shadow").c_str(), "ivan:$y$"));
}

// Item 9, second half: [throttle] method_failure_limit failures of one method in a row disable
// it (NIST SP 800-63B 5.2.2) — it was computed and never enforced. Three wrong recovery codes
// from three hosts (each below its own block): the fourth reset no longer offers recovery
// codes, a valid one proves nothing, until an administrator runs `sspr unlock`.
static void test_a_method_failing_too_often_is_disabled(void**) {
  const auto codes = regenerate_recovery_codes("ivan");
  assert_int_equal(codes.size(), 10);
  assert_string_equal(set_security_questions("ivan", {{"What was the name of your first pet?", "Rex the dog"},
                                                       {"What was your childhood nickname?", "Ivy boy"},
                                                       {"In what city was your first job?", "Kiel town"}})
                          .c_str(),
                      "ok");
  for (const char* host : {"192.0.2.1", "192.0.2.2", "192.0.2.3"}) {
    ResetConn guess;
    assert_string_equal(guess.start("ivan", host).c_str(), "|questions,recovery_codes,|1");
    assert_string_equal(guess.verify("recovery_codes", "AAAAA-AAAAA").c_str(), "ERROR io.sspr.reset1.Error.BadCode");
  }
  ResetConn after;
  assert_string_equal(after.start("ivan", "192.0.2.4").c_str(), "|questions,|1");
  assert_string_equal(after.verify("recovery_codes", codes[0]).c_str(), "ERROR io.sspr.reset1.Error.NotEnrolled");
  assert_string_equal(call_manager("UnlockReset", {"ivan"}).c_str(), "ok");
  ResetConn unlocked;
  assert_string_equal(unlocked.start("ivan", "192.0.2.4").c_str(), "|questions,recovery_codes,|1");
  assert_string_equal(unlocked.verify("recovery_codes", codes[0]).c_str(), "verified 0");
}

int main() {
  if (!root_or_skip()) return 77;
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_the_user_changes_the_password),
      cmocka_unit_test(test_a_burst_of_guesses_gets_no_more_than_the_limit),
      cmocka_unit_test(test_a_method_failing_too_often_is_disabled),
  };
  return cmocka_run_group_tests(tests, group_setup, nullptr);
}
