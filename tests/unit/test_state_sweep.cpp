// StateSweep: a registration record goes only when its account has been missing at sweeps a
// week apart (a directory briefly unreachable must not wipe registrations), an account that
// comes back is forgotten, expired throttle files and a crash's temporary files go, and each
// removed record is one audit event.
#include "cmocka.hpp"
#include "state_directory.hpp"
#include "state_sweep.hpp"

#include <fcntl.h>
#include <set>
#include <sys/stat.h>
#include <unistd.h>

using namespace sspr;
using namespace sspr::daemon;

namespace {

constexpr std::int64_t kStart = 1'800'000'000;
constexpr std::int64_t kDay = 24 * 3600;

struct World {
  std::string dir;
  std::int64_t now = kStart;
  std::set<std::string> accounts{"stay", "back"};
  UniqueFd state;
  std::unique_ptr<LocalRegistrationStore> records;
  std::unique_ptr<throttle::Throttle> throttle;
  std::unique_ptr<AuditLog> audit;
  std::unique_ptr<StateSweep> sweep;

  World() {
    char tmpl[] = "/tmp/sspr-sweep-XXXXXX";
    dir = ::mkdtemp(tmpl);
    std::string problem;
    state = open_state_directory(dir + "/state", problem);
    records = std::make_unique<LocalRegistrationStore>(open_private_subdirectory(state.get(), "registrations", problem));
    throttle = std::make_unique<throttle::Throttle>(open_private_subdirectory(state.get(), "throttle", problem),
                                                    throttle::Policy{}, [this] { return now; });
    audit = AuditLog::open(dir + "/audit/audit.jsonl", problem);
    sweep = std::make_unique<StateSweep>(
        state.get(), *records, *throttle,
        [this](std::string_view name) -> std::optional<UserAccount> {
          if (accounts.count(std::string(name)) == 0) return std::nullopt;
          return UserAccount(std::string(name), 2000, 2000);
        },
        *audit, [this] { return now; });
  }
  ~World() { std::filesystem::remove_all(dir); }

  std::string path(const std::string& name) const { return dir + "/state/registrations/" + name; }
  void record(const std::string& user) const {
    std::ofstream(path(user + ".json")) << "{}";
    ::chmod(path(user + ".json").c_str(), 0600);
  }
  bool has_record(const std::string& user) const { return std::filesystem::exists(path(user + ".json")); }
  std::string missing_file() const {
    std::ifstream in(dir + "/state/missing-accounts.json");
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }
  std::string audit_text() const {
    std::ifstream in(dir + "/audit/audit.jsonl");
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }
};

}  // namespace

static void test_a_record_goes_after_its_account_has_been_gone_a_week(void**) {
  World w;
  w.record("stay");
  w.record("gone");
  auto result = w.sweep->run();
  assert_int_equal(result.records_removed, 0);
  assert_int_equal(result.accounts_missing, 1);
  assert_str(w.missing_file(), "{\"gone\":1800000000}");
  w.now = kStart + 7 * kDay - 1;
  assert_int_equal(w.sweep->run().records_removed, 0);
  assert_true(w.has_record("gone"));
  w.now = kStart + 7 * kDay;
  result = w.sweep->run();
  assert_int_equal(result.records_removed, 1);
  assert_int_equal(result.accounts_missing, 0);
  assert_false(w.has_record("gone"));
  assert_true(w.has_record("stay"));
  assert_str(w.missing_file(), "{}");
  expect_contains(w.audit_text(), "\"event\":\"record_removed\"");
  expect_contains(w.audit_text(), "\"user\":\"gone\"");
  expect_contains(w.audit_text(), "\"missing_since\":\"1800000000\"");
}

static void test_an_account_that_comes_back_starts_the_week_again(void**) {
  World w;
  w.record("back");
  w.accounts.erase("back");  // the directory is unreachable for a while
  assert_int_equal(w.sweep->run().accounts_missing, 1);
  w.accounts.insert("back");
  w.now += 3 * kDay;
  assert_int_equal(w.sweep->run().accounts_missing, 0);
  assert_str(w.missing_file(), "{}");
  w.accounts.erase("back");
  w.now += kDay;
  assert_int_equal(w.sweep->run().accounts_missing, 1);
  w.now += 6 * kDay;  // 10 days after the first miss, 6 after the last return
  assert_int_equal(w.sweep->run().records_removed, 0);
  assert_true(w.has_record("back"));
}

static void test_expired_throttle_files_and_interrupted_writes_go(void**) {
  World w;
  w.record("stay");
  assert_true(w.throttle->record("nobody", throttle::Event::delivery()).ok());  // a decoy's file
  std::ofstream(w.path(".stay.json.0123456789abcdef")) << "{half";
  const std::time_t before_start = std::time(nullptr) - 3600;  // the sweep's start is real time
  const struct timespec old[2] = {{before_start, 0}, {before_start, 0}};
  ::utimensat(AT_FDCWD, w.path(".stay.json.0123456789abcdef").c_str(), old, 0);
  auto result = w.sweep->run();
  assert_int_equal(result.temporary_files_removed, 1);
  assert_int_equal(result.throttle_files_removed, 0);  // the delivery still counts
  w.now += 3600;
  result = w.sweep->run();
  assert_int_equal(result.throttle_files_removed, 1);
  assert_false(std::filesystem::exists(w.dir + "/state/throttle/nobody"));
  assert_true(w.has_record("stay"));
}

static void test_a_damaged_note_only_delays(void**) {
  World w;
  w.record("gone");
  std::ofstream(w.dir + "/state/missing-accounts.json") << "{not json";
  ::chmod((w.dir + "/state/missing-accounts.json").c_str(), 0600);
  w.now = kStart + 30 * kDay;
  assert_int_equal(w.sweep->run().records_removed, 0);  // noted again, from now
  assert_str(w.missing_file(), "{\"gone\":1802592000}");
  assert_true(w.has_record("gone"));
}

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_a_record_goes_after_its_account_has_been_gone_a_week),
      cmocka_unit_test(test_an_account_that_comes_back_starts_the_week_again),
      cmocka_unit_test(test_expired_throttle_files_and_interrupted_writes_go),
      cmocka_unit_test(test_a_damaged_note_only_delays),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
