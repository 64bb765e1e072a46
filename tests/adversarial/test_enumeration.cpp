// Attack (issue 11, item 5): which accounts exist, and who is an administrator, read off the
// replies of a reset. A network client at the login prompt (root's pam_sspr, its remote host)
// starts resets for a registered user, a registered administrator, an account that registered
// nothing, a locked account and a name that does not exist, and compares everything it gets:
// the shape of StartReset (each shows a registration, one method to prove at the start — an
// administrator's second is asked after the first), that a name shows the same every time, the
// refusal of a wrong proof and the block after five, word for word. The timing is
// bench_enumeration's (decoy/real within 0.9-1.1, bench/README.md). The registered users still
// reset as before.
#include "cmocka.hpp"
#include "manager_calls.hpp"
#include "process.hpp"
#include "reset_conn.hpp"
#include "testbed.hpp"

#include <cstdio>
#include <cstring>
#include <string>
#include <unistd.h>

using namespace sspr;
using namespace sspr::test;

namespace {

TestBed* bed = nullptr;
std::vector<std::string> alice_codes, frank_codes;
const char* const kNames[] = {"alice", "frank", "bob", "lena", "nosuchuser"};
const std::string kHost = "198.51.100.23";

int group_setup(void**) {
  if (!(bed = TestBed::shared("root:*:19000:0:99999:7:::\nalice:$y$j9T$alice$hash:19000:0:99999:7:::\n"
                              "frank:$y$j9T$frank$hash:19000:0:99999:7:::\nbob:$y$j9T$bob$hash:19000:0:99999:7:::\n"
                              "lena:!$y$j9T$lena$hash:19000:0:99999:7:::\n")))
    return -1;
  std::string error;
  bed->write_config("[registration]\ncooling_off_hours = 0\n[email]\nfrom = sspr@example.com\n[reset]\nshadow_directory = " +
                    bed->dir() + "/etc\nfaillock_directory =\n");
  if (!bed->start_ssprd(error)) return std::fprintf(stderr, "ssprd: %s\n", error.c_str()), -1;
  alice_codes = regenerate_recovery_codes("alice");
  frank_codes = regenerate_recovery_codes("frank");  // frank is in the admin group sudo
  if (regenerate_recovery_codes("lena").size() != 10) return -1;  // locked: registered, never reset
  return alice_codes.size() == 10 && frank_codes.size() == 10 ? 0 : -1;
}

// What a probe of `name` sees: the shape of the start (methods count, and the kinds of method
// shown), and, for the first method, the refusal of a wrong proof with its words.
std::string probe(const std::string& name) {
  ResetConn c;
  const auto shown = c.start(name, kHost);
  const auto refused = c.fail_first_method();
  return "required" + shown.substr(shown.rfind('|')) + " " + refused + " \"" + c.last_message + "\"";
}

}  // namespace

static void test_every_name_looks_the_same(void**) {
  for (const char* name : kNames) {
    // A registration shown, the same one every time.
    ResetConn first, second;
    const auto shown = first.start(name, kHost);
    assert_string_equal(second.start(name, kHost).c_str(), shown.c_str());
    assert_false(first.methods.empty());
    assert_string_equal(probe(name).c_str(),
                        "required|1 ERROR io.sspr.reset1.Error.BadCode \"The code is not correct.\"");
  }
}

static void test_the_block_reads_the_same_for_every_name(void**) {
  // Four more wrong proofs each (five with the probe above): the fifth blocks, in the same words.
  std::string first_notice;
  for (const char* name : kNames) {
    ResetConn c;
    c.start(name, kHost);
    for (int i = 0; i < 3; ++i) assert_string_equal(c.fail_first_method().c_str(), "ERROR io.sspr.reset1.Error.BadCode");
    assert_string_equal(c.fail_first_method().c_str(), "ERROR io.sspr.reset1.Error.RateLimited");
    if (first_notice.empty()) first_notice = c.last_message;
    assert_string_equal(c.last_message.c_str(), first_notice.c_str());
    ResetConn again;
    assert_string_equal(again.start(name, kHost).c_str(), "ERROR io.sspr.reset1.Error.RateLimited");
  }
  assert_non_null(std::strstr(first_notice.c_str(), "Password reset is blocked for this account from here for another "));
}

static void test_the_registered_still_reset_an_admin_with_a_second_proof(void**) {
  ResetConn alice;  // from her own machine
  assert_string_equal(alice.start("alice", "192.0.2.10").c_str(), "|recovery_codes,|1");
  assert_string_equal(alice.verify("recovery_codes", alice_codes[0]).c_str(), "verified 0");
  // frank, an administrator, proves one method as everyone; the second is asked after it.
  ResetConn frank;
  assert_string_equal(frank.start("frank", "192.0.2.11").c_str(), "|recovery_codes,|1");
  assert_string_equal(frank.verify("recovery_codes", frank_codes[0]).c_str(), "not yet 1");
  assert_string_equal(frank.set_password("Quiet-Harbor-7261").c_str(), "ERROR io.sspr.reset1.Error.NotPermitted");
}

int main() {
  if (geteuid() != 0) {
    std::fprintf(stderr, "SKIP: the private bus with the shipped policy needs root\n");
    return 77;
  }
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_every_name_looks_the_same),
      cmocka_unit_test(test_the_block_reads_the_same_for_every_name),
      cmocka_unit_test(test_the_registered_still_reset_an_admin_with_a_second_proof),
  };
  return cmocka_run_group_tests(tests, group_setup, nullptr);
}
