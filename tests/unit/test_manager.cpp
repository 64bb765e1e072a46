// Manager: who may ask about whom, what counts as registered, reconfirmation and grace.
// Users come from an injected lookup (the NSS seam) and time from an injected clock; records
// from a real store directory.
#include "cmocka.hpp"
#include "run_now.hpp"
#include "manager.hpp"
#include "state_directory.hpp"

#include <sys/stat.h>

using namespace sspr;
using namespace sspr::daemon;

namespace {

constexpr std::int64_t kNow = 1'800'000'000;
constexpr std::int64_t kDay = 86400;

const std::map<std::string, UserAccount> kUsers = {
    {"root", {"root", 0, 0, {"root"}}},
    {"alice", {"alice", 1001, 1001, {"alice"}}},
    {"bob", {"bob", 1002, 1002, {"bob"}}},
    {"erin", {"erin", 1005, 1005, {"erin"}}},
};

struct Fixture {
  std::string dir;
  std::unique_ptr<LocalRegistrationStore> store;
  std::int64_t now = kNow;
  Config config;
  std::unique_ptr<Manager> manager;

  Result<RegistrationStatus> status(uid_t caller, std::string user) {
    return run_now(manager->registration_status(caller, std::move(user)));
  }

  void rebuild() {
    manager = std::make_unique<Manager>(
        config, *store,
        [](std::string_view name) -> std::optional<UserAccount> {
          auto it = kUsers.find(std::string(name));
          return it == kUsers.end() ? std::nullopt : std::optional(it->second);
        },
        [](uid_t uid) -> std::optional<UserAccount> {
          for (const auto& [n, u] : kUsers)
            if (u.uid == uid) return u;
          return std::nullopt;
        },
        [this] { return now; });
  }
};

RegistrationRecord registered_record(std::int64_t confirmed) {
  RegistrationRecord r;
  r.recovery_codes = RecoveryCodesMethod{{"00"}};
  r.recovery_codes_times = {confirmed, confirmed};
  r.first_registered = r.last_confirmed = confirmed;
  return r;
}

int setup(void** state) {
  auto* f = new Fixture;
  char tmpl[] = "/tmp/sspr-manager-test-XXXXXX";
  f->dir = mkdtemp(tmpl);
  std::string problem;
  auto dir = open_state_directory(f->dir + "/state", problem);
  f->store = std::make_unique<LocalRegistrationStore>(open_private_subdirectory(dir.get(), "registrations", problem));
  f->config = Config::defaults();
  f->config.required_for = RegistrationScope::all;
  f->rebuild();
  assert_int_equal(f->store->write("alice", registered_record(kNow)), 0);
  const auto path = f->dir + "/state/registrations/erin.json";
  std::ofstream(path) << "{not json";
  chmod(path.c_str(), 0600);
  *state = f;
  return 0;
}

int teardown(void** state) {
  auto* f = static_cast<Fixture*>(*state);
  std::filesystem::remove_all(f->dir);
  delete f;
  return 0;
}

Fixture& fx(void** state) { return *static_cast<Fixture*>(*state); }

void expect_error(const Result<RegistrationStatus>& r, ErrorCode code) {
  assert_false(r.ok());
  assert_int_equal(static_cast<int>(r.error()), static_cast<int>(code));
}

}  // namespace

static void test_root_asks_about_anyone(void** state) {
  auto& m = *fx(state).manager;
  const auto alice = run_now(m.registration_status(0, "alice"));
  assert_true(alice.ok());
  assert_str(alice->user, "alice");
  assert_true(alice->registered);
  assert_true(alice->must_register);
  assert_false(alice->action_needed());
  const auto bob = run_now(m.registration_status(0, "bob"));
  assert_false(bob->registered);
  assert_true(bob->action_needed());
  assert_str(bob->reason, "registration is required for all users");
  expect_error(run_now(m.registration_status(0, "nosuchuser")), ErrorCode::NoSuchUser);
  expect_error(run_now(m.registration_status(0, "bad/name")), ErrorCode::InvalidUserName);
}

static void test_user_asks_only_about_itself(void** state) {
  auto& m = *fx(state).manager;
  assert_str(run_now(m.registration_status(1002, "bob"))->user, "bob");
  assert_str(run_now(m.registration_status(1002, ""))->user, "bob");
  // Another user, and a user that does not exist, look the same to a non-root caller.
  expect_error(run_now(m.registration_status(1002, "alice")), ErrorCode::AccessDenied);
  expect_error(run_now(m.registration_status(1002, "nosuchuser")), ErrorCode::AccessDenied);
  expect_error(run_now(m.registration_status(1002, "root")), ErrorCode::AccessDenied);
  // A caller without a passwd entry has no "self".
  expect_error(run_now(m.registration_status(4242, "")), ErrorCode::NoSuchUser);
}

static void test_corrupt_record_is_not_registered(void** state) {
  const auto erin = fx(state).status(0, "erin");
  assert_false(erin->registered);
  assert_true(erin->must_register);
  assert_str(erin->reason, "registration is required for all users; the stored registration record is damaged");
}

static void test_methods_required(void** state) {
  auto& f = fx(state);
  f.config.methods_required = 2;
  f.rebuild();
  assert_false(f.status(0, "alice")->registered);
  auto r = registered_record(kNow);
  r.email = ContactMethod{"a@example.com"};
  assert_int_equal(f.store->write("alice", r), 0);
  assert_true(f.status(0, "alice")->registered);
}

static void test_reconfirmation_falls_due(void** state) {
  auto& f = fx(state);
  f.now = kNow + 180 * kDay - 1;
  assert_false(f.status(0, "alice")->reconfirm_due);
  f.now = kNow + 180 * kDay;
  const auto due = f.status(0, "alice");
  assert_true(due->reconfirm_due);
  assert_true(due->action_needed());
  f.config.reconfirm_days = 0;  // never
  f.rebuild();
  assert_false(f.status(0, "alice")->reconfirm_due);
}

static void test_grace_counts_skips_and_days(void** state) {
  auto& f = fx(state);
  // Before the first prompt the period would start now.
  auto bob = f.status(0, "bob");
  assert_true(bob->can_skip);
  assert_int_equal(bob->skips_left, 3);
  assert_int_equal(bob->skip_deadline, kNow + 14 * kDay);

  RegistrationRecord r;
  r.first_prompted = kNow - 2 * kDay;
  r.skips_used = 2;
  assert_int_equal(f.store->write("bob", r), 0);
  bob = f.status(0, "bob");
  assert_true(bob->can_skip);
  assert_int_equal(bob->skips_left, 1);
  assert_int_equal(bob->skip_deadline, kNow + 12 * kDay);

  r.skips_used = 3;  // skips used up
  assert_int_equal(f.store->write("bob", r), 0);
  assert_false(f.status(0, "bob")->can_skip);
  assert_int_equal(f.status(0, "bob")->skips_left, 0);

  r.skips_used = 0;
  r.first_prompted = kNow - 14 * kDay;  // deadline reached
  assert_int_equal(f.store->write("bob", r), 0);
  assert_false(f.status(0, "bob")->can_skip);

  f.config.grace_days = 0;  // no deadline: skips alone count
  f.rebuild();
  bob = f.status(0, "bob");
  assert_true(bob->can_skip);
  assert_int_equal(bob->skip_deadline, 0);
  f.config.grace_skips = 0;  // no skipping at all
  f.rebuild();
  assert_false(f.status(0, "bob")->can_skip);
}

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_root_asks_about_anyone, setup, teardown),
      cmocka_unit_test_setup_teardown(test_user_asks_only_about_itself, setup, teardown),
      cmocka_unit_test_setup_teardown(test_corrupt_record_is_not_registered, setup, teardown),
      cmocka_unit_test_setup_teardown(test_methods_required, setup, teardown),
      cmocka_unit_test_setup_teardown(test_reconfirmation_falls_due, setup, teardown),
      cmocka_unit_test_setup_teardown(test_grace_counts_skips_and_days, setup, teardown),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
