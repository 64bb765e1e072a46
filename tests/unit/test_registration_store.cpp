// Records: parsed strictly; anything unreadable, unsafe or malformed is "corrupt", which the
// Manager never counts as registered.
#include "cmocka.hpp"
#include "registration_store.hpp"
#include "state_directory.hpp"

#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

using namespace sspr;
using namespace sspr::daemon;

static void expect_corrupt(const char* text, const char* problem) {
  const auto r = parse_registration_record(text, "alice");
  assert_int_equal(static_cast<int>(r.state), static_cast<int>(RecordState::corrupt));
  assert_str(r.problem, problem);
}

static void test_parse_valid(void**) {
  const auto r = parse_registration_record(
      R"({"version":1,"user":"alice","methods":[{"type":"totp","confirmed":true},{"type":"email","confirmed":false},{"type":"questions","confirmed":true}]})",
      "alice");
  assert_int_equal(static_cast<int>(r.state), static_cast<int>(RecordState::present));
  assert_int_equal(r.record.confirmed_methods.size(), 2);
  assert_str(r.record.confirmed_methods[1], "questions");
}

static void test_parse_invalid(void**) {
  expect_corrupt("", "not a JSON object");
  expect_corrupt("{garbage", "not a JSON object");
  expect_corrupt("[]", "not a JSON object");
  expect_corrupt(R"({"version":2,"user":"alice","methods":[]})", "unsupported or missing version");
  expect_corrupt(R"({"version":1,"user":"bob","methods":[]})", "record does not belong to this user");
  expect_corrupt(R"({"version":1,"user":"alice"})", "missing methods list");
  expect_corrupt(R"({"version":1,"user":"alice","methods":[1]})", "method entry is not an object");
  expect_corrupt(R"({"version":1,"user":"alice","methods":[{"type":"fax","confirmed":true}]})", "unknown method type");
  expect_corrupt(R"({"version":1,"user":"alice","methods":[{"type":"totp"}]})", "method without a confirmed flag");
  expect_corrupt(R"({"version":1,"user":"alice","methods":[{"type":"totp","confirmed":true},{"type":"totp","confirmed":true}]})",
                 "method listed twice");
}

struct Dir {
  std::string path;
  Dir() {
    char tmpl[] = "/tmp/sspr-store-test-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~Dir() { std::filesystem::remove_all(path); }
};

static void put(const std::string& path, const std::string& text, mode_t mode) {
  std::ofstream(path) << text;
  chmod(path.c_str(), mode);
}

static void test_store_load(void**) {
  Dir dir;
  std::string problem;
  auto state = open_state_directory(dir.path + "/state", problem);
  assert_true(static_cast<bool>(state));
  auto records = open_private_subdirectory(state.get(), "registrations", problem);
  assert_true(static_cast<bool>(records));
  const std::string base = dir.path + "/state/registrations/";
  RegistrationStore store(std::move(records));

  assert_int_equal(static_cast<int>(store.load("nobody").state), static_cast<int>(RecordState::absent));

  put(base + "alice.json", R"({"version":1,"user":"alice","methods":[{"type":"totp","confirmed":true}]})", 0600);
  assert_int_equal(static_cast<int>(store.load("alice").state), static_cast<int>(RecordState::present));

  put(base + "loose.json", R"({"version":1,"user":"loose","methods":[]})", 0644);
  const auto loose = store.load("loose");
  assert_int_equal(static_cast<int>(loose.state), static_cast<int>(RecordState::corrupt));
  assert_str(loose.problem, "record has unsafe owner or mode");

  // A symlink planted in the store is not followed.
  assert_int_equal(symlink("/etc/passwd", (base + "link.json").c_str()), 0);
  const auto link = store.load("link");
  assert_int_equal(static_cast<int>(link.state), static_cast<int>(RecordState::corrupt));
  assert_str(link.problem, "cannot open record: Too many levels of symbolic links");

  mkfifo((base + "fifo.json").c_str(), 0600);
  assert_str(store.load("fifo").problem, "record is not a regular file");
}

static void test_state_directory_checks(void**) {
  Dir dir;
  std::string problem;
  const std::string open_dir = dir.path + "/open";
  mkdir(open_dir.c_str(), 0755);
  assert_false(static_cast<bool>(open_state_directory(open_dir, problem)));
  assert_str(problem, open_dir + " must be owned by root and have mode 0700 (chown root: and chmod 0700 it)");
  assert_false(static_cast<bool>(open_state_directory("relative", problem)));
  assert_str(problem, "state directory 'relative' is not an absolute path");
  auto fresh = open_state_directory(dir.path + "/fresh", problem);
  assert_true(static_cast<bool>(fresh));
  struct stat st {};
  stat((dir.path + "/fresh").c_str(), &st);
  assert_int_equal(st.st_mode & 07777, 0700);
}

int main() {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_parse_valid), cmocka_unit_test(test_parse_invalid),
                                     cmocka_unit_test(test_store_load), cmocka_unit_test(test_state_directory_checks)};
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
