#include "cmocka.hpp"
#include "module_options.hpp"

#include <vector>

using namespace sspr::pam;

static ModuleOptions parse(std::vector<const char*> args, std::vector<std::string>& warnings) {
  return parse_module_options(static_cast<int>(args.size()), args.data(), warnings);
}

static void test_defaults(void**) {
  std::vector<std::string> w;
  const auto o = parse({}, w);
  assert_false(o.debug);
  assert_int_equal(o.timeout_ms, 3000);
  assert_str(o.config_path, "/etc/sspr.conf");
  assert_true(w.empty());
}

static void test_valid_options(void**) {
  std::vector<std::string> w;
  const auto o = parse({"debug", "timeout=100", "config=/tmp/x.conf"}, w);
  assert_true(o.debug);
  assert_int_equal(o.timeout_ms, 100);
  assert_str(o.config_path, "/tmp/x.conf");
  assert_true(w.empty());
  assert_int_equal(parse({"timeout=30000"}, w).timeout_ms, 30000);
}

static void test_bad_values_keep_defaults_and_warn(void**) {
  std::vector<std::string> w;
  const auto o = parse({"timeout=99", "timeout=30001", "timeout=abc", "config=relative", "frobnicate", "deb\nug"}, w);
  assert_int_equal(o.timeout_ms, 3000);
  assert_str(o.config_path, "/etc/sspr.conf");
  assert_int_equal(w.size(), 6);
  assert_str(w[0], "ignoring 'timeout=99': timeout must be 100-30000 ms");
  assert_str(w[3], "ignoring 'config=relative': config must be an absolute path");
  assert_str(w[4], "ignoring unknown option 'frobnicate'");
  assert_str(w[5], "ignoring unknown option 'deb\\x0aug'");
}

int main() {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_defaults), cmocka_unit_test(test_valid_options),
                                     cmocka_unit_test(test_bad_values_keep_defaults_and_warn)};
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
