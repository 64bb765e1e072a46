// Secret wipes its bytes before its memory goes back to the allocator, in every way a secret
// can end: destruction, clear(), move-assignment over it.
#include "cmocka.hpp"
#include "secret.hpp"

#include <cstring>
#include <stdexcept>
#include <string>
#include <type_traits>

using sspr::Secret;

static_assert(!std::is_copy_constructible_v<Secret>);
static_assert(!std::is_copy_assignable_v<Secret>);
static_assert(std::is_nothrow_move_constructible_v<Secret>);
static_assert(!std::is_convertible_v<Secret, std::string>);
static_assert(!std::is_convertible_v<Secret, std::string_view>);

static int frees_seen = 0;
static int dirty_frees = 0;

static void observe_free(const char* data, std::size_t capacity) {
  ++frees_seen;
  for (std::size_t i = 0; i < capacity; ++i)
    if (data[i] != 0) {
      ++dirty_frees;
      return;
    }
}

static int setup(void**) {
  frees_seen = dirty_frees = 0;
  Secret::set_free_observer(observe_free);
  return 0;
}
static int teardown(void**) {
  Secret::set_free_observer(nullptr);
  return 0;
}

static void test_destruction_wipes(void**) {
  { Secret s("hunter2-CANARY"); assert_int_equal(s.size(), 14); assert_str(s.c_str(), "hunter2-CANARY"); }
  assert_int_equal(frees_seen, 1);
  assert_int_equal(dirty_frees, 0);
}

static void test_clear_wipes_and_empties(void**) {
  Secret s("correct horse");
  s.clear();
  assert_true(s.empty());
  assert_int_equal(s.size(), 0);
  assert_str(s.c_str(), "");
  assert_int_equal(frees_seen, 1);
  assert_int_equal(dirty_frees, 0);
}

static void test_move_transfers_and_wipes_overwritten(void**) {
  Secret a("first-secret");
  Secret b("second-secret");
  b = std::move(a);  // b's old bytes are wiped and freed
  assert_int_equal(frees_seen, 1);
  assert_true(a.empty());  // NOLINT(bugprone-use-after-move): moved-from is defined as empty
  assert_str(b.c_str(), "first-secret");
  Secret c(std::move(b));
  assert_true(b.empty());  // NOLINT
  assert_str(c.c_str(), "first-secret");
  c.clear();
  assert_int_equal(frees_seen, 2);
  assert_int_equal(dirty_frees, 0);
}

static void test_constant_time_equal(void**) {
  assert_true(Secret("abc").equals(Secret("abc")));
  assert_false(Secret("abc").equals(Secret("abd")));
  assert_false(Secret("abc").equals(Secret("abcd")));
  assert_false(Secret("").equals(Secret("a")));
  assert_true(Secret("").equals(Secret("")));
  assert_true(sspr::constant_time_equal(std::string_view("a\0b", 3), std::string_view("a\0b", 3)));
  assert_false(sspr::constant_time_equal(std::string_view("a\0b", 3), std::string_view("a\0c", 3)));
}

static void test_size_is_bounded(void**) {
  const std::string too_big(Secret::kMaxSize + 1, 'x');
  bool threw = false;
  try {
    Secret s(too_big);
  } catch (const std::length_error&) {
    threw = true;
  }
  assert_true(threw);
  Secret ok(std::string(Secret::kMaxSize, 'x'));
  assert_int_equal(ok.size(), Secret::kMaxSize);
}

static void test_secure_wipe(void**) {
  char buffer[16];
  std::memcpy(buffer, "0123456789abcdef", 16);
  sspr::secure_wipe(buffer, sizeof buffer);
  for (char c : buffer) assert_int_equal(c, 0);
}

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_destruction_wipes, setup, teardown),
      cmocka_unit_test_setup_teardown(test_clear_wipes_and_empties, setup, teardown),
      cmocka_unit_test_setup_teardown(test_move_transfers_and_wipes_overwritten, setup, teardown),
      cmocka_unit_test(test_constant_time_equal),
      cmocka_unit_test(test_size_is_bounded),
      cmocka_unit_test(test_secure_wipe),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
