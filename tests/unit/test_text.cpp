#include "cmocka.hpp"
#include "text.hpp"

using namespace sspr;

static void test_escape_untrusted(void**) {
  assert_str(escape_untrusted("alice"), "alice");
  assert_str(escape_untrusted("a\nb"), "a\\x0ab");
  assert_str(escape_untrusted("\x1b[31mred"), "\\x1b[31mred");
  assert_str(escape_untrusted("back\\slash"), "back\\\\slash");
  assert_str(escape_untrusted(std::string_view("nul\0x", 5)), "nul\\x00x");
  assert_str(escape_untrusted("\xe2\x80\xae"), "\\xe2\\x80\\xae");  // RTL override
  assert_str(escape_untrusted("abcdef", 3), "abc...");
}

static void test_split_list(void**) {
  const auto items = split_list(" a, b  c,,d ");
  assert_int_equal(items.size(), 4);
  assert_str(items[0], "a");
  assert_str(items[3], "d");
  assert_true(split_list("").empty());
  assert_true(split_list(" , ,").empty());
}

static void test_parse_uint(void**) {
  assert_int_equal(*parse_uint("0"), 0);
  assert_int_equal(*parse_uint("1000"), 1000);
  assert_true(*parse_uint("18446744073709551615") == 18446744073709551615ull);
  assert_false(parse_uint("18446744073709551616").has_value());
  for (const char* bad : {"", "-1", "+1", " 1", "1 ", "1e3", "0x10", "12a"}) assert_false(parse_uint(bad).has_value());
}

static void test_parse_bool(void**) {
  for (const char* t : {"yes", "TRUE", "on", "1"}) assert_true(*parse_bool(t));
  for (const char* f : {"no", "False", "OFF", "0"}) assert_false(*parse_bool(f));
  for (const char* bad : {"", "y", "2", "maybe"}) assert_false(parse_bool(bad).has_value());
}

int main() {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_escape_untrusted), cmocka_unit_test(test_split_list),
                                     cmocka_unit_test(test_parse_uint), cmocka_unit_test(test_parse_bool)};
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
