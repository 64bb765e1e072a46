// The shadow line edit alone (no files): one entry's hash and day change, every other byte is
// kept, and anything ambiguous or malformed about the target is refused.
#include "cmocka.hpp"
#include "backend/shadow_edit.hpp"

using namespace sspr;
using namespace sspr::daemon::backend;

namespace {

const std::string kFixtures = SSPR_SOURCE_DIR "/tests/data/shadow/";
const std::string kNew = "$y$j9T$newsalt0123456789abc$NEWhashNEWhashNEWhashNEWhashNEWhashNEWhashN";

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  assert_true(in.good());
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void expect_error(std::string_view content, std::string_view user, std::string_view hash, std::int64_t day,
                  ErrorCode code, const std::string& problem) {
  std::string p;
  const auto r = replace_shadow_entry(content, user, hash, day, p);
  assert_false(r.ok());
  assert_int_equal(static_cast<int>(r.error()), static_cast<int>(code));
  assert_str(p, problem);
}

std::string edit(std::string_view content, std::string_view user, std::string_view hash, std::int64_t day) {
  std::string p;
  auto r = replace_shadow_entry(content, user, hash, day, p);
  assert_true(r.ok());
  return std::move(r).value();
}

}  // namespace

static void test_fixture_users(void**) {
  const auto mixed = slurp(kFixtures + "mixed");
  for (const char* user : {"alice", "bob", "eve", "zed"})
    assert_true(edit(mixed, user, kNew, 20000) == slurp(kFixtures + "mixed." + user));
}

static void test_minimal_cases(void**) {
  assert_str(edit("a:x:1:2:3:4:5:6:7", "a", "H", 9), "a:H:9:2:3:4:5:6:7");
  assert_str(edit("a:x:1:2:3:4:5:6:7\n", "a", "H", 0), "a:H:0:2:3:4:5:6:7\n");
  assert_str(edit("a::::::::\n", "a", "H", 12), "a:H:12::::::\n");
  assert_str(edit("b:x:::::::\na:x:-1::::::\n\n", "a", "!H", 3), "b:x:::::::\na:!H:3::::::\n\n");
  // Prefixes and NIS lines are other names.
  assert_str(edit("+a::::::::\nab:x:::::::\na:x:::::::\n", "a", "H", 1), "+a::::::::\nab:x:::::::\na:H:1::::::\n");
}

static void test_refusals(void**) {
  // An administrator's lock is never written over: passwd -l, no password yet, no password logins.
  for (const char* line : {"a:!$y$j9T$s$h:1::::::\n", "a:!:1::::::\n", "a:*:1::::::\n", "a:!!:1::::::\n"})
    expect_error(line, "a", "H", 9, ErrorCode::NotPermitted, "the entry of 'a' (line 1) is locked");
  const auto mixed = slurp(kFixtures + "mixed");
  expect_error(mixed, "mallory", kNew, 1, ErrorCode::NoSuchUser, "user 'mallory' has no entry");
  expect_error(mixed, "nisuser", kNew, 1, ErrorCode::NoSuchUser, "user 'nisuser' has no entry");
  expect_error(mixed, "baduser", kNew, 1, ErrorCode::NoSuchUser, "user 'baduser' has no entry");
  expect_error(mixed, "carol", kNew, 1, ErrorCode::Internal,
               "the entry of 'carol' (line 10): field 9 is not a number");  // the CR of its CRLF
  expect_error(mixed, "dave", kNew, 1, ErrorCode::Internal, "the entry of 'dave' (line 14) has 2 fields, not 9");
  expect_error(slurp(kFixtures + "duplicate"), "alice", kNew, 1, ErrorCode::Internal,
               "user 'alice' has more than one entry (lines 2 and 4)");
  expect_error("a:x:1:2:3:4:5:6:7:8\n", "a", "H", 1, ErrorCode::Internal,
               "the entry of 'a' (line 1) has 10 fields, not 9");
  expect_error("a:x:1:2:3:4:5:6\n", "a", "H", 1, ErrorCode::Internal, "the entry of 'a' (line 1) has 8 fields, not 9");
  expect_error("a:x:1:2: 3:4:5:6:7\n", "a", "H", 1, ErrorCode::Internal,
               "the entry of 'a' (line 1): field 5 is not a number");
  expect_error("a:x:1:2:3:4:5:6:x\n", "a", "H", 1, ErrorCode::Internal,
               "the entry of 'a' (line 1): field 9 is not a number");
  expect_error("a:x:-:2:3:4:5:6:7\n", "a", "H", 1, ErrorCode::Internal,
               "the entry of 'a' (line 1): field 3 is not a number");
  expect_error("a\n", "a", "H", 1, ErrorCode::Internal, "the entry of 'a' (line 1) has 1 fields, not 9");
  expect_error("", "a", "H", 1, ErrorCode::NoSuchUser, "user 'a' has no entry");
}

static void test_request_checks(void**) {
  const auto mixed = slurp(kFixtures + "mixed");
  const std::string bad_hash = "new hash contains ':', a space or a control byte";
  expect_error(mixed, "alice", "$6$a:b", 1, ErrorCode::InvalidArgument, bad_hash);
  expect_error(mixed, "alice", "$6$ab\n", 1, ErrorCode::InvalidArgument, bad_hash);
  expect_error(mixed, "alice", "$6$ab\r", 1, ErrorCode::InvalidArgument, bad_hash);
  expect_error(mixed, "alice", "$6$a b", 1, ErrorCode::InvalidArgument, bad_hash);
  expect_error(mixed, "alice", std::string_view("$6$a\0b", 6), 1, ErrorCode::InvalidArgument, bad_hash);
  expect_error(mixed, "alice", "", 1, ErrorCode::InvalidArgument, "new hash is empty or too long");
  expect_error(mixed, "alice", std::string(kMaxHashLength + 1, 'x'), 1, ErrorCode::InvalidArgument,
               "new hash is empty or too long");
  expect_error(mixed, "alice", kNew, -1, ErrorCode::InvalidArgument, "negative day of last change");
  for (const char* user : {"", "al:ice", "alice\n", "+alice", "-alice", "al ice"})
    expect_error(mixed, user, kNew, 1, ErrorCode::InvalidUserName, "invalid user name");
}

int main() {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_fixture_users), cmocka_unit_test(test_minimal_cases),
                                     cmocka_unit_test(test_refusals), cmocka_unit_test(test_request_checks)};
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
