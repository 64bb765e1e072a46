// Random digits and bytes: right sizes, only digits, every digit value reachable, bounds enforced.
#include "cmocka.hpp"
#include "crypto/random.hpp"

#include <set>
#include <stdexcept>

using sspr::Secret;
using namespace sspr::daemon::crypto;

static void test_random_digits(void**) {
  assert_true(random_digits(0).empty());
  const Secret six = random_digits(6);
  assert_int_equal(six.size(), 6);
  std::set<char> seen;
  for (int round = 0; round < 200; ++round) {
    const Secret digits = random_digits(kMaxRandomDigits);
    assert_int_equal(digits.size(), kMaxRandomDigits);
    for (char c : digits.reveal()) {
      assert_true(c >= '0' && c <= '9');
      seen.insert(c);
    }
  }
  // 12800 draws: missing a digit has probability about 10 * 0.9^12800, i.e. never.
  assert_int_equal(seen.size(), 10);
  bool threw = false;
  try {
    (void)random_digits(kMaxRandomDigits + 1);
  } catch (const std::invalid_argument&) {
    threw = true;
  }
  assert_true(threw);
}

static void test_random_bytes(void**) {
  const Secret a = random_bytes(32);
  const Secret b = random_bytes(32);
  assert_int_equal(a.size(), 32);
  assert_false(a.equals(b));
  assert_true(random_bytes(0).empty());
  assert_int_equal(random_bytes(kMaxRandomBytes).size(), kMaxRandomBytes);
  bool threw = false;
  try {
    (void)random_bytes(kMaxRandomBytes + 1);
  } catch (const std::invalid_argument&) {
    threw = true;
  }
  assert_true(threw);
}

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_random_digits),
      cmocka_unit_test(test_random_bytes),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
