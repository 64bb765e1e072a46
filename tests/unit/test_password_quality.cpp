// New-password checks: libpwquality with a given configuration, and sspr's own rules, each
// refusal with the exact reason the user sees.
#include "cmocka.hpp"
#include "password_quality.hpp"

using namespace sspr;
using namespace sspr::daemon;

namespace {

std::string dir;
QualityOptions options;

int setup(void**) {
  char tmpl[] = "/tmp/sspr-quality-test-XXXXXX";
  dir = mkdtemp(tmpl);
  std::ofstream(dir + "/pwquality.conf") << "minlen = 10\nminclass = 3\ndictcheck = 0\nusercheck = 1\n";
  std::ofstream(dir + "/banned") << "# company words\nacme\nWidget\nab\n";
  options = {dir + "/pwquality.conf", dir + "/banned"};
  return 0;
}

int teardown(void**) {
  std::filesystem::remove_all(dir);
  return 0;
}

std::string why(const char* password, const char* user = "alice", const char* old = nullptr) {
  Secret old_secret(old ? old : "");
  const auto v = check_password_quality(Secret(password), user, old ? &old_secret : nullptr, options);
  return v.ok ? "ok" : v.reason;
}

}  // namespace

static void test_good_password(void**) { assert_str(why("Tr4vel-Plans-2026"), "ok"); }

static void test_pwquality_rules_with_their_messages(void**) {
  assert_str(why("Sh0rt-1"), "The password is shorter than 10 characters.");
  assert_str(why("alllowercaseletters"), "The password contains less than 3 character classes.");
}

static void test_sspr_rules(void**) {
  assert_str(why("Alice"), "The password must not be your user name.");
  assert_str(why("Tr4vel-Plans-2026", "alice", "Tr4vel-Plans-2026"), "The new password must differ from the current one.");
  assert_str(why(""), "The password must not be empty.");
  assert_str(why(std::string(513, 'a').c_str()), "The password is longer than 512 characters.");
  assert_str(why("My-ACME-Pass-99"), "The password contains a word that is not allowed here (\"acme\").");
  assert_str(why("Super-wIdGet-77"), "The password contains a word that is not allowed here (\"widget\").");
  assert_str(why("Tr4vel-ab-Plans-26"), "ok");  // words shorter than 4 characters are ignored
}

static void test_missing_policy_files_fail_closed(void**) {
  const auto saved = options;
  options.pwquality_config = dir + "/missing.conf";
  assert_str(why("Tr4vel-Plans-2026"), "The password policy could not be loaded. Please contact your administrator.");
  options = saved;
  options.banned_words_file = dir + "/missing";
  assert_str(why("Tr4vel-Plans-2026"), "The password policy could not be loaded. Please contact your administrator.");
  options = saved;
}

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_good_password),
      cmocka_unit_test(test_pwquality_rules_with_their_messages),
      cmocka_unit_test(test_sspr_rules),
      cmocka_unit_test(test_missing_policy_files_fail_closed),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
