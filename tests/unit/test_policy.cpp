// Who must register, and the reason given, for each rule of [registration].
#include "cmocka.hpp"
#include "policy.hpp"

using namespace sspr;
using namespace sspr::daemon;

static UserAccount user(const char* name, uid_t uid, std::vector<std::string> groups = {}) {
  return {name, uid, uid, std::move(groups)};
}

static Config config_all() {
  auto c = Config::defaults();
  c.required_for = RegistrationScope::all;
  c.exempt_users = {"carol"};
  c.exempt_groups = {"contractors"};
  return c;
}

static void expect(const Config& c, const UserAccount& u, bool must, const char* reason) {
  const auto r = evaluate_registration_requirement(c, u);
  assert_int_equal(r.must_register, must);
  assert_str(r.reason, reason);
}

static void test_all(void**) {
  const auto c = config_all();
  expect(c, user("bob", 1002, {"bob"}), true, "registration is required for all users");
  expect(c, user("carol", 1003), false, "listed in exempt_users");
  expect(c, user("dave", 1004, {"dave", "contractors"}), false, "member of exempt group 'contractors'");
}

static void test_root_and_system_accounts_are_never_forced(void**) {
  auto c = config_all();
  expect(c, user("root", 0, {"root"}), false, "root is never required to register");
  expect(c, user("svc", 999), false, "system account (uid 999 is below min_uid 1000)");
  c.min_uid = 1;  // even then, root stays exempt
  expect(c, user("root", 0), false, "root is never required to register");
  expect(c, user("svc", 999), true, "registration is required for all users");
}

static void test_none(void**) {
  auto c = config_all();
  c.required_for = RegistrationScope::none;
  expect(c, user("bob", 1002), false, "registration is not required (required_for = none)");
}

static void test_groups(void**) {
  auto c = config_all();
  c.required_for = RegistrationScope::groups;
  c.required_groups = {"staff", "dev"};
  expect(c, user("frank", 1006, {"frank", "dev"}), true, "registration is required for members of group 'dev'");
  expect(c, user("bob", 1002, {"bob"}), false, "not a member of any group in required_groups");
  // Exemption wins over a required group.
  expect(c, user("dave", 1004, {"staff", "contractors"}), false, "member of exempt group 'contractors'");
}

int main() {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_all), cmocka_unit_test(test_root_and_system_accounts_are_never_forced),
                                     cmocka_unit_test(test_none), cmocka_unit_test(test_groups)};
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
