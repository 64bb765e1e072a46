// Attack (issue 11, item 2): a reset unlocks what the administrator locked. Security info is
// registered for accounts an administrator has locked (passwd -l: "!" before the hash), never
// gave a password ("!"), disabled for password logins ("*"), or let expire (shadow field 8);
// then their reset is tried with a valid recovery code. Each must look like an unknown user's
// reset, write nothing, clear nothing, and be audited with the reason; an ordinary account's
// reset still works.
#include "cmocka.hpp"
#include "manager_calls.hpp"
#include "process.hpp"
#include "reset_conn.hpp"
#include "testbed.hpp"

#include <cstdio>
#include <cstring>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

using namespace sspr;
using namespace sspr::test;

namespace {

TestBed* bed = nullptr;

// alice: an ordinary account (the control); lena locked by passwd -l, bob never given a
// password, gina disabled for password logins, hank expired in 1970.
const std::string kShadow =
    "root:*:19000:0:99999:7:::\n"
    "alice:$y$j9T$alice$hash:19000:0:99999:7:::\n"
    "lena:!$y$j9T$lena$hash:19000:0:99999:7:::\n"
    "bob:!:19000:0:99999:7:::\n"
    "gina:*:19000:0:99999:7:::\n"
    "hank:$y$j9T$hank$hash:19000:0:99999:7::100:\n";

std::string shadow() { return read_file(bed->dir() + "/etc/shadow"); }

int group_setup(void**) {
  if (!(bed = TestBed::shared(kShadow))) return -1;
  std::string error;
  mkdir((bed->dir() + "/faillock").c_str(), 0755);
  for (const char* user : {"lena", "bob", "gina", "hank"})
    write_file(bed->dir() + "/faillock/" + user, std::string(64, '\1'), 0600);  // tallies pam_faillock left
  bed->write_config("[registration]\ncooling_off_hours = 0\n[reset]\nshadow_directory = " + bed->dir() +
                    "/etc\nfaillock_directory = " + bed->dir() + "/faillock\n");
  if (!bed->start_ssprd(error)) return std::fprintf(stderr, "ssprd: %s\n", error.c_str()), -1;
  return 0;
}

}  // namespace

static void test_a_locked_account_cannot_be_reset(void**) {
  for (const char* user : {"lena", "bob", "gina", "hank"}) {
    const auto codes = regenerate_recovery_codes(user);  // as root: the registration itself works
    assert_int_equal(codes.size(), 10);
    ResetConn attacker;
    // The same shape as an unknown name's reset: a decoy registration of its own, one method.
    const auto shown = attacker.start(user);
    assert_string_equal(shown.substr(shown.size() - 2).c_str(), "|1");
    assert_string_equal(ResetConn().start(user).c_str(), shown.c_str());
    // The registered, valid code proves nothing (refused as a wrong one, or as a method the
    // decoy does not show).
    const auto with_code = attacker.verify("recovery_codes", codes[0]);
    assert_true(with_code == "ERROR io.sspr.reset1.Error.BadCode" || with_code == "ERROR io.sspr.reset1.Error.NotEnrolled");
    assert_string_equal(attacker.set_password("Taken-Over-Pass-1").c_str(), "ERROR io.sspr.reset1.Error.NotPermitted");
    // Nothing written, nothing cleared.
    assert_string_equal(shadow().c_str(), kShadow.c_str());
    assert_int_equal(access((bed->dir() + "/faillock/" + user).c_str(), F_OK), 0);
  }
  // The audit says why, for each.
  const auto audit = read_file(bed->audit_log());
  for (const char* why : {"\"user\":\"lena\"", "\"user\":\"bob\"", "\"user\":\"gina\"", "\"user\":\"hank\""})
    assert_non_null(std::strstr(audit.c_str(), why));
  assert_non_null(std::strstr(audit.c_str(), "the account is locked"));
  assert_non_null(std::strstr(audit.c_str(), "the account has expired"));
}

static void test_an_ordinary_account_still_resets(void**) {
  const auto codes = regenerate_recovery_codes("alice");
  assert_int_equal(codes.size(), 10);
  ResetConn owner;
  assert_string_equal(owner.start("alice").c_str(), "|recovery_codes,|1");
  assert_string_equal(owner.verify("recovery_codes", codes[0]).c_str(), "verified 0");
  assert_string_equal(owner.set_password("Brand-New-Pass-4711").c_str(), "ok");
  assert_null(std::strstr(shadow().c_str(), "alice:$y$j9T$alice$hash:"));  // alice's line was rewritten
  for (const char* line : {"lena:!$y$j9T$lena$hash:", "bob:!:", "gina:*:", "hank:$y$j9T$hank$hash:"})
    assert_non_null(std::strstr(shadow().c_str(), line));  // and only hers
}

int main() {
  if (!root_or_skip()) return 77;
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_a_locked_account_cannot_be_reset),
      cmocka_unit_test(test_an_ordinary_account_still_resets),
  };
  return cmocka_run_group_tests(tests, group_setup, nullptr);
}
