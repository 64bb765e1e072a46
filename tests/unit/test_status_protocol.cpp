// common/status_protocol: the status socket's messages, byte for byte, and what is refused.
#include "cmocka.hpp"
#include "status_protocol.hpp"

#include <string>

using namespace sspr;
using namespace sspr::status;

namespace {
std::string_view body(const std::string& framed) { return std::string_view(framed).substr(0, framed.size() - 1); }
}  // namespace

static void test_the_request_pam_sspr_sends(void**) {
  const auto r = request("alice");
  assert_str(r, std::string(R"({"method":"io.sspr.Status.GetRegistrationStatus","parameters":{"user":"alice"}})") + '\0');
  const auto user = parse_request(body(r));
  assert_true(user.has_value());
  assert_str(*user, "alice");
}

static void test_requests_that_are_refused(void**) {
  for (const char* bad : {"", "null", "[]", "not json", R"({"method":"io.sspr.Status.Other","parameters":{"user":"a"}})",
                          R"({"method":"io.sspr.Status.GetRegistrationStatus"})",
                          R"({"method":"io.sspr.Status.GetRegistrationStatus","parameters":{"user":7}})",
                          R"({"method":"io.sspr.Status.GetRegistrationStatus","parameters":[]})"})
    assert_false(parse_request(bad).has_value());
  // A user name longer than any valid one, a message at the bound, a NUL inside.
  assert_false(parse_request(body(request(std::string(65, 'a')))).has_value());
  assert_true(parse_request(body(request(std::string(64, 'a')))).has_value());
  std::string padded = std::string(body(request("alice")));
  padded.insert(padded.size() - 1, std::string(kMaxMessage, ' '));
  assert_false(parse_request(padded).has_value());
  assert_false(parse_request(std::string("{\"method\":\"a\0\"}", 16)).has_value());
}

static void test_an_answer_round_trips(void**) {
  Answer a;
  a.user = "bob";
  a.must_register = true;
  a.reason = "required for everyone";
  a.can_skip = true;
  a.skips_left = 2;
  a.skip_deadline_usec = 1'800'000'000'000'000ull;
  const auto framed = reply(a);
  assert_str(framed, std::string(R"({"parameters":{"can_skip":true,"must_register":true,"reason":"required for everyone",)"
                                 R"("reconfirm_due":false,"registered":false,"skip_deadline_usec":1800000000000000,)"
                                 R"("skips_left":2,"user":"bob"}})") + '\0');
  const auto back = parse_reply(body(framed));
  assert_true(back && back->answer && back->error == nullptr);
  assert_str(back->answer->user, "bob");
  assert_true(back->answer->must_register && back->answer->can_skip && !back->answer->registered);
  assert_int_equal(back->answer->skips_left, 2);
  assert_true(back->answer->skip_deadline_usec == 1'800'000'000'000'000ull);
}

static void test_errors_name_the_table(void**) {
  const auto framed = error_reply(ErrorCode::NoSuchUser);
  assert_str(framed, std::string(R"({"error":"io.sspr.reset1.Error.NoSuchUser","parameters":{}})") + '\0');
  const auto back = parse_reply(body(framed));
  assert_true(back && !back->answer);
  assert_ptr_equal(back->error, &error_info(ErrorCode::NoSuchUser));
  const auto foreign = parse_reply(R"({"error":"com.example.Other","parameters":{}})");
  assert_true(foreign && foreign->error == nullptr);
  assert_str(foreign->error_name, "com.example.Other");
}

static void test_replies_that_are_refused(void**) {
  for (const char* bad : {"", "{}", R"({"parameters":{"user":"bob"}})", R"({"error":7})",
                          R"({"parameters":{"user":"bob","registered":"yes","must_register":false,"reason":"",)"
                          R"("reconfirm_due":false,"can_skip":false,"skips_left":0,"skip_deadline_usec":0}})",
                          R"({"parameters":{"user":"bob","registered":true,"must_register":false,"reason":"",)"
                          R"("reconfirm_due":false,"can_skip":false,"skips_left":-1,"skip_deadline_usec":0}})",
                          R"({"parameters":{"user":"bob","registered":true,"must_register":false,"reason":"",)"
                          R"("reconfirm_due":false,"can_skip":false,"skips_left":4294967296,"skip_deadline_usec":0}})"})
    assert_false(parse_reply(bad).has_value());
}

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_the_request_pam_sspr_sends),   cmocka_unit_test(test_requests_that_are_refused),
      cmocka_unit_test(test_an_answer_round_trips),        cmocka_unit_test(test_errors_name_the_table),
      cmocka_unit_test(test_replies_that_are_refused),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
