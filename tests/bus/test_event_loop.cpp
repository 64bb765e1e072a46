// ssprd's event loop never waits for slow work. While a slow path is under way for one client
// (a password checked against a slow hash, a code sent to a mail server that never answers),
// another client's status query, on a fresh connection as pam_sspr makes it at login, is
// answered within 50 ms; and the slow call was still running at that moment. Hashing security
// answers (Argon2id) is checked the same way, without the last part: it is slow, not that slow.
#include "bus_names.hpp"
#include "cmocka.hpp"
#include "delivery_support.hpp"
#include "handle.hpp"
#include "process.hpp"
#include "testbed.hpp"

#include <chrono>
#include <cstdio>
#include <sys/stat.h>
#include <unistd.h>

using namespace sspr;
using namespace sspr::test;
namespace dt = sspr::test::delivery;

namespace {

TestBed* bed = nullptr;
constexpr double kBudgetMs = 50;

// SHA-512 crypt with three million rounds: about a second of work for any password.
const std::string kShadow = "alice:$6$rounds=3000000$slowslowslow$" + std::string(86, 'x') + ":19000:0:99999:7:::\n";

BusPtr connect() {
  sd_bus* raw = nullptr;
  assert_true(sd_bus_open_system(&raw) >= 0);
  return BusPtr(raw);
}

// A status query as pam_sspr makes it at login: a new connection, one call. Milliseconds.
double status_ms() {
  const auto start = std::chrono::steady_clock::now();
  BusPtr bus = connect();
  BusError error;
  sd_bus_message* reply = nullptr;
  const int r = sd_bus_call_method(bus.get(), bus::kServiceName, bus::kManagerPath, bus::kManagerInterface,
                                   "GetRegistrationStatus", error.get(), &reply, "s", "bob");
  sd_bus_message_unref(reply);
  assert_true(r >= 0);
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

struct SlowCall {
  BusPtr bus;
  bool answered = false;
  std::string error;  // the error name, or "" for success
};

int on_reply(sd_bus_message* m, void* userdata, sd_bus_error*) noexcept {
  auto* call = static_cast<SlowCall*>(userdata);
  call->answered = true;
  if (sd_bus_message_is_method_error(m, nullptr)) call->error = sd_bus_message_get_error(m)->name;
  return 0;
}

// Whatever has arrived on the slow call's connection is handled; nothing is waited for.
void poll(SlowCall& call) {
  while (sd_bus_process(call.bus.get(), nullptr) > 0) {
  }
}

void wait_for(SlowCall& call) {
  while (!call.answered) {
    poll(call);
    if (!call.answered) assert_true(sd_bus_wait(call.bus.get(), 30'000'000) >= 0);
  }
}

// Starts `member(args)` on a connection of its own and lets it reach ssprd.
template <class... Args>
void start(SlowCall& call, const char* member, const char* signature, Args... args) {
  call.bus = connect();
  assert_true(sd_bus_call_method_async(call.bus.get(), nullptr, bus::kServiceName, bus::kManagerPath,
                                       bus::kManagerInterface, member, on_reply, &call, signature, args...) >= 0);
  assert_true(sd_bus_flush(call.bus.get()) >= 0);
}

void expect_status_in_budget(SlowCall& slow, const char* what) {
  // Several queries, so that one lucky answer cannot hide a loop that is blocked most of the time.
  for (int i = 0; i < 5; ++i) {
    const double ms = status_ms();
    if (ms > kBudgetMs) std::fprintf(stderr, "%s: a status query took %.1f ms\n", what, ms);
    assert_true(ms <= kBudgetMs);
  }
  poll(slow);
  assert_false(slow.answered);  // the slow path was still under way all along
}

dt::SilentListener* silent = nullptr;

int group_setup(void**) {
  static dt::SilentListener listener;
  silent = &listener;
  std::string error;
  static std::unique_ptr<TestBed> holder = TestBed::create(error);
  if (!holder) return std::fprintf(stderr, "test bed: %s\n", error.c_str()), -1;
  bed = holder.get();
  mkdir((bed->dir() + "/etc").c_str(), 0755);
  write_file(bed->dir() + "/etc/shadow", kShadow, 0640);
  bed->write_config(std::string(kStandardConfig) +
                    "[email]\nfrom = sspr@example.com\nrequire_starttls = no\ntimeout_seconds = 3\n"
                    "smtp_url = smtp://127.0.0.1:" + std::to_string(silent->port()) +
                    "\n[reset]\nshadow_directory = " + bed->dir() + "/etc\n");
  if (!bed->start_ssprd(error)) return std::fprintf(stderr, "ssprd: %s\n", error.c_str()), -1;
  return 0;
}

}  // namespace

static void test_a_slow_password_check(void**) {
  SlowCall slow;
  start(slow, "StepUp", "sss", "alice", "password", "not-her-password");
  expect_status_in_budget(slow, "password check");
  wait_for(slow);
  assert_str(slow.error, "io.sspr.reset1.Error.BadCode");
}

static void test_hashing_security_answers(void**) {
  // The offered questions, then as many answers (Argon2id, one hash each) as are asked for.
  BusPtr bus = connect();
  BusError error;
  sd_bus_message* raw = nullptr;
  assert_true(sd_bus_call_method(bus.get(), bus::kServiceName, bus::kManagerPath, bus::kManagerInterface,
                                 "GetSecurityQuestions", error.get(), &raw, "") >= 0);
  MessagePtr pool(raw);
  std::vector<std::string> questions;
  assert_true(sd_bus_message_enter_container(pool.get(), 'a', "s") >= 0);
  const char* q = nullptr;
  while (sd_bus_message_read(pool.get(), "s", &q) > 0) questions.emplace_back(q);
  assert_true(sd_bus_message_exit_container(pool.get()) >= 0);
  uint32_t count = 0;
  assert_true(sd_bus_message_read(pool.get(), "u", &count) >= 0);
  assert_true(count >= 1 && questions.size() >= count);

  SlowCall slow;
  slow.bus = connect();
  assert_true(sd_bus_message_new_method_call(slow.bus.get(), &raw, bus::kServiceName, bus::kManagerPath,
                                             bus::kManagerInterface, "SetSecurityQuestions") >= 0);
  MessagePtr request(raw);
  assert_true(sd_bus_message_append(request.get(), "s", "alice") >= 0);
  assert_true(sd_bus_message_open_container(request.get(), 'a', "(ss)") >= 0);
  for (uint32_t i = 0; i < count; ++i)
    assert_true(sd_bus_message_append(request.get(), "(ss)", questions[i].c_str(), ("answer number " + std::to_string(i)).c_str()) >= 0);
  assert_true(sd_bus_message_close_container(request.get()) >= 0);
  assert_true(sd_bus_call_async(slow.bus.get(), nullptr, request.get(), on_reply, &slow, 0) >= 0);
  assert_true(sd_bus_flush(slow.bus.get()) >= 0);
  // A few answers take a few tenths of a second: enough for the queries, not more.
  for (int i = 0; i < 3; ++i) assert_true(status_ms() <= kBudgetMs);
  wait_for(slow);
  assert_str(slow.error, "");  // root set them for alice
}

static void test_a_mail_server_that_never_answers(void**) {
  SlowCall slow;
  start(slow, "BeginContact", "sss", "alice", "email", "alice@example.com");
  expect_status_in_budget(slow, "hung mail server");
  wait_for(slow);  // the delivery gives up after [email] timeout_seconds
  assert_str(slow.error, "io.sspr.reset1.Error.DeliveryFailed");
}

int main() {
  if (geteuid() != 0) {
    std::fprintf(stderr, "SKIP: the shipped bus policy lets only root own io.sspr.reset1; run as root\n");
    return 77;
  }
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_a_slow_password_check),
      cmocka_unit_test(test_hashing_security_answers),
      cmocka_unit_test(test_a_mail_server_that_never_answers),
  };
  return cmocka_run_group_tests(tests, group_setup, nullptr);
}
