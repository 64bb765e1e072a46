// The throttle rules with a fake clock: each at N-1, N and N+1 with the exact end of the block,
// window and block expiry, the per-method cap, what a completed reset and an administrator
// clear, wall-clock jumps, and describe_wait. The state files are real (a temporary directory).
#include "cmocka.hpp"
#include "throttle/throttle.hpp"

#include <fcntl.h>

using namespace sspr;
using namespace sspr::daemon::throttle;

namespace {

constexpr std::int64_t kStart = 1'800'000'000;
constexpr std::int64_t kHour = 3600;
constexpr std::int64_t kDay = 24 * kHour;
const std::string kUser = "alice";

struct World {
  std::string dir;
  std::int64_t now = kStart;
  std::unique_ptr<Throttle> throttle;
};

int setup(void** state) {
  auto* w = new World;
  char tmpl[] = "/tmp/sspr-throttle-rules-XXXXXX";
  w->dir = mkdtemp(tmpl);
  UniqueFd dir(::open(w->dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  assert_true(static_cast<bool>(dir));
  w->throttle = std::make_unique<Throttle>(std::move(dir), Policy{}, [w] { return w->now; });
  *state = w;
  return 0;
}

int teardown(void** state) {
  auto* w = static_cast<World*>(*state);
  std::filesystem::remove_all(w->dir);
  delete w;
  return 0;
}

World& world(void** state) { return *static_cast<World*>(*state); }

template <class T>
void expect_error(const Result<T>& r, ErrorCode code) {
  assert_false(r.ok());
  assert_int_equal(static_cast<int>(r.error()), static_cast<int>(code));
}

Verdict record(World& w, const Event& event) {
  auto verdict = w.throttle->record(kUser, event);
  assert_true(verdict.ok());
  return *verdict;
}

Verdict check(World& w) {
  auto verdict = w.throttle->check(kUser);
  assert_true(verdict.ok());
  return *verdict;
}

Counts counts(World& w) {
  auto c = w.throttle->counts(kUser);
  assert_true(c.ok());
  return *c;
}

void expect_open(const Verdict& v) {
  assert_false(v.blocked);
  assert_int_equal(v.until, 0);
  assert_int_equal(static_cast<int>(v.cause), static_cast<int>(Cause::none));
  assert_true(v.reason.empty());
}

void expect_blocked(const Verdict& v, Cause cause, std::int64_t until) {
  assert_true(v.blocked);
  assert_int_equal(static_cast<int>(v.cause), static_cast<int>(cause));
  assert_int_equal(v.until, until);
}

std::size_t at(Window window) { return static_cast<std::size_t>(window); }
std::size_t at(Method method) { return static_cast<std::size_t>(method); }

// Records `n` events `step` seconds apart (the clock advances before each but the first) and
// expects none of them to block.
void record_open(World& w, const Event& event, int n, std::int64_t step) {
  for (int i = 0; i < n; ++i) {
    if (i > 0) w.now += step;
    expect_open(record(w, event));
  }
}

}  // namespace

// --- identity proofs: 5 failures within 24 h block for 24 h ---------------------------------

static void test_the_fifth_failed_identity_proof_blocks_for_a_day(void** state) {
  auto& w = world(state);
  record_open(w, Event::identity_failure(), 4, kHour);  // N-1
  expect_open(check(w));
  assert_int_equal(counts(w).in_window[at(Window::identity_failure)], 4);

  w.now += kHour;
  const std::int64_t fifth = w.now;
  auto v = record(w, Event::identity_failure());  // N
  expect_blocked(v, Cause::identity_failure, fifth + kDay);
  assert_str(v.reason, "too many failed identity proofs (5 within 24 hours)");
  expect_blocked(check(w), Cause::identity_failure, fifth + kDay);

  w.now += 60;
  expect_blocked(record(w, Event::identity_failure()), Cause::identity_failure, w.now + kDay);  // N+1
  assert_int_equal(counts(w).in_window[at(Window::identity_failure)], 6);
}

static void test_identity_failures_older_than_the_window_stop_counting(void** state) {
  auto& w = world(state);
  record_open(w, Event::identity_failure(), 4, 0);
  w.now = kStart + kDay;  // the four are exactly 24 h old
  expect_open(record(w, Event::identity_failure()));
  assert_int_equal(counts(w).in_window[at(Window::identity_failure)], 1);
}

static void test_identity_failures_just_inside_the_window_still_count(void** state) {
  auto& w = world(state);
  record_open(w, Event::identity_failure(), 4, 0);
  w.now = kStart + kDay - 1;
  expect_blocked(record(w, Event::identity_failure()), Cause::identity_failure, kStart + kDay - 1 + kDay);
}

static void test_a_block_ends_exactly_at_until(void** state) {
  auto& w = world(state);
  record_open(w, Event::identity_failure(), 4, 0);
  const auto v = record(w, Event::identity_failure());
  expect_blocked(v, Cause::identity_failure, kStart + kDay);
  w.now = v.until - 1;
  expect_blocked(check(w), Cause::identity_failure, v.until);
  w.now = v.until;
  expect_open(check(w));
  // The five failures are out of their window too: the next one starts from one.
  expect_open(record(w, Event::identity_failure()));
  const auto c = counts(w);
  assert_int_equal(c.in_window[at(Window::identity_failure)], 1);
  assert_int_equal(c.stored_events, 1);
  assert_int_equal(c.blocked_until[at(Window::identity_failure)], 0);
}

// --- validations: more than 5 within 1 h (the 6th) block for 24 h ---------------------------

static void test_the_sixth_validation_within_an_hour_blocks_for_a_day(void** state) {
  auto& w = world(state);
  record_open(w, Event::validation(), 5, 60);  // N-1 = 5 allowed
  w.now += 60;
  const std::int64_t sixth = w.now;
  auto v = record(w, Event::validation());
  expect_blocked(v, Cause::validation, sixth + kDay);
  assert_str(v.reason, "too many code or answer checks (6 within 1 hour)");
  w.now += 1;
  expect_blocked(record(w, Event::validation()), Cause::validation, sixth + 1 + kDay);  // N+1
  // Other windows are untouched.
  assert_int_equal(counts(w).in_window[at(Window::identity_failure)], 0);
}

static void test_validations_expire_after_an_hour(void** state) {
  auto& w = world(state);
  record_open(w, Event::validation(), 5, 0);
  w.now = kStart + kHour - 1;  // still inside: the 6th blocks
  auto inside = w.throttle->counts(kUser);
  assert_int_equal(inside->in_window[at(Window::validation)], 5);
  w.now = kStart + kHour;  // exactly an hour: the five no longer count
  expect_open(record(w, Event::validation()));
  assert_int_equal(counts(w).in_window[at(Window::validation)], 1);
}

// --- deliveries: more than 10 within 10 min (the 11th) block for 24 h -----------------------

static void test_the_eleventh_message_within_ten_minutes_blocks_for_a_day(void** state) {
  auto& w = world(state);
  record_open(w, Event::delivery(), 10, 30);  // 10 sends over 4.5 minutes
  w.now += 30;
  const std::int64_t eleventh = w.now;
  auto v = record(w, Event::delivery());
  expect_blocked(v, Cause::delivery, eleventh + kDay);
  assert_str(v.reason, "too many codes sent (11 within 10 minutes)");
  w.now += 30;
  expect_blocked(record(w, Event::delivery()), Cause::delivery, eleventh + 30 + kDay);  // N+1
}

static void test_deliveries_expire_after_ten_minutes(void** state) {
  auto& w = world(state);
  record_open(w, Event::delivery(), 10, 0);
  w.now = kStart + 600;
  expect_open(record(w, Event::delivery()));
  w.now = kStart + 600 + 599;
  record_open(w, Event::delivery(), 9, 0);  // 10 in the window again
  w.now += 1;                                // the first of these is now 600 s old
  expect_open(record(w, Event::delivery()));
  assert_int_equal(counts(w).in_window[at(Window::delivery)], 10);
}

static void test_the_longest_block_is_reported(void** state) {
  auto& w = world(state);
  record_open(w, Event::validation(), 5, 0);
  expect_blocked(record(w, Event::validation()), Cause::validation, kStart + kDay);
  w.now += 10;
  for (int i = 0; i < 4; ++i)  // the validation block is the longer one
    expect_blocked(record(w, Event::identity_failure()), Cause::validation, kStart + kDay);
  expect_blocked(record(w, Event::identity_failure()), Cause::identity_failure, kStart + 10 + kDay);
  w.now = kStart + kDay;  // the validation block is over, the identity one is not
  expect_blocked(check(w), Cause::identity_failure, kStart + 10 + kDay);
}

// --- the per-method cap: 100 consecutive failures disable the method -----------------------

static void test_the_hundredth_consecutive_failure_disables_the_method(void** state) {
  auto& w = world(state);
  // Slow enough to pass every windowed rule: one failure a day for 99 days.
  for (int i = 0; i < 99; ++i) {
    auto v = record(w, Event::method_failure(Method::totp));
    assert_false(v.blocked);
    assert_true(v.disabled_methods.empty());
    w.now += kDay;
  }
  auto v = record(w, Event::method_failure(Method::totp));  // N
  assert_false(v.blocked);  // other methods stay usable
  assert_int_equal(v.disabled_methods.size(), 1);
  assert_int_equal(static_cast<int>(v.disabled_methods[0]), static_cast<int>(Method::totp));
  v = record(w, Event::method_failure(Method::totp));  // N+1
  assert_int_equal(v.disabled_methods.size(), 1);
  assert_int_equal(check(w).disabled_methods.size(), 1);
  assert_int_equal(counts(w).method_failures[at(Method::totp)], 101);
  assert_int_equal(counts(w).method_failures[at(Method::sms)], 0);
  // A success does not re-enable it, nor does a completed reset, nor time.
  record(w, Event::method_succeeded(Method::totp));
  record(w, Event::reset_succeeded());
  w.now += 365 * kDay;
  assert_int_equal(check(w).disabled_methods.size(), 1);
  // The administrator does.
  assert_true(w.throttle->clear_method(kUser, Method::totp).ok());
  assert_true(check(w).disabled_methods.empty());
  assert_int_equal(counts(w).method_failures[at(Method::totp)], 0);
}

static void test_a_success_of_that_method_resets_its_failures(void** state) {
  auto& w = world(state);
  for (int i = 0; i < 60; ++i) record(w, Event::method_failure(Method::email));
  for (int i = 0; i < 60; ++i) record(w, Event::method_failure(Method::sms));
  record(w, Event::method_succeeded(Method::email));
  for (int i = 0; i < 99; ++i) record(w, Event::method_failure(Method::email));
  auto c = counts(w);
  assert_int_equal(c.method_failures[at(Method::email)], 99);
  assert_int_equal(c.method_failures[at(Method::sms)], 60);  // another method's success is not its own
  assert_true(check(w).disabled_methods.empty());
  auto v = record(w, Event::method_failure(Method::email));
  assert_int_equal(v.disabled_methods.size(), 1);
  assert_int_equal(static_cast<int>(v.disabled_methods[0]), static_cast<int>(Method::email));
}

// --- what ends throttling early ------------------------------------------------------------

static void test_a_completed_reset_clears_the_reset_throttles(void** state) {
  auto& w = world(state);
  record_open(w, Event::identity_failure(), 4, 0);
  record_open(w, Event::validation(), 5, 0);
  record_open(w, Event::delivery(), 10, 0);
  for (int i = 0; i < 7; ++i) record(w, Event::method_failure(Method::questions));
  expect_open(record(w, Event::reset_succeeded()));
  auto c = counts(w);
  assert_int_equal(c.in_window[at(Window::identity_failure)], 0);
  assert_int_equal(c.in_window[at(Window::validation)], 0);
  assert_int_equal(c.in_window[at(Window::delivery)], 0);
  assert_int_equal(c.method_failures[at(Method::questions)], 7);  // the cap is not a window
  // Counting starts again from zero.
  record_open(w, Event::identity_failure(), 4, 0);
  expect_blocked(record(w, Event::identity_failure()), Cause::identity_failure, kStart + kDay);
}

static void test_an_administrator_clears_a_blocked_user(void** state) {
  auto& w = world(state);
  record_open(w, Event::identity_failure(), 4, 0);
  expect_blocked(record(w, Event::identity_failure()), Cause::identity_failure, kStart + kDay);
  for (int i = 0; i < 100; ++i) record(w, Event::method_failure(Method::recovery_codes));
  assert_true(w.throttle->clear(kUser).ok());
  auto v = check(w);
  expect_open(v);
  assert_true(v.disabled_methods.empty());
  const auto c = counts(w);
  assert_int_equal(c.stored_events, 0);
  assert_int_equal(c.method_failures[at(Method::recovery_codes)], 0);
  // Clearing a user with no state, and a method with no failures, is fine.
  assert_true(w.throttle->clear("bob").ok());
  assert_true(w.throttle->clear_method("bob", Method::sms).ok());
  assert_true(w.throttle->clear_method(kUser, Method::sms).ok());
}

// --- wall-clock jumps ------------------------------------------------------------------------

static void test_a_clock_set_back_neither_blocks_nor_prolongs(void** state) {
  auto& w = world(state);
  record_open(w, Event::identity_failure(), 3, 0);
  w.now -= 2 * kHour;  // three failures now lie in the future: they count from now
  expect_open(check(w));
  expect_open(record(w, Event::identity_failure()));
  assert_int_equal(counts(w).in_window[at(Window::identity_failure)], 4);
  // Their window restarted when the clock went back: 24 h from now, not from "then".
  w.now += kDay;
  assert_int_equal(counts(w).in_window[at(Window::identity_failure)], 0);
}

static void test_a_block_made_while_the_clock_was_far_ahead_lasts_one_block_from_its_return(void** state) {
  auto& w = world(state);
  const std::int64_t year_2100 = 4'102'444'800;
  w.now = year_2100;
  record_open(w, Event::identity_failure(), 4, 0);
  expect_blocked(record(w, Event::identity_failure()), Cause::identity_failure, year_2100 + kDay);
  w.now = kStart;  // the clock is right again
  expect_blocked(check(w), Cause::identity_failure, kStart + kDay);
  w.now = kStart + kDay - 1;  // the correction was stored: the end does not slide
  expect_blocked(check(w), Cause::identity_failure, kStart + kDay);
  w.now = kStart + kDay;
  expect_open(check(w));
  assert_int_equal(counts(w).in_window[at(Window::identity_failure)], 0);
}

// --- names, policy, texts ------------------------------------------------------------------

static void test_names_that_are_not_file_names_are_refused(void** state) {
  auto& w = world(state);
  for (const char* name : {"", "a/b", "/etc/shadow", "..", ".", ".hidden"}) {
    expect_error(w.throttle->check(name), ErrorCode::InvalidUserName);
    expect_error(w.throttle->record(name, Event::identity_failure()), ErrorCode::InvalidUserName);
    expect_error(w.throttle->clear(name), ErrorCode::InvalidUserName);
    expect_error(w.throttle->clear_method(name, Method::totp), ErrorCode::InvalidUserName);
    expect_error(w.throttle->counts(name), ErrorCode::InvalidUserName);
  }
  expect_error(w.throttle->check(std::string("a\0b", 3)), ErrorCode::InvalidUserName);
  assert_true(std::filesystem::is_empty(w.dir));
}

static void test_checking_an_unknown_user_creates_nothing(void** state) {
  auto& w = world(state);
  expect_open(check(w));
  assert_int_equal(counts(w).stored_events, 0);
  assert_true(std::filesystem::is_empty(w.dir));
}

// Files that can no longer count are removed; blocks, events inside a window, disabled methods
// and unusable files stay. A user whose file went starts again from nothing, never unblocked early.
static void test_expired_state_files_are_removed(void** state) {
  auto& w = world(state);
  auto throttle_of = [&w](const char* user, const Event& e) { assert_true(w.throttle->record(user, e).ok()); };
  throttle_of("old", Event::delivery());              // expires after 10 minutes
  throttle_of("blocked", Event::identity_failure());  // five: blocked for a day
  for (int i = 0; i < 4; ++i) throttle_of("blocked", Event::identity_failure());
  throttle_of("recent", Event::identity_failure());  // counts for 24 h
  for (int i = 0; i < 100; ++i) throttle_of("disabled", Event::method_failure(Method::sms));
  std::ofstream(w.dir + "/damaged") << "not a state file";
  w.now += kHour;
  assert_int_equal(w.throttle->remove_expired(), 1);  // "old"
  assert_false(std::filesystem::exists(w.dir + "/old"));
  for (const char* kept : {"blocked", "recent", "disabled", "damaged"})
    assert_true(std::filesystem::exists(w.dir + "/" + kept));
  w.now += kDay;  // the block and the window are over; the disabled method stays disabled
  assert_int_equal(w.throttle->remove_expired(), 2);
  assert_false(std::filesystem::exists(w.dir + "/blocked"));
  assert_false(std::filesystem::exists(w.dir + "/recent"));
  assert_true(std::filesystem::exists(w.dir + "/disabled"));
  assert_true(std::filesystem::exists(w.dir + "/damaged"));
  const auto disabled = w.throttle->check("disabled");
  assert_true(disabled.ok());
  assert_int_equal(disabled->disabled_methods.size(), 1);
  assert_int_equal(w.throttle->remove_expired(), 0);
}

static void test_policy_validation_and_names(void**) {
  assert_false(policy_problem(Policy{}).has_value());
  Policy p;
  p.validation.blocking_count = 0;
  assert_true(policy_problem(p).has_value());
  p = Policy{};
  p.delivery.blocking_count = static_cast<std::uint32_t>(kMaxEvents) + 1;  // could never be reached
  expect_contains(*policy_problem(p), "delivery throttle must block at a count from 1 to 248");
  p = Policy{};
  p.identity_failure.window = 0;
  assert_true(policy_problem(p).has_value());
  p = Policy{};
  p.method_failure_limit = 0;
  assert_true(policy_problem(p).has_value());
  for (Method m : kAllMethods) assert_true(method_from_string(to_string(m)) == m);
  assert_str(to_string(Method::recovery_codes), "recovery_codes");
  assert_false(method_from_string("password").has_value());
}

static void test_describe_wait(void**) {
  assert_str(describe_wait(86400), "24 hours");
  assert_str(describe_wait(86399), "23 hours 59 minutes");
  assert_str(describe_wait(3600), "1 hour");
  assert_str(describe_wait(3660), "1 hour 1 minute");
  assert_str(describe_wait(7320), "2 hours 2 minutes");
  assert_str(describe_wait(600), "10 minutes");
  assert_str(describe_wait(119), "1 minute");
  assert_str(describe_wait(60), "1 minute");
  assert_str(describe_wait(59), "under a minute");
  assert_str(describe_wait(1), "under a minute");
  assert_str(describe_wait(0), "under a minute");
  assert_str(describe_wait(-5), "under a minute");
  assert_str(describe_wait(49 * 3600 + 60), "49 hours 1 minute");
}

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_the_fifth_failed_identity_proof_blocks_for_a_day, setup, teardown),
      cmocka_unit_test_setup_teardown(test_identity_failures_older_than_the_window_stop_counting, setup, teardown),
      cmocka_unit_test_setup_teardown(test_identity_failures_just_inside_the_window_still_count, setup, teardown),
      cmocka_unit_test_setup_teardown(test_a_block_ends_exactly_at_until, setup, teardown),
      cmocka_unit_test_setup_teardown(test_the_sixth_validation_within_an_hour_blocks_for_a_day, setup, teardown),
      cmocka_unit_test_setup_teardown(test_validations_expire_after_an_hour, setup, teardown),
      cmocka_unit_test_setup_teardown(test_the_eleventh_message_within_ten_minutes_blocks_for_a_day, setup, teardown),
      cmocka_unit_test_setup_teardown(test_deliveries_expire_after_ten_minutes, setup, teardown),
      cmocka_unit_test_setup_teardown(test_the_longest_block_is_reported, setup, teardown),
      cmocka_unit_test_setup_teardown(test_the_hundredth_consecutive_failure_disables_the_method, setup, teardown),
      cmocka_unit_test_setup_teardown(test_a_success_of_that_method_resets_its_failures, setup, teardown),
      cmocka_unit_test_setup_teardown(test_a_completed_reset_clears_the_reset_throttles, setup, teardown),
      cmocka_unit_test_setup_teardown(test_an_administrator_clears_a_blocked_user, setup, teardown),
      cmocka_unit_test_setup_teardown(test_a_clock_set_back_neither_blocks_nor_prolongs, setup, teardown),
      cmocka_unit_test_setup_teardown(test_a_block_made_while_the_clock_was_far_ahead_lasts_one_block_from_its_return,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(test_names_that_are_not_file_names_are_refused, setup, teardown),
      cmocka_unit_test_setup_teardown(test_checking_an_unknown_user_creates_nothing, setup, teardown),
      cmocka_unit_test_setup_teardown(test_expired_state_files_are_removed, setup, teardown),
      cmocka_unit_test(test_policy_validation_and_names),
      cmocka_unit_test(test_describe_wait),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
