// delivery/delivery_times: what a decoy's "sent" code replays — the latest real delivery's
// outcome, with the time of a recent delivery of that outcome; before any, success after a
// plausible time. The bus side is tests/adversarial/test_decoy_delivery.cpp.
#include "cmocka.hpp"
#include "delivery/delivery_times.hpp"

#include <set>

using namespace sspr::daemon::delivery;
using std::chrono::microseconds;
using std::chrono::milliseconds;

static void test_before_any_delivery(void**) {
  DeliveryTimes times;
  for (int i = 0; i < 200; ++i) {
    const auto s = times.sample();
    assert_true(s.ok);
    assert_true(s.took >= microseconds(DeliveryTimes::kFirstMin) && s.took <= microseconds(DeliveryTimes::kFirstMax));
  }
}

static void test_the_latest_outcome_and_a_time_of_its_kind(void**) {
  DeliveryTimes times;
  times.record({milliseconds(300), true});
  times.record({milliseconds(500), true});
  times.record({milliseconds(2), false});  // the server went away: refused at once
  for (int i = 0; i < 100; ++i) {
    const auto s = times.sample();
    assert_false(s.ok);
    assert_int_equal(s.took.count(), 2000);
  }
  times.record({milliseconds(700), true});  // back
  std::set<long> seen;
  for (int i = 0; i < 400; ++i) {
    const auto s = times.sample();
    assert_true(s.ok);
    seen.insert(static_cast<long>(s.took.count()));
  }
  assert_true(seen == (std::set<long>{300000, 500000, 700000}));  // every success, never the failure's time
}

static void test_old_deliveries_are_forgotten(void**) {
  DeliveryTimes times;
  for (int i = 0; i < 10; ++i) times.record({milliseconds(5000), true});  // a slow server, long ago
  for (std::size_t i = 0; i < DeliveryTimes::kKept; ++i) times.record({milliseconds(40), true});
  assert_int_equal(times.kept(), DeliveryTimes::kKept);
  for (int i = 0; i < 200; ++i) assert_int_equal(times.sample().took.count(), 40000);
}

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_before_any_delivery),
      cmocka_unit_test(test_the_latest_outcome_and_a_time_of_its_kind),
      cmocka_unit_test(test_old_deliveries_are_forgotten),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
