// The reset session's closed table of calls per state, method bookkeeping, the single
// SetPassword, and expiry.
#include "cmocka.hpp"
#include "reset_session.hpp"

#include <algorithm>

using namespace sspr;
using namespace sspr::daemon;

namespace {

constexpr std::int64_t kNow = 1'800'000'000;
constexpr SessionCall kAllCalls[] = {SessionCall::send_code, SessionCall::verify, SessionCall::set_password,
                                     SessionCall::cancel};

void expect(const Result<Done>& r, ErrorCode code) {
  assert_false(r.ok());
  assert_int_equal(static_cast<int>(r.error()), static_cast<int>(code));
}

}  // namespace

static void test_the_table_is_closed(void**) {
  // Exactly these (state, call) pairs are allowed; everything else is refused.
  const std::pair<SessionState, SessionCall> allowed[] = {
      {SessionState::proving, SessionCall::send_code},    {SessionState::proving, SessionCall::verify},
      {SessionState::proving, SessionCall::cancel},       {SessionState::verified, SessionCall::set_password},
      {SessionState::verified, SessionCall::cancel},
  };
  int permitted = 0;
  for (auto state : {SessionState::proving, SessionState::verified, SessionState::completed, SessionState::failed})
    for (auto call : kAllCalls) {
      const bool expected = std::find(std::begin(allowed), std::end(allowed), std::pair(state, call)) != std::end(allowed);
      assert_int_equal(call_permitted(state, call), expected);
      permitted += expected;
    }
  assert_int_equal(permitted, 5);
}

static void test_one_method_policy(void**) {
  ResetSession s("alice", {MethodType::totp, MethodType::email}, 1, kNow);
  expect(s.admit(SessionCall::set_password, kNow), ErrorCode::NotPermitted);  // nothing proven yet
  assert_true(s.admit_method(SessionCall::verify, MethodType::totp, kNow).ok());
  expect(s.admit_method(SessionCall::verify, MethodType::sms, kNow), ErrorCode::NotEnrolled);
  s.method_proven(MethodType::totp);
  assert_int_equal(static_cast<int>(s.state()), static_cast<int>(SessionState::verified));
  expect(s.admit_method(SessionCall::verify, MethodType::email, kNow), ErrorCode::NotPermitted);  // wrong order now
  assert_true(s.admit(SessionCall::set_password, kNow).ok());
  s.finish(true);
  expect(s.admit(SessionCall::set_password, kNow), ErrorCode::NotPermitted);  // only once
  expect(s.admit(SessionCall::cancel, kNow), ErrorCode::NotPermitted);        // nothing left to cancel
}

static void test_two_method_policy_needs_two_different_methods(void**) {
  ResetSession s("root-like", {MethodType::totp, MethodType::email, MethodType::recovery_codes}, 2, kNow);
  s.method_proven(MethodType::totp);
  assert_int_equal(static_cast<int>(s.state()), static_cast<int>(SessionState::proving));
  expect(s.admit_method(SessionCall::verify, MethodType::totp, kNow), ErrorCode::NotPermitted);  // the same again
  expect(s.admit(SessionCall::set_password, kNow), ErrorCode::NotPermitted);
  s.method_proven(MethodType::totp);  // no effect
  assert_int_equal(s.proven().size(), 1);
  s.method_proven(MethodType::email);
  assert_int_equal(static_cast<int>(s.state()), static_cast<int>(SessionState::verified));
}

static void test_expiry_after_fifteen_minutes(void**) {
  ResetSession s("alice", {MethodType::totp}, 1, kNow);
  assert_int_equal(s.expires(), kNow + 15 * 60);
  assert_true(s.admit(SessionCall::verify, kNow + 15 * 60 - 1).ok());
  expect(s.admit(SessionCall::verify, kNow + 15 * 60), ErrorCode::NoSuchSession);
  s.method_proven(MethodType::totp);
  expect(s.admit(SessionCall::set_password, kNow + 15 * 60), ErrorCode::NoSuchSession);
}

static void test_cancel_and_failure_end_everything(void**) {
  ResetSession s("alice", {MethodType::totp}, 1, kNow);
  s.cancel();
  for (auto call : {SessionCall::send_code, SessionCall::verify, SessionCall::set_password, SessionCall::cancel})
    expect(s.admit(call, kNow), ErrorCode::NotPermitted);
  ResetSession t("alice", {MethodType::totp}, 1, kNow);
  t.method_proven(MethodType::totp);
  t.finish(false);
  expect(t.admit(SessionCall::set_password, kNow), ErrorCode::NotPermitted);
}

static void test_a_user_without_methods_gets_a_session_that_never_verifies(void**) {
  ResetSession s("nobody", {}, 1, kNow);
  assert_true(s.admit(SessionCall::verify, kNow).ok());
  expect(s.admit_method(SessionCall::verify, MethodType::totp, kNow), ErrorCode::NotEnrolled);
  expect(s.admit(SessionCall::set_password, kNow), ErrorCode::NotPermitted);
}

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_the_table_is_closed),
      cmocka_unit_test(test_one_method_policy),
      cmocka_unit_test(test_two_method_policy_needs_two_different_methods),
      cmocka_unit_test(test_expiry_after_fifteen_minutes),
      cmocka_unit_test(test_cancel_and_failure_end_everything),
      cmocka_unit_test(test_a_user_without_methods_gets_a_session_that_never_verifies),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
