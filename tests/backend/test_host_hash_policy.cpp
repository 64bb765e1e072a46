// The hash a reset writes is what passwd would write on the host: pam_unix's option in passwd's
// PAM stack (followed through @include, as Debian's common-password is), then login.defs; and
// never weaker than the user's current hash. Stacks are Debian 12's stock files.
#include "cmocka.hpp"
#include "backend/host_hash_policy.hpp"

#include <cstdlib>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

using namespace sspr::daemon::backend;

namespace {

std::string dir;

void write(const std::string& name, const std::string& text) {
  std::ofstream(dir + "/" + name) << text;
}

// Debian 12's /etc/pam.d/passwd and the common-password pam-auth-update writes.
const char* kPasswd = "#\n# The PAM configuration file for the Shadow `passwd' service\n#\n\n@include common-password\n\n";
const char* kCommonPassword =
    "# here are the per-package modules (the \"Primary\" block)\n"
    "password\t[success=1 default=ignore]\tpam_unix.so obscure yescrypt\n"
    "# here's the fallback if no module succeeds\n"
    "password\trequisite\t\t\tpam_deny.so\n"
    "password\trequired\t\t\tpam_permit.so\n";

LoginDefs stock_login_defs() { return parse_login_defs("ENCRYPT_METHOD SHA512\n"); }

int setup(void**) {
  char templ[] = "/tmp/sspr-hash-XXXXXX";
  if (mkdtemp(templ) == nullptr) return -1;
  dir = templ;
  return 0;
}
int teardown(void**) {
  for (const char* f : {"passwd", "common-password", "loop"}) unlink((dir + "/" + f).c_str());
  rmdir(dir.c_str());
  return 0;
}

}  // namespace

static void test_stock_debian_writes_yescrypt(void**) {
  write("passwd", kPasswd);
  write("common-password", kCommonPassword);
  const auto pam = read_pam_unix_hash(dir);
  assert_true(pam.found);
  assert_true(pam.method == HashMethod::yescrypt);
  assert_true(pam.warnings.empty());
  // login.defs says SHA512 on stock Debian 12, yet passwd writes $y$: pam_unix's option wins.
  const auto policy = combine_hash_policy(pam, stock_login_defs());
  assert_str(hash_prefix(policy.method), "$y$");
  assert_int_equal(policy.yescrypt_cost, 5);
}

static void test_without_an_option_login_defs_decides(void**) {
  write("passwd", kPasswd);
  write("common-password", "password [success=1 default=ignore] pam_unix.so obscure\npassword requisite pam_deny.so\n");
  const auto pam = read_pam_unix_hash(dir);
  assert_true(pam.found);
  assert_false(pam.method.has_value());
  assert_str(hash_prefix(combine_hash_policy(pam, stock_login_defs()).method), "$6$");
  // No stack at all: login.defs alone.
  unlink((dir + "/passwd").c_str());
  const auto none = read_pam_unix_hash(dir);
  assert_false(none.found);
  assert_str(hash_prefix(combine_hash_policy(none, stock_login_defs()).method), "$6$");
}

static void test_options_rounds_and_weak_methods(void**) {
  write("passwd", "-password  [default=ignore success=ok]  /lib/x86_64-linux-gnu/security/pam_unix.so sha512 rounds=65536 # x\n");
  auto pam = read_pam_unix_hash(dir);
  auto policy = combine_hash_policy(pam, parse_login_defs(""));
  assert_str(hash_prefix(policy.method), "$6$");
  assert_int_equal(policy.sha_rounds, 65536);
  write("passwd", "password required pam_unix.so yescrypt rounds=20\n");
  policy = combine_hash_policy(read_pam_unix_hash(dir), parse_login_defs(""));
  assert_int_equal(policy.yescrypt_cost, 11);  // pam_unix clamps the cost to 3..11
  write("passwd", "password required pam_unix.so md5\n");
  pam = read_pam_unix_hash(dir);
  assert_true(pam.method == HashMethod::yescrypt);
  assert_int_equal(pam.warnings.size(), 1);
  assert_str(pam.warnings[0], "pam_unix option 'md5' is not a method sspr writes; using yescrypt");
  // Only the password type counts, and only the first pam_unix line.
  write("passwd", "auth required pam_unix.so sha512\npassword required pam_unix.so yescrypt\npassword required pam_unix.so sha512\n");
  assert_true(read_pam_unix_hash(dir).method == HashMethod::yescrypt);
}

static void test_includes_are_bounded_and_stay_in_the_directory(void**) {
  write("loop", "@include loop\n");
  write("passwd", "@include loop\n@include ../shadow\n@include common-password\n");
  write("common-password", kCommonPassword);
  const auto pam = read_pam_unix_hash(dir);  // the loop ends, the path is refused, the rest is read
  assert_true(pam.found);
  assert_true(pam.method == HashMethod::yescrypt);
}

static void test_never_weaker_than_the_current_hash(void**) {
  HashPolicy sha;
  sha.method = HashMethod::sha512;
  assert_str(hash_prefix(never_weaker(sha, "$y$j9T$abcdefgh").method), "$y$");
  assert_str(hash_prefix(never_weaker(sha, "$6$salt").method), "$6$");
  assert_int_equal(never_weaker(sha, "$6$rounds=100000$salt").sha_rounds, 100000);
  sha.sha_rounds = 200000;
  assert_int_equal(never_weaker(sha, "$6$rounds=100000$salt").sha_rounds, 200000);
  HashPolicy yes;
  assert_str(hash_prefix(never_weaker(yes, "$6$salt").method), "$y$");  // stronger than now is fine
  assert_str(hash_prefix(never_weaker(yes, "").method), "$y$");
}

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_stock_debian_writes_yescrypt, setup, teardown),
      cmocka_unit_test_setup_teardown(test_without_an_option_login_defs_decides, setup, teardown),
      cmocka_unit_test_setup_teardown(test_options_rounds_and_weak_methods, setup, teardown),
      cmocka_unit_test_setup_teardown(test_includes_are_bounded_and_stay_in_the_directory, setup, teardown),
      cmocka_unit_test_setup_teardown(test_never_weaker_than_the_current_hash, setup, teardown),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
