// Issue 11, item 10: what the application's conversation typed (a password, a code, an answer)
// leaves no copy behind in the reply buffer, whatever its length: pam_sspr takes a copy into a
// Secret and wipes every byte before the buffer is freed; an answer too long is refused, and
// wiped all the same.
#include "cmocka.hpp"
#include "pam_conversation.hpp"

#include <cstdlib>
#include <cstring>
#include <string>

using namespace sspr;
using namespace sspr::pam;

namespace {

// A reply buffer as a conversation function allocates it: n bytes of `c` and a NUL.
char* reply(std::size_t n, char c) {
  auto* buffer = static_cast<char*>(std::malloc(n + 1));
  std::memset(buffer, c, n);
  buffer[n] = '\0';
  return buffer;
}

bool all_zero(const char* buffer, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i)
    if (buffer[i] != '\0') return false;
  return true;
}

}  // namespace

static void test_a_code_is_copied_and_the_reply_wiped(void**) {
  auto* buffer = static_cast<char*>(std::malloc(7));
  std::memcpy(buffer, "123456", 7);
  const auto code = take_response<Secret>(buffer);
  assert_true(code.has_value());
  assert_str(std::string(code->reveal()), "123456");
  assert_true(all_zero(buffer, 7));
  std::free(buffer);
}

static void test_the_longest_answer_is_taken_whole(void**) {
  char* buffer = reply(kMaxResponse, 'a');
  const auto answer = take_response<Secret>(buffer);
  assert_true(answer.has_value());
  assert_int_equal(answer->reveal().size(), kMaxResponse);
  assert_true(all_zero(buffer, kMaxResponse + 1));
  std::free(buffer);
}

// Before: an answer past 1,025 bytes was refused and only its first part wiped.
static void test_a_longer_answer_is_refused_and_wiped_whole(void**) {
  for (const std::size_t n : {kMaxResponse + 1, std::size_t{1025}, std::size_t{1026}, std::size_t{4096}, std::size_t{65536}}) {
    char* buffer = reply(n, 's');
    assert_false(take_response<Secret>(buffer).has_value());
    assert_true(all_zero(buffer, n + 1));
    std::free(buffer);
  }
}

static void test_an_empty_answer_is_an_answer(void**) {
  char* buffer = reply(0, 0);
  const auto answer = take_response<std::string>(buffer);
  assert_true(answer.has_value());
  assert_str(*answer, "");
  std::free(buffer);
}

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_a_code_is_copied_and_the_reply_wiped),
      cmocka_unit_test(test_the_longest_answer_is_taken_whole),
      cmocka_unit_test(test_a_longer_answer_is_refused_and_wiped_whole),
      cmocka_unit_test(test_an_empty_answer_is_an_answer),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
