// Attack (issue 11, item 3): any local user disables reset for everyone. The attacker starts
// resets on connections it closes at once, or keeps many open, hoping to fill ssprd's table of
// sessions so that every StartReset, root's from pam_sspr at the login prompt included, is
// refused. Each must fail for the attacker while root's reset still starts.
#include "bus_names.hpp"
#include "cmocka.hpp"
#include "handle.hpp"
#include "process.hpp"
#include "run_as.hpp"
#include "testbed.hpp"

#include <cstdio>
#include <string>
#include <thread>
#include <sys/stat.h>
#include <unistd.h>

using namespace sspr;
using namespace sspr::test;

namespace {

TestBed* bed = nullptr;

// StartReset for `user` on `bus`: "ok" or "ERROR <name>|<message>".
std::string start_reset(sd_bus* bus, const char* user, const char* remote_host = "") {
  BusError error;
  sd_bus_message* raw = nullptr;
  if (sd_bus_call_method(bus, bus::kServiceName, bus::kManagerPath, bus::kManagerInterface, "StartReset", error.get(),
                         &raw, "ss", user, remote_host) < 0)
    return std::string("ERROR ") + error.name() + "|" + error.message();
  sd_bus_message_unref(raw);
  return "ok";
}

std::string start_reset_on_a_new_connection(const char* user, const char* remote_host = "") {
  sd_bus* raw = nullptr;
  if (sd_bus_open_system(&raw) < 0) return "no bus";
  BusPtr bus(raw);
  return start_reset(bus.get(), user, remote_host);
}

int group_setup(void**) {
  if (!(bed = TestBed::shared("root:*:19000:0:99999:7:::\nalice:$y$j9T$old$hash:19000:0:99999:7:::\n"))) return -1;
  std::string error;
  bed->write_config("[reset]\nshadow_directory = " + bed->dir() + "/etc\n");
  if (!bed->start_ssprd(error)) return std::fprintf(stderr, "ssprd: %s\n", error.c_str()), -1;
  return 0;
}

}  // namespace

// Resets sent on connections closed before the answer: none may outlive its caller, so none
// counts against anybody. (Had any lingered, the flooding uid itself would now be at its limit
// of live sessions: more calls than that limit are sent.)
static void test_resets_of_callers_that_left_leave_nothing_behind(void**) {
  const auto out = run_as(1002, 1002, [] {
    for (int i = 0; i < 200; ++i) {
      sd_bus* raw = nullptr;
      if (sd_bus_open_system(&raw) < 0) return std::string("no bus");
      BusPtr bus(raw);
      if (sd_bus_call_method_async(bus.get(), nullptr, bus::kServiceName, bus::kManagerPath, bus::kManagerInterface,
                                   "StartReset", nullptr, nullptr, "ss", "alice", "") < 0 ||
          sd_bus_flush(bus.get()) < 0)
        return std::string("cannot send");
    }  // each connection closes here, its call unanswered
    return std::string("sent");
  });
  assert_string_equal(out.c_str(), "sent");
  // ssprd has read them all once it answers this (one queue, in order): root's reset starts.
  assert_string_equal(start_reset_on_a_new_connection("alice").c_str(), "ok");
  // And the flooding uid itself is not locked out either.
  assert_string_equal(run_as(1002, 1002, [] { return start_reset_on_a_new_connection("alice"); }).c_str(), "ok");
}

// One uid keeping its connection, and so its sessions, open: it reaches its own limit, with
// words that say so, long before anybody else's resets are refused.
static void test_one_uid_cannot_hold_every_session(void**) {
  int filled[2], release[2];
  assert_int_equal(pipe(filled), 0);
  assert_int_equal(pipe(release), 0);
  std::string attacker;
  std::thread child([&] {
    attacker = run_as(1002, 1002, [&] {
      sd_bus* raw = nullptr;
      if (sd_bus_open_system(&raw) < 0) return std::string("no bus");
      BusPtr bus(raw);
      std::string refused;
      int started = 0;
      for (int i = 0; i < 2000 && refused.empty(); ++i) {
        const auto r = start_reset(bus.get(), "alice");
        if (r == "ok")
          ++started;
        else
          refused = r;
      }
      // The sessions stay open until the test has tried root's reset.
      char c = 'x';
      if (write(filled[1], &c, 1) != 1 || read(release[0], &c, 1) != 1) return std::string("pipe");
      return std::to_string(started) + "\n" + refused;
    });
  });
  char c = 0;
  const bool child_filled = read(filled[0], &c, 1) == 1;
  // While the attacker's sessions are open, root's reset (pam_sspr at a login prompt) starts.
  const auto root = child_filled ? start_reset_on_a_new_connection("alice") : "the attacker did not finish";
  c = 'x';
  assert_int_equal(write(release[1], &c, 1), 1);
  child.join();
  for (int fd : {filled[0], filled[1], release[0], release[1]}) close(fd);
  assert_string_equal(root.c_str(), "ok");
  assert_string_equal(attacker.c_str(),
                      "16\nERROR io.sspr.reset1.Error.TooManySessions|Too many password resets are under way. "
                      "Finish or cancel one, or try again in a few minutes.");
}

// The same from the network: a client at the SSH login prompt opens one connection after
// another and leaves each at the reset dialogue (root's pam_sspr holds a session for each).
// Its host gets its share, no more; a login from another host still starts.
static void test_one_remote_host_cannot_hold_every_session(void**) {
  sd_bus* raw = nullptr;
  assert_true(sd_bus_open_system(&raw) >= 0);
  BusPtr bus(raw);  // one connection plays all the attacker's logins: root is not an origin
  int started = 0;
  std::string refused;
  for (int i = 0; i < 2000 && refused.empty(); ++i) {
    const auto r = start_reset(bus.get(), "alice", "203.0.113.66");
    if (r == "ok")
      ++started;
    else
      refused = r;
  }
  assert_int_equal(started, 16);
  assert_string_equal(refused.c_str(), "ERROR io.sspr.reset1.Error.TooManySessions|Too many password resets are under way. "
                                       "Finish or cancel one, or try again in a few minutes.");
  assert_string_equal(start_reset_on_a_new_connection("alice", "198.51.100.1").c_str(), "ok");
  assert_string_equal(start_reset_on_a_new_connection("alice").c_str(), "ok");  // the console
}

int main() {
  if (!root_or_skip()) return 77;
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_resets_of_callers_that_left_leave_nothing_behind),
      cmocka_unit_test(test_one_uid_cannot_hold_every_session),
      cmocka_unit_test(test_one_remote_host_cannot_hold_every_session),
  };
  return cmocka_run_group_tests(tests, group_setup, nullptr);
}
