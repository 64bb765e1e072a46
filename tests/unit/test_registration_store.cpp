// Records: strict parsing, round trip, atomic durable saves; anything unreadable, unsafe or
// malformed is "corrupt", which the Manager never counts as registered.
#include "cmocka.hpp"
#include "atomic_file.hpp"
#include "registration_store.hpp"
#include "state_directory.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace sspr;
using namespace sspr::daemon;

namespace {

const char* kHeader = R"({"version":2,"user":"alice","first_registered":10,"last_confirmed":20,"first_prompted":0,"skips_used":1,)";

std::string record_with(const std::string& methods) { return std::string(kHeader) + R"("methods":)" + methods + "}"; }

void expect_problem(const std::string& text, const char* problem) {
  std::string p;
  assert_false(parse_record(text, "alice", p).has_value());
  assert_str(p, problem);
}

struct Dir {
  std::string path;
  Dir() {
    char tmpl[] = "/tmp/sspr-store-test-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~Dir() { std::filesystem::remove_all(path); }
};

void put(const std::string& path, const std::string& text, mode_t mode) {
  std::ofstream(path) << text;
  chmod(path.c_str(), mode);
}

std::vector<std::string> entries(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir)) names.push_back(e.path().filename());
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

static void test_parse_and_round_trip(void**) {
  const auto text = record_with(
      R"({"totp":{"added":1,"usable_from":2,"secret":"c2VhbGVk","algorithm":"SHA1","digits":6,"period":30,"last_step":99},)"
      R"("email":{"added":3,"usable_from":4,"address":"a@example.com"},)"
      R"("questions":{"added":5,"usable_from":5,"items":[{"question":"Q1?","answer_hash":"$argon2id$x"}]},)"
      R"("recovery_codes":{"added":6,"usable_from":6,"digests":["ab","cd"]}})");
  std::string problem;
  const auto r = parse_record(text, "alice", problem);
  assert_true(r.has_value());
  assert_int_equal(r->method_count(), 4);
  assert_true(r->has(MethodType::totp) && r->has(MethodType::email) && !r->has(MethodType::sms));
  assert_int_equal(*r->totp->last_step, 99);
  assert_int_equal(r->email_times.usable_from, 4);
  assert_int_equal(r->skips_used, 1);
  assert_str(r->questions->items[0].question, "Q1?");
  // serialize . parse is the identity
  const auto again = parse_record(serialize_record(*r, "alice"), "alice", problem);
  assert_true(again.has_value());
  assert_str(serialize_record(*again, "alice"), serialize_record(*r, "alice"));
}

static void test_parse_invalid(void**) {
  expect_problem("", "not a JSON object");
  expect_problem("{garbage", "not a JSON object");
  expect_problem("[]", "not a JSON object");
  expect_problem(R"({"version":1,"user":"alice","methods":[]})", "unsupported record version");
  expect_problem(std::string(kHeader).replace(std::string(kHeader).find("alice"), 5, "bob") + R"("methods":{}})",
                 "record does not belong to this user");
  expect_problem(std::string(kHeader) + "\"x\":1}", "missing field 'methods'");
  expect_problem(record_with(R"({"fax":{"added":1,"usable_from":1}})"), "unknown method type");
  expect_problem(record_with(R"({"email":{"added":1,"usable_from":1}})"), "missing field 'address'");
  expect_problem(record_with(R"({"email":{"added":"x","usable_from":1,"address":"a@b.c"}})"),
                 "field 'added' is not an integer");
  expect_problem(record_with(R"({"totp":{"added":1,"usable_from":1,"secret":"x","algorithm":"MD5","digits":6,"period":30}})"),
                 "unknown TOTP algorithm");
  expect_problem(record_with(R"({"totp":{"added":1,"usable_from":1,"secret":"x","algorithm":"SHA1","digits":9,"period":30}})"),
                 "field 'digits' is out of range");
  expect_problem(record_with(R"({"questions":{"added":1,"usable_from":1,"items":[]}})"), "questions: bad item list");
}

static void test_store_load_and_save(void**) {
  Dir dir;
  std::string problem;
  auto state = open_state_directory(dir.path + "/state", problem);
  assert_true(static_cast<bool>(state));
  auto records = open_private_subdirectory(state.get(), "registrations", problem);
  assert_true(static_cast<bool>(records));
  const std::string base = dir.path + "/state/registrations/";
  LocalRegistrationStore store(std::move(records));

  assert_int_equal(static_cast<int>(store.read("nobody").state), static_cast<int>(RecordState::absent));

  RegistrationRecord r;
  r.email = ContactMethod{"a@example.com"};
  r.email_times = {100, 200};
  assert_int_equal(store.write("alice", r), 0);
  struct stat st {};
  assert_int_equal(stat((base + "alice.json").c_str(), &st), 0);
  assert_int_equal(st.st_mode & 07777, 0600);
  const auto loaded = store.read("alice");
  assert_int_equal(static_cast<int>(loaded.state), static_cast<int>(RecordState::present));
  assert_str(loaded.record.email->address, "a@example.com");
  // No temp file is left behind.
  assert_int_equal(entries(base).size(), 1);

  put(base + "loose.json", serialize_record(r, "loose"), 0644);
  const auto loose = store.read("loose");
  assert_int_equal(static_cast<int>(loose.state), static_cast<int>(RecordState::corrupt));
  assert_str(loose.problem, "record has unsafe owner or mode");

  // A symlink planted in the store is not followed.
  assert_int_equal(symlink("/etc/passwd", (base + "link.json").c_str()), 0);
  assert_str(store.read("link").problem, "cannot open record: Too many levels of symbolic links");
  mkfifo((base + "fifo.json").c_str(), 0600);
  assert_str(store.read("fifo").problem, "record is not a regular file");
}

static void test_atomic_write_failure_leaves_nothing(void**) {
  Dir dir;
  const int fd = open(dir.path.c_str(), O_RDONLY | O_DIRECTORY);
  // The target is a directory: rename fails, and the temp file must be gone.
  mkdir((dir.path + "/victim").c_str(), 0700);
  assert_int_equal(write_file_atomically(fd, "victim", "data", 0600), -EISDIR);
  assert_int_equal(entries(dir.path).size(), 1);
  assert_int_equal(write_file_atomically(fd, "../escape", "data", 0600), -EINVAL);
  assert_int_equal(write_file_atomically(fd, ".hidden", "data", 0600), -EINVAL);
  assert_int_equal(write_file_atomically(fd, "ok", "data", 0600), 0);
  std::ifstream in(dir.path + "/ok");
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  assert_str(content, "data");
  close(fd);
}

static void test_interrupted_writes_are_removed_at_start(void**) {
  Dir dir;
  const int fd = open(dir.path.c_str(), O_RDONLY | O_DIRECTORY);
  put(dir.path + "/alice.json", "{}", 0600);
  put(dir.path + "/.alice.json.0123456789abcdef", "{half", 0600);  // a write a crash interrupted
  put(dir.path + "/.bob.json.fedcba9876543210", "", 0600);
  put(dir.path + "/.alice.json.0123456789abcdeg", "", 0600);  // not a name we make: left alone
  put(dir.path + "/.notes", "", 0600);
  put(dir.path + "/.carol.json.00000000000000ff", "{live", 0600);  // a write under way since the start
  const auto old = std::time(nullptr) - 60;
  const struct timespec times[2] = {{old, 0}, {old, 0}};
  for (const char* name : {".alice.json.0123456789abcdef", ".bob.json.fedcba9876543210"})
    utimensat(fd, name, times, 0);
  assert_int_equal(remove_interrupted_writes(fd, std::time(nullptr) - 30), 2);
  assert_true(entries(dir.path) == std::vector<std::string>({".alice.json.0123456789abcdeg",
                                                             ".carol.json.00000000000000ff", ".notes", "alice.json"}));
  assert_int_equal(remove_interrupted_writes(fd, std::time(nullptr) - 30), 0);
  close(fd);
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
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_parse_and_round_trip), cmocka_unit_test(test_parse_invalid),
                                     cmocka_unit_test(test_store_load_and_save),
                                     cmocka_unit_test(test_atomic_write_failure_leaves_nothing),
                                     cmocka_unit_test(test_interrupted_writes_are_removed_at_start),
                                     cmocka_unit_test(test_state_directory_checks)};
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
