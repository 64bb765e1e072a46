// login.defs: the hashing method and cost, with shadow-utils' syntax and pam_unix's clamps;
// DES, MD5 and anything unknown become yescrypt with a warning.
#include "cmocka.hpp"
#include "backend/login_defs.hpp"

#include <sys/stat.h>

using namespace sspr::daemon::backend;

namespace {

const std::string kFixtures = SSPR_SOURCE_DIR "/tests/data/shadow/";

void expect_policy(const LoginDefs& d, HashMethod method, unsigned long cost, unsigned long rounds) {
  assert_int_equal(static_cast<int>(d.policy.method), static_cast<int>(method));
  assert_int_equal(d.policy.yescrypt_cost, cost);
  assert_int_equal(d.policy.sha_rounds, rounds);
}

void expect_warnings(const LoginDefs& d, const std::vector<std::string>& expected) {
  assert_int_equal(d.warnings.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) assert_str(d.warnings[i], expected[i]);
}

}  // namespace

static void test_defaults(void**) {
  const auto d = parse_login_defs("# nothing set\nMAIL_DIR /var/mail\n");
  expect_policy(d, HashMethod::yescrypt, 5, 0);
  expect_warnings(d, {});
  // A key with no value is as if unset (getdef ignores it too).
  expect_policy(parse_login_defs("ENCRYPT_METHOD\n"), HashMethod::yescrypt, 5, 0);
  assert_str(hash_prefix(HashMethod::yescrypt), "$y$");
  assert_str(hash_prefix(HashMethod::sha512), "$6$");
}

static void test_methods(void**) {
  expect_policy(parse_login_defs("ENCRYPT_METHOD SHA512\n"), HashMethod::sha512, 5, 0);
  expect_policy(parse_login_defs("ENCRYPT_METHOD sha512"), HashMethod::sha512, 5, 0);  // no final newline
  expect_policy(parse_login_defs("  ENCRYPT_METHOD\t\"YESCRYPT\"  \n"), HashMethod::yescrypt, 5, 0);
  // The last occurrence wins, as in shadow-utils' getdef; comments never count.
  expect_policy(parse_login_defs("ENCRYPT_METHOD SHA512\nENCRYPT_METHOD YESCRYPT\n#ENCRYPT_METHOD DES\n"),
                HashMethod::yescrypt, 5, 0);
  expect_policy(parse_login_defs("ENCRYPT_METHOD YESCRYPT\nENCRYPT_METHOD SHA512\n"), HashMethod::sha512, 5, 0);
}

static void test_weak_and_unknown_methods_fall_back(void**) {
  auto d = parse_login_defs("ENCRYPT_METHOD DES\n");
  expect_policy(d, HashMethod::yescrypt, 5, 0);
  expect_warnings(d, {"login.defs: ENCRYPT_METHOD 'DES' is too weak to protect a password; using YESCRYPT"});
  d = parse_login_defs("ENCRYPT_METHOD md5\n");
  expect_policy(d, HashMethod::yescrypt, 5, 0);
  expect_warnings(d, {"login.defs: ENCRYPT_METHOD 'md5' is too weak to protect a password; using YESCRYPT"});
  d = parse_login_defs("ENCRYPT_METHOD SHA256\nSHA_CRYPT_MIN_ROUNDS 5000\n");
  expect_policy(d, HashMethod::yescrypt, 5, 5000);
  expect_warnings(d, {"login.defs: ENCRYPT_METHOD 'SHA256' is a legacy method in libxcrypt; using YESCRYPT"});
  d = parse_login_defs("ENCRYPT_METHOD BCRYPT\n");
  expect_policy(d, HashMethod::yescrypt, 5, 0);
  expect_warnings(d, {"login.defs: ENCRYPT_METHOD 'BCRYPT' is not a method sspr supports; using YESCRYPT"});
  d = parse_login_defs("ENCRYPT_METHOD \"\"\n");
  expect_warnings(d, {"login.defs: ENCRYPT_METHOD '' is not a method sspr supports; using YESCRYPT"});
  // Untrusted text is escaped before it reaches a log line.
  d = parse_login_defs("ENCRYPT_METHOD SHA512\x1b[2J\n");
  expect_policy(d, HashMethod::yescrypt, 5, 0);
  expect_warnings(d, {"login.defs: ENCRYPT_METHOD 'SHA512\\x1b[2J' is not a method sspr supports; using YESCRYPT"});
}

static void test_yescrypt_cost_matrix(void**) {
  struct Case {
    const char* text;
    unsigned long cost;
    const char* warning;
  };
  const Case cases[] = {
      {"", 5, nullptr},
      {"YESCRYPT_COST_FACTOR 0\n", 3, "login.defs: YESCRYPT_COST_FACTOR 0 is outside 3..11; using 3"},
      {"YESCRYPT_COST_FACTOR 1\n", 3, "login.defs: YESCRYPT_COST_FACTOR 1 is outside 3..11; using 3"},
      {"YESCRYPT_COST_FACTOR 3\n", 3, nullptr},
      {"YESCRYPT_COST_FACTOR 5\n", 5, nullptr},
      {"YESCRYPT_COST_FACTOR 11\n", 11, nullptr},
      {"YESCRYPT_COST_FACTOR 12\n", 11, "login.defs: YESCRYPT_COST_FACTOR 12 is outside 3..11; using 11"},
      {"YESCRYPT_COST_FACTOR abc\n", 5, "login.defs: YESCRYPT_COST_FACTOR 'abc' is not a number; using 5"},
      {"YESCRYPT_COST_FACTOR -4\n", 5, "login.defs: YESCRYPT_COST_FACTOR '-4' is not a number; using 5"},
      {"YESCRYPT_COST_FACTOR 99999999999999999999\n", 5,
       "login.defs: YESCRYPT_COST_FACTOR '99999999999999999999' is not a number; using 5"},
  };
  for (const auto& c : cases) {
    const auto d = parse_login_defs(std::string("ENCRYPT_METHOD YESCRYPT\n") + c.text);
    expect_policy(d, HashMethod::yescrypt, c.cost, 0);
    expect_warnings(d, c.warning ? std::vector<std::string>{c.warning} : std::vector<std::string>{});
  }
}

static void test_sha_rounds(void**) {
  expect_policy(parse_login_defs("ENCRYPT_METHOD SHA512\nSHA_CRYPT_MIN_ROUNDS 6000\n"), HashMethod::sha512, 5, 6000);
  expect_policy(parse_login_defs("ENCRYPT_METHOD SHA512\nSHA_CRYPT_MAX_ROUNDS 7000\n"), HashMethod::sha512, 5, 7000);
  expect_policy(parse_login_defs("ENCRYPT_METHOD SHA512\nSHA_CRYPT_MIN_ROUNDS 6000\nSHA_CRYPT_MAX_ROUNDS 9000\n"),
                HashMethod::sha512, 5, 6000);
  auto d = parse_login_defs("ENCRYPT_METHOD SHA512\nSHA_CRYPT_MIN_ROUNDS 10\n");
  expect_policy(d, HashMethod::sha512, 5, 1000);
  expect_warnings(d, {"login.defs: SHA_CRYPT_MIN_ROUNDS 10 is below 1000; using 1000"});
  d = parse_login_defs("ENCRYPT_METHOD SHA512\nSHA_CRYPT_MIN_ROUNDS lots\nSHA_CRYPT_MAX_ROUNDS 8000\n");
  expect_policy(d, HashMethod::sha512, 5, 8000);
  expect_warnings(d, {"login.defs: SHA_CRYPT_MIN_ROUNDS 'lots' is not a number; ignored"});
}

static void test_read_files(void**) {
  auto d = read_login_defs(kFixtures + "login.defs.yescrypt");
  expect_policy(d, HashMethod::yescrypt, 7, 6000);
  expect_warnings(d, {});
  d = read_login_defs(kFixtures + "login.defs.sha512");
  expect_policy(d, HashMethod::sha512, 9, 6000);
  d = read_login_defs(kFixtures + "login.defs.des");
  expect_policy(d, HashMethod::yescrypt, 5, 0);
  expect_warnings(d, {"login.defs: ENCRYPT_METHOD 'DES' is too weak to protect a password; using YESCRYPT"});
  d = read_login_defs(kFixtures + "login.defs.md5");
  expect_policy(d, HashMethod::yescrypt, 4, 0);
  expect_warnings(d, {"login.defs: ENCRYPT_METHOD 'MD5' is too weak to protect a password; using YESCRYPT"});
  // Missing: the defaults, silently. Unreadable (here: a directory): the defaults, said so.
  d = read_login_defs(kFixtures + "no-such-login.defs");
  expect_policy(d, HashMethod::yescrypt, 5, 0);
  expect_warnings(d, {});
  d = read_login_defs(kFixtures);
  expect_policy(d, HashMethod::yescrypt, 5, 0);
  expect_warnings(d, {"cannot read " + kFixtures + " (Invalid argument); using YESCRYPT with cost 5"});
}

int main() {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_defaults),
                                     cmocka_unit_test(test_methods),
                                     cmocka_unit_test(test_weak_and_unknown_methods_fall_back),
                                     cmocka_unit_test(test_yescrypt_cost_matrix),
                                     cmocka_unit_test(test_sha_rounds),
                                     cmocka_unit_test(test_read_files)};
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
