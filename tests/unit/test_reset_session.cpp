// The reset session's closed table of calls per state, method bookkeeping, the single
// SetPassword, expiry, the decoy, sent codes and asked questions.
#include "cmocka.hpp"
#include "reset_session.hpp"

#include <algorithm>

using namespace sspr;
using namespace sspr::daemon;

namespace {

constexpr std::int64_t kNow = 1'800'000'000;
constexpr SessionCall kAllCalls[] = {SessionCall::send_code,      SessionCall::verify,
                                     SessionCall::get_questions,  SessionCall::verify_answers,
                                     SessionCall::set_password,   SessionCall::cancel};

void expect(const Result<Done>& r, ErrorCode code) {
  assert_false(r.ok());
  assert_int_equal(static_cast<int>(r.error()), static_cast<int>(code));
}

}  // namespace

static void test_the_table_is_closed(void**) {
  // Exactly these (state, call) pairs are allowed; everything else is refused.
  const std::pair<SessionState, SessionCall> allowed[] = {
      {SessionState::proving, SessionCall::send_code},      {SessionState::proving, SessionCall::verify},
      {SessionState::proving, SessionCall::get_questions},  {SessionState::proving, SessionCall::verify_answers},
      {SessionState::proving, SessionCall::cancel},         {SessionState::verified, SessionCall::set_password},
      {SessionState::verified, SessionCall::cancel},
  };
  int permitted = 0;
  for (auto state : {SessionState::proving, SessionState::verified, SessionState::writing, SessionState::completed,
                     SessionState::failed})
    for (auto call : kAllCalls) {
      const bool expected = std::find(std::begin(allowed), std::end(allowed), std::pair(state, call)) != std::end(allowed);
      assert_int_equal(call_permitted(state, call), expected);
      permitted += expected;
    }
  assert_int_equal(permitted, 7);
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
  for (auto call : kAllCalls) expect(s.admit(call, kNow), ErrorCode::NotPermitted);
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

static void test_a_decoy_answers_like_a_real_session_and_never_verifies(void**) {
  ResetSession s("nobody", {MethodType::totp, MethodType::email}, 1, kNow, ":1.7", false);
  assert_false(s.real());
  assert_string_equal(s.owner().c_str(), ":1.7");
  // Its profile's methods are admitted, others refused, as in a real session...
  assert_true(s.admit_method(SessionCall::verify, MethodType::totp, kNow).ok());
  expect(s.admit_method(SessionCall::verify, MethodType::sms, kNow), ErrorCode::NotEnrolled);
  // ...and nothing it is told proves anything.
  s.method_proven(MethodType::totp);
  assert_int_equal(static_cast<int>(s.state()), static_cast<int>(SessionState::proving));
  assert_int_equal(s.remaining(), 1);
  expect(s.admit(SessionCall::set_password, kNow), ErrorCode::NotPermitted);
}

// A sent code: single use, void after expiry, after too many wrong tries, or when replaced.
static void test_sent_codes(void**) {
  ResetSession s("alice", {MethodType::email, MethodType::sms}, 1, kNow);
  const auto is = [](std::string_view want) { return [want](std::string_view digest) { return digest == want; }; };
  expect(s.spend_code(MethodType::email, kNow, 3, is("d1")), ErrorCode::NotPermitted);  // nothing sent yet
  s.code_issued(MethodType::email, "d1", kNow + 600);
  expect(s.spend_code(MethodType::email, kNow, 3, is("d1")), ErrorCode::NotPermitted);  // not delivered yet
  s.code_delivered(MethodType::email, "d1", true);
  expect(s.spend_code(MethodType::email, kNow, 3, is("other")), ErrorCode::BadCode);
  assert_true(s.spend_code(MethodType::email, kNow, 3, is("d1")).ok());
  expect(s.spend_code(MethodType::email, kNow, 3, is("d1")), ErrorCode::NotPermitted);  // spent

  s.code_issued(MethodType::sms, "d2", kNow + 600);
  s.code_delivered(MethodType::sms, "d2", true);
  expect(s.spend_code(MethodType::sms, kNow + 600, 3, is("d2")), ErrorCode::ChallengeExpired);
  expect(s.spend_code(MethodType::sms, kNow, 3, is("d2")), ErrorCode::NotPermitted);  // gone with it

  s.code_issued(MethodType::sms, "d3", kNow + 600);
  s.code_delivered(MethodType::sms, "d3", true);
  expect(s.spend_code(MethodType::sms, kNow, 2, is("x")), ErrorCode::BadCode);
  expect(s.spend_code(MethodType::sms, kNow, 2, is("x")), ErrorCode::TooManyAttempts);
  expect(s.spend_code(MethodType::sms, kNow, 2, is("d3")), ErrorCode::NotPermitted);  // void now

  // A new code voids the previous; the old delivery's end changes nothing.
  s.code_issued(MethodType::email, "old", kNow + 600);
  s.code_issued(MethodType::email, "new", kNow + 600);
  s.code_delivered(MethodType::email, "old", false);
  s.code_delivered(MethodType::email, "new", true);
  expect(s.spend_code(MethodType::email, kNow, 3, is("old")), ErrorCode::BadCode);
  assert_true(s.spend_code(MethodType::email, kNow, 3, is("new")).ok());
  // A failed delivery withdraws its code.
  s.code_issued(MethodType::email, "lost", kNow + 600);
  s.code_delivered(MethodType::email, "lost", false);
  expect(s.spend_code(MethodType::email, kNow, 3, is("lost")), ErrorCode::NotPermitted);
}

static void test_questions_asked_are_answered_once(void**) {
  ResetSession s("alice", {MethodType::questions}, 1, kNow);
  assert_true(s.asked().empty());
  s.ask({2, 0});
  assert_int_equal(s.asked().size(), 2);
  const auto taken = s.take_asked();
  assert_int_equal(taken.size(), 2);
  assert_int_equal(taken[0], 2);
  assert_true(s.asked().empty());  // the next attempt gets a new subset
}

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_the_table_is_closed),
      cmocka_unit_test(test_one_method_policy),
      cmocka_unit_test(test_two_method_policy_needs_two_different_methods),
      cmocka_unit_test(test_expiry_after_fifteen_minutes),
      cmocka_unit_test(test_cancel_and_failure_end_everything),
      cmocka_unit_test(test_a_user_without_methods_gets_a_session_that_never_verifies),
      cmocka_unit_test(test_a_decoy_answers_like_a_real_session_and_never_verifies),
      cmocka_unit_test(test_sent_codes),
      cmocka_unit_test(test_questions_asked_are_answered_once),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
