// Manager.registration_status: who may ask about whom, and what counts as registered.
// Users come from an injected lookup (the NSS seam), records from a real store directory.
#include "cmocka.hpp"
#include "manager.hpp"
#include "state_directory.hpp"

#include <filesystem>
#include <fstream>
#include <map>
#include <sys/stat.h>

using namespace sspr;
using namespace sspr::daemon;

namespace {

const std::map<std::string, UserAccount> kUsers = {
    {"root", {"root", 0, 0, {"root"}}},
    {"alice", {"alice", 1001, 1001, {"alice"}}},
    {"bob", {"bob", 1002, 1002, {"bob"}}},
    {"erin", {"erin", 1005, 1005, {"erin"}}},
};

struct Fixture {
  std::string dir;
  std::unique_ptr<Manager> manager;
};

std::unique_ptr<Manager> make_manager(const std::string& dir, Config config) {
  std::string problem;
  auto state = open_state_directory(dir + "/state", problem);
  auto records = open_private_subdirectory(state.get(), "registrations", problem);
  return std::make_unique<Manager>(
      std::move(config), RegistrationStore(std::move(records)),
      [](std::string_view name) -> std::optional<UserAccount> {
        auto it = kUsers.find(std::string(name));
        return it == kUsers.end() ? std::nullopt : std::optional(it->second);
      },
      [](uid_t uid) -> std::optional<UserAccount> {
        for (const auto& [n, u] : kUsers)
          if (u.uid == uid) return u;
        return std::nullopt;
      });
}

void put_record(const std::string& dir, const std::string& user, const std::string& text) {
  const auto path = dir + "/state/registrations/" + user + ".json";
  std::ofstream(path) << text;
  chmod(path.c_str(), 0600);
}

int setup(void** state) {
  auto* f = new Fixture;
  char tmpl[] = "/tmp/sspr-manager-test-XXXXXX";
  f->dir = mkdtemp(tmpl);
  auto config = Config::defaults();
  config.required_for = RegistrationScope::all;
  f->manager = make_manager(f->dir, config);
  put_record(f->dir, "alice", R"({"version":1,"user":"alice","methods":[{"type":"totp","confirmed":true}]})");
  put_record(f->dir, "erin", "{not json");
  *state = f;
  return 0;
}

int teardown(void** state) {
  auto* f = static_cast<Fixture*>(*state);
  std::filesystem::remove_all(f->dir);
  delete f;
  return 0;
}

Manager& manager(void** state) { return *static_cast<Fixture*>(*state)->manager; }

void expect_error(const Result<RegistrationStatus>& r, ErrorCode code) {
  assert_false(r.ok());
  assert_int_equal(static_cast<int>(r.error()), static_cast<int>(code));
}

}  // namespace

static void test_root_asks_about_anyone(void** state) {
  const auto alice = manager(state).registration_status(0, "alice");
  assert_true(alice.ok());
  assert_str(alice->user, "alice");
  assert_true(alice->registered);
  assert_true(alice->must_register);
  const auto bob = manager(state).registration_status(0, "bob");
  assert_true(bob.ok());
  assert_false(bob->registered);
  assert_true(bob->must_register);
  assert_str(bob->reason, "registration is required for all users");
  expect_error(manager(state).registration_status(0, "nosuchuser"), ErrorCode::NoSuchUser);
  expect_error(manager(state).registration_status(0, "bad/name"), ErrorCode::InvalidUserName);
}

static void test_user_asks_only_about_itself(void** state) {
  const auto self = manager(state).registration_status(1002, "bob");
  assert_true(self.ok());
  assert_str(self->user, "bob");
  const auto implicit = manager(state).registration_status(1002, "");
  assert_true(implicit.ok());
  assert_str(implicit->user, "bob");
  // Another user, and a user that does not exist, look the same to a non-root caller.
  expect_error(manager(state).registration_status(1002, "alice"), ErrorCode::AccessDenied);
  expect_error(manager(state).registration_status(1002, "nosuchuser"), ErrorCode::AccessDenied);
  expect_error(manager(state).registration_status(1002, "root"), ErrorCode::AccessDenied);
  // A caller without a passwd entry has no "self".
  expect_error(manager(state).registration_status(4242, ""), ErrorCode::NoSuchUser);
}

static void test_corrupt_record_is_not_registered(void** state) {
  const auto erin = manager(state).registration_status(0, "erin");
  assert_true(erin.ok());
  assert_false(erin->registered);
  assert_true(erin->must_register);
  assert_str(erin->reason, "registration is required for all users; the stored registration record is damaged");
}

static void test_methods_required_counts_confirmed_methods(void** state) {
  auto* f = static_cast<Fixture*>(*state);
  auto config = Config::defaults();
  config.required_for = RegistrationScope::all;
  config.methods_required = 2;
  auto strict = make_manager(f->dir, config);
  assert_false(strict->registration_status(0, "alice")->registered);
  put_record(f->dir, "alice",
             R"({"version":1,"user":"alice","methods":[{"type":"totp","confirmed":true},{"type":"sms","confirmed":true}]})");
  assert_true(strict->registration_status(0, "alice")->registered);
}

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_root_asks_about_anyone, setup, teardown),
      cmocka_unit_test_setup_teardown(test_user_asks_only_about_itself, setup, teardown),
      cmocka_unit_test_setup_teardown(test_corrupt_record_is_not_registered, setup, teardown),
      cmocka_unit_test_setup_teardown(test_methods_required_counts_confirmed_methods, setup, teardown),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
