#include "cmocka.hpp"
#include "user_name.hpp"

using sspr::valid_user_name;

static void test_valid_names(void**) {
  for (const char* name : {"a", "alice", "_svc", "Bob", "john.doe", "john-doe", "user_1", "host$", "a@example.com",
                           "x0123456789012345678901234567890123456789012345678901234567890A"})
    assert_true(valid_user_name(name));
  assert_true(valid_user_name(std::string(64, 'a')));
}

static void test_invalid_names(void**) {
  for (const char* name : {"", "1abc", "-rf", ".hidden", "..", "../etc", "a/b", "a b", "a:b", "a\nb", "a\tb", "$", "a$b",
                           "a$$", "é", "a*", "a(b)", "a\\b", "a,b", "a\x1b[31m"})
    assert_false(valid_user_name(name));
  assert_false(valid_user_name(std::string(65, 'a')));
  assert_false(valid_user_name(std::string_view("a\0b", 3)));
}

int main() {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_valid_names), cmocka_unit_test(test_invalid_names)};
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
