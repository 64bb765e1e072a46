// Attack (issue 11, item 4): the throttle turned against the user. Wrong codes sent on purpose
// for alice's reset — by other local uids, and by a network client at the login prompt (root's
// pam_sspr with the client's host) — used to block her reset, her password change with the
// right password and her step-up, for 24 hours, again and again. Failures now count per user
// and origin and block only that origin; a ceiling across origins (5 origins' worth) blocks the
// reset for everyone, and even then her change with the right password goes through. Each
// block says what it stops and from where.
#include "bus_names.hpp"
#include "cmocka.hpp"
#include "handle.hpp"
#include "manager_calls.hpp"
#include "process.hpp"
#include "reset_conn.hpp"
#include "run_as.hpp"
#include "testbed.hpp"

#include <crypt.h>
#include <cstdio>
#include <cstring>
#include <string>
#include <unistd.h>

using namespace sspr;
using namespace sspr::test;

namespace {

TestBed* bed = nullptr;
constexpr uid_t kAlice = 1001;
std::vector<std::string> codes;
const std::string kFromHere = "Password reset is blocked for this account from here for another ";
const std::string kEverywhere = "Password reset is blocked for this account for another ";

std::string shadow() { return read_file(bed->dir() + "/etc/shadow"); }

int group_setup(void**) {
  const char* setting = crypt_gensalt("$y$", 0, nullptr, 0);
  const char* hashed = setting ? crypt("Alice-Password-1", setting) : nullptr;
  if (hashed == nullptr || hashed[0] != '$') return std::fprintf(stderr, "cannot hash alice's password\n"), -1;
  if (!(bed = TestBed::shared("root:*:19000:0:99999:7:::\nalice:" + std::string(hashed) + ":19000:0:99999:7:::\n")))
    return -1;
  std::string error;
  bed->write_config("[registration]\ncooling_off_hours = 0\n[reset]\nshadow_directory = " + bed->dir() + "/etc\n");
  if (!bed->start_ssprd(error)) return std::fprintf(stderr, "ssprd: %s\n", error.c_str()), -1;
  codes = regenerate_recovery_codes("alice");
  return codes.size() == 10 ? 0 : -1;
}

// Five wrong recovery codes for alice's reset on one connection: each outcome, and the last
// refusal's words, one per line.
std::string five_wrong_codes(const std::string& remote_host = "") {
  ResetConn attacker;
  std::string out = attacker.start("alice", remote_host) + "\n";
  for (int i = 0; i < 5; ++i) out += attacker.verify("recovery_codes", "AAAAA-AAAAA") + "\n";
  return out + attacker.last_message.substr(0, attacker.last_message.find(" for another ") + 13) + "\n";
}

// One call as alice on her own connection: "ok" or "ERROR <name>".
std::string as_alice(const char* member, const char* a, const char* b, const char* c) {
  return run_as(kAlice, kAlice, [=] {
    sd_bus* raw = nullptr;
    if (sd_bus_open_system(&raw) < 0) return std::string("no bus");
    BusPtr bus(raw);
    BusError error;
    sd_bus_message* reply = nullptr;
    const int r = sd_bus_call_method(bus.get(), bus::kServiceName, bus::kManagerPath, bus::kManagerInterface, member,
                                     error.get(), &reply, "sss", a, b, c);
    sd_bus_message_unref(reply);
    return r < 0 ? std::string("ERROR ") + error.name() : std::string("ok");
  });
}

// alice's own reset from her uid: proves with a recovery code, then cancels.
std::string alice_resets(int code) {
  return run_as(kAlice, kAlice, [code] {
    ResetConn alice;
    const auto started = alice.start("alice");
    if (started.rfind("ERROR", 0) == 0) return started + "|" + alice.last_message.substr(0, kEverywhere.size());
    return started + " " + alice.verify("recovery_codes", codes[static_cast<std::size_t>(code)]);
  });
}

const std::string kBlockedHere = "|recovery_codes,|1\n"
                                 "ERROR io.sspr.reset1.Error.BadCode\nERROR io.sspr.reset1.Error.BadCode\n"
                                 "ERROR io.sspr.reset1.Error.BadCode\nERROR io.sspr.reset1.Error.BadCode\n"
                                 "ERROR io.sspr.reset1.Error.RateLimited\n" +
                                 kFromHere + "\n";

}  // namespace

static void test_another_uid_blocks_only_itself(void**) {
  assert_string_equal(run_as(1003, 1003, [] { return five_wrong_codes(); }).c_str(), kBlockedHere.c_str());
  // The attacker stays blocked, whatever host it names (only root's is believed).
  assert_string_equal(run_as(1003, 1003, [] {
                        ResetConn again;
                        return again.start("alice", "elsewhere.example");
                      }).c_str(),
                      "ERROR io.sspr.reset1.Error.RateLimited");
  // alice is not: her reset, her step-up and her change with the right password all work.
  assert_string_equal(alice_resets(0).c_str(), "|recovery_codes,|1 verified 0");
  assert_string_equal(as_alice("StepUp", "", "password", "Alice-Password-1").c_str(), "ok");
}

static void test_a_network_client_blocks_only_its_host(void**) {
  assert_string_equal(five_wrong_codes("203.0.113.9").c_str(), kBlockedHere.c_str());
  ResetConn same_host;
  assert_string_equal(same_host.start("alice", "203.0.113.9").c_str(), "ERROR io.sspr.reset1.Error.RateLimited");
  ResetConn other_host;  // alice at the login prompt, from her own machine
  assert_string_equal(other_host.start("alice", "198.51.100.7").c_str(), "|recovery_codes,|1");
  assert_string_equal(other_host.verify("recovery_codes", codes[1]).c_str(), "verified 0");
}

static void test_the_ceiling_blocks_the_reset_but_never_the_change(void**) {
  // Ten failures so far (a uid, a host); three more uids with five each reach the ceiling of
  // 25 ([throttle] origins_per_user = 5): the reset is blocked for everyone, and says so.
  for (uid_t uid : {1004u, 1005u}) assert_string_equal(run_as(uid, uid, [] { return five_wrong_codes(); }).c_str(),
                                                       kBlockedHere.c_str());
  const auto last = run_as(1006, 1006, [] { return five_wrong_codes(); });
  assert_non_null(std::strstr(last.c_str(), ("\n" + kEverywhere + "\n").c_str()));
  assert_string_equal(alice_resets(2).c_str(), ("ERROR io.sspr.reset1.Error.RateLimited|" + kEverywhere).c_str());
  // The change with the right password is not a reset: it goes through.
  const auto before = shadow();
  assert_string_equal(as_alice("ChangePassword", "", "Alice-Password-1", "Quiet-Meadow-8412").c_str(), "ok");
  assert_true(shadow() != before);
  // An administrator ends the block, at every origin.
  assert_string_equal(call_manager("UnlockReset", {"alice"}).c_str(), "ok");
  assert_string_equal(alice_resets(3).c_str(), "|recovery_codes,|1 verified 0");
  ResetConn host;
  assert_string_equal(host.start("alice", "203.0.113.9").c_str(), "|recovery_codes,|1");
}

static void test_a_change_has_its_own_block_in_its_own_words(void**) {
  // Five wrong current passwords block changes (not resets, not the login), and say so.
  for (int i = 0; i < 5; ++i) as_alice("ChangePassword", "", "wrong-password", "Another-Meadow-5151");
  const auto text = run_as(kAlice, kAlice, [] {
    sd_bus* raw = nullptr;
    if (sd_bus_open_system(&raw) < 0) return std::string("no bus");
    BusPtr bus(raw);
    BusError error;
    sd_bus_message* reply = nullptr;
    sd_bus_call_method(bus.get(), bus::kServiceName, bus::kManagerPath, bus::kManagerInterface, "ChangePassword",
                       error.get(), &reply, "sss", "", "Quiet-Meadow-8412", "Another-Meadow-5151");
    sd_bus_message_unref(reply);
    return std::string(error.name() ? error.name() : "ok") + "|" + (error.message() ? error.message() : "");
  });
  assert_non_null(std::strstr(text.c_str(), "io.sspr.reset1.Error.ChangeBlocked|Too many wrong current passwords: "
                                            "password changes are blocked for another "));
  assert_non_null(std::strstr(text.c_str(), ". Your password still works for logging in."));
  assert_string_equal(alice_resets(4).c_str(), "|recovery_codes,|1 verified 0");
}

int main() {
  if (geteuid() != 0) {
    std::fprintf(stderr, "SKIP: real uids on the private bus need root\n");
    return 77;
  }
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_another_uid_blocks_only_itself),
      cmocka_unit_test(test_a_network_client_blocks_only_its_host),
      cmocka_unit_test(test_the_ceiling_blocks_the_reset_but_never_the_change),
      cmocka_unit_test(test_a_change_has_its_own_block_in_its_own_words),
  };
  return cmocka_run_group_tests(tests, group_setup, nullptr);
}
