// The status socket's messages (common/status_protocol.cpp), read by ssprd from any root
// process (parse_request) and by pam_sspr from the socket (parse_reply). Input: one byte
// choosing the parser (even: request, odd: reply), then the message without its NUL.
//
// Invariants:
//  - a message over the bound, or holding a NUL, is refused;
//  - an accepted request names a user of at most kMaxUserNameLength bytes, and the request
//    pam_sspr would send for that user is accepted back as the same user;
//  - an accepted reply is an answer or an error, never both; an error names a row of the
//    table or none (error_name kept, at most 255 bytes); an answer written again with reply()
//    is read back field for field;
//  - what the writers produce is one NUL-terminated message without another NUL.
#include "fuzz_support.hpp"

#include "status_protocol.hpp"
#include "user_name.hpp"

using namespace sspr;
using sspr::fuzz::show;

namespace {

bool same(const status::Answer& a, const status::Answer& b) {
  return a.user == b.user && a.registered == b.registered && a.must_register == b.must_register &&
         a.reason == b.reason && a.reconfirm_due == b.reconfirm_due && a.can_skip == b.can_skip &&
         a.skips_left == b.skips_left && a.skip_deadline_usec == b.skip_deadline_usec;
}

void check_framing(const std::string& message) {
  FUZZ_CHECK(!message.empty() && message.back() == '\0', "unterminated message");
  FUZZ_CHECK(message.find('\0') == message.size() - 1, "a NUL inside a message");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0 || size > 2 * status::kMaxMessage) return 0;
  const bool reply = (data[0] & 1) != 0;
  const auto message = fuzz::as_view(data + 1, size - 1);
  const bool oversized = message.size() >= status::kMaxMessage || message.find('\0') != std::string_view::npos;
  if (!reply) {
    const auto user = status::parse_request(message);
    if (oversized) FUZZ_CHECK(!user, "an oversized or NUL-holding request accepted");
    if (!user) return 0;
    FUZZ_CHECK(user->size() <= kMaxUserNameLength, "user " + show(*user));
    const auto again = status::request(*user);
    check_framing(again);
    const auto back = status::parse_request(std::string_view(again).substr(0, again.size() - 1));
    // A user that is not UTF-8 is written with replacement characters: only valid names must survive.
    if (valid_user_name(*user)) FUZZ_CHECK(back && *back == *user, "request round trip of " + show(*user));
    return 0;
  }
  const auto parsed = status::parse_reply(message);
  if (oversized) FUZZ_CHECK(!parsed, "an oversized or NUL-holding reply accepted");
  if (!parsed) return 0;
  if (parsed->answer) {
    FUZZ_CHECK(parsed->error == nullptr && parsed->error_name.empty(), "an answer that is also an error");
    const auto again = status::reply(*parsed->answer);
    check_framing(again);
    const auto back = status::parse_reply(std::string_view(again).substr(0, again.size() - 1));
    if (again.size() < status::kMaxMessage) {
      FUZZ_CHECK(back && back->answer, "reply round trip refused");
      // Strings that are not UTF-8 come back with replacement characters; the rest exactly.
      auto expected = *parsed->answer;
      expected.user = back->answer->user;
      expected.reason = back->answer->reason;
      FUZZ_CHECK(same(*back->answer, expected), "reply round trip changed a field");
    }
  } else {
    FUZZ_CHECK(!parsed->error_name.empty() || parsed->error == nullptr, "an error without a name");
    FUZZ_CHECK(parsed->error_name.size() <= 255, "error name too long");
    if (parsed->error != nullptr) {
      FUZZ_CHECK(parsed->error->bus_name == parsed->error_name, "error row of another name");
      const auto again = status::error_reply(parsed->error->code);
      check_framing(again);
      const auto back = status::parse_reply(std::string_view(again).substr(0, again.size() - 1));
      FUZZ_CHECK(back && back->error == parsed->error, "error round trip");
    }
  }
  return 0;
}
