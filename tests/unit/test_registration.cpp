// Registration logic with the two seams real parts cannot reach in a test: the clock (to let a
// code expire) and delivery (a recorder instead of SMTP). Everything else is real: the store
// on disk, the crypto, the audit file.
#include "cmocka.hpp"
#include "run_now.hpp"
#include "crypto/totp.hpp"
#include "registration.hpp"
#include "state_directory.hpp"
#include "throttle/throttle.hpp"

#include <systemd/sd-event.h>

#include <sys/stat.h>

using namespace sspr;
using namespace sspr::daemon;

namespace {

constexpr std::int64_t kStart = 1'800'000'000;
constexpr std::string_view kPassword = "alice's password";

struct Recorder final : Messenger {
  std::string last_code;
  std::vector<std::string> notices;
  bool send_code(MethodType, const std::string&, const std::string&, const Secret& code, unsigned,
                 std::function<void(bool)> done) override {
    last_code = std::string(code.reveal());
    done(true);
    return true;
  }
  bool send_decoy(MethodType, std::function<void(bool)> done) override {
    done(true);
    return true;
  }
  bool send_notice(MethodType, const std::string& destination, const std::string&, const std::string& event) override {
    notices.push_back(destination + ": " + event);
    return true;
  }
  bool send_admin_notice(const std::string& destination, const std::string&, const std::string& event) override {
    notices.push_back("admin " + destination + ": " + event);
    return true;
  }
};

struct World {
  std::string dir;
  std::int64_t now = kStart;
  Config config = Config::defaults();
  std::unique_ptr<LocalRegistrationStore> store;
  std::unique_ptr<AuditLog> audit;
  Recorder messenger;
  std::unique_ptr<throttle::Throttle> throttle;
  Verifier verifier{Secret(std::string(32, 'k'))};
  UserLocks locks;
  std::unique_ptr<Registration> registration;
  UserAccount user{"alice", 1001, 1001, {}};
  Caller self{1001, ":1.42"};
};

int setup(void** state) {
  auto* w = new World;
  char tmpl[] = "/tmp/sspr-registration-test-XXXXXX";
  w->dir = mkdtemp(tmpl);
  std::string problem;
  auto dir = open_state_directory(w->dir + "/state", problem);
  w->store = std::make_unique<LocalRegistrationStore>(open_private_subdirectory(dir.get(), "registrations", problem));
  w->audit = AuditLog::open(w->dir + "/audit/audit.jsonl", problem);
  w->config.mail_from = "sspr@example.com";
  w->throttle = std::make_unique<throttle::Throttle>(open_private_subdirectory(dir.get(), "throttle", problem),
                                                     throttle::Policy{}, [w] { return w->now; });
  w->registration = std::make_unique<Registration>(w->config, *w->store, w->verifier, *w->audit, w->messenger,
                                               *w->throttle, w->locks, [w] { return w->now; });
  w->registration->set_password_check(
      [](const std::string& user, const Secret& password) { return user == "alice" && password.reveal() == kPassword; });
  *state = w;
  return 0;
}

int teardown(void** state) {
  auto* w = static_cast<World*>(*state);
  std::filesystem::remove_all(w->dir);
  delete w;
  return 0;
}

World& world(void** state) { return *static_cast<World*>(*state); }

template <class T>
void expect_error(const Result<T>& r, ErrorCode code) {
  assert_false(r.ok());
  assert_int_equal(static_cast<int>(r.error()), static_cast<int>(code));
}

// Alice proves it is her, with her password, on her connection (w.self): valid for 10 minutes.
void prove(World& w) { assert_true(run_now(w.registration->step_up(w.self, w.user, "password", Secret(kPassword))).ok()); }

Result<Done> add_email(World& w, const Caller& caller) {
  auto started = run_now(w.registration->begin_contact(caller, w.user, MethodType::email, "alice@example.com", [](auto) {}));
  if (!started) return started;
  return run_now(w.registration->confirm_contact(caller, w.user, MethodType::email, Secret(w.messenger.last_code)));
}

// A store that waits, as the directory's does: reads and writes on a worker thread.
struct WaitingStore final : RegistrationStore {
  const LocalRegistrationStore& local;
  Worker& worker;
  WaitingStore(const LocalRegistrationStore& l, Worker& w) : local(l), worker(w) {}
  Task<LoadedRecord> load(std::string user) const override {
    auto job = [this, user] { return local.read(user); };
    auto loaded = co_await on_worker(worker, std::move(job));
    co_return loaded.value_or(LoadedRecord{RecordState::unavailable, {}, "worker full", {}});
  }
  Task<Result<Done>> save(std::string user, RegistrationRecord record, StoredVersion) const override {
    auto job = [this, user, record = std::move(record)] { return local.write(user, record); };
    const auto written = co_await on_worker(worker, std::move(job));
    co_return written && *written == 0 ? Result<Done>(Done{}) : Result<Done>(ErrorCode::Internal);
  }
};

}  // namespace

static void test_a_sent_code_expires_after_its_lifetime(void** state) {
  auto& w = world(state);
  prove(w);
  std::string shown;
  assert_true(run_now(w.registration->begin_contact(w.self, w.user, MethodType::email, "alice@example.com",
                                  [&](Result<ContactOffer> offer) { shown = offer->masked_destination; }))
                  .ok());
  assert_str(shown, "a***@e***.com");
  w.now += 5 * 60;  // exactly the lifetime: no longer valid
  expect_error(run_now(w.registration->confirm_contact(w.self, w.user, MethodType::email, Secret(w.messenger.last_code))),
               ErrorCode::ChallengeExpired);
  // and it is gone
  expect_error(run_now(w.registration->confirm_contact(w.self, w.user, MethodType::email, Secret(w.messenger.last_code))),
               ErrorCode::NotPermitted);
}

static void test_a_code_just_inside_its_lifetime_works(void** state) {
  auto& w = world(state);
  prove(w);
  assert_true(run_now(w.registration->begin_contact(w.self, w.user, MethodType::email, "alice@example.com", [](auto) {})).ok());
  w.now += 5 * 60 - 1;
  assert_true(run_now(w.registration->confirm_contact(w.self, w.user, MethodType::email, Secret(w.messenger.last_code))).ok());
}

static void test_totp_registration_expires_after_ten_minutes(void** state) {
  auto& w = world(state);
  prove(w);
  auto offer = run_now(w.registration->begin_totp(w.self, w.user));
  assert_true(offer.ok());
  w.now += 10 * 60 + 1;
  expect_error(run_now(w.registration->confirm_totp(w.self, w.user, Secret("123456"))), ErrorCode::ChallengeExpired);
}

static void test_cooling_off_applies_to_changes_after_the_first_registration(void** state) {
  auto& w = world(state);
  assert_true(add_email(w, Caller{0, ""}).ok());  // first registration (by root, at login)
  auto details = run_now(w.registration->details(w.user));
  assert_int_equal(details->methods[0].usable_from, kStart);
  w.now += 3600;
  auto codes = run_now(w.registration->regenerate_recovery_codes(Caller{0, ""}, w.user));
  assert_true(codes.ok());
  details = run_now(w.registration->details(w.user));
  assert_int_equal(details->methods.size(), 2);
  assert_int_equal(details->methods[1].added, kStart + 3600);
  assert_int_equal(details->methods[1].usable_from, kStart + 3600 + 24 * 3600);
  // The change was announced to the registered address.
  assert_int_equal(w.messenger.notices.size(), 1);
  assert_str(w.messenger.notices[0], "alice@example.com: registered: Recovery codes");
  assert_int_equal(details->reconfirm_by, kStart + 3600 + 180 * 86400);
}

static void test_step_up_guesses_are_limited_persistently(void** state) {
  auto& w = world(state);
  assert_true(add_email(w, Caller{0, ""}).ok());
  expect_error(run_now(w.registration->regenerate_recovery_codes(w.self, w.user)), ErrorCode::StepUpRequired);
  // Failed proofs are identity failures: the fifth in 24 hours blocks for 24 hours.
  for (int i = 0; i < 4; ++i)
    expect_error(run_now(w.registration->step_up(w.self, w.user, "recovery_code", Secret("AAAAA-AAAAA"))), ErrorCode::BadCode);
  expect_error(run_now(w.registration->step_up(w.self, w.user, "recovery_code", Secret("AAAAA-AAAAA"))),
               ErrorCode::StepUpBlocked);
  expect_error(run_now(w.registration->step_up(w.self, w.user, "password", Secret("anything"))), ErrorCode::StepUpBlocked);
  // A restarted daemon (a new Throttle over the same directory) still knows.
  std::string problem;
  auto dir = open_state_directory(w.dir + "/state", problem);
  throttle::Throttle restarted(open_private_subdirectory(dir.get(), "throttle", problem), throttle::Policy{},
                               [&w] { return w.now; });
  assert_true(restarted.check("alice")->blocked);
  w.now += 24 * 3600;
  expect_error(run_now(w.registration->step_up(w.self, w.user, "recovery_code", Secret("AAAAA-AAAAA"))), ErrorCode::BadCode);
  expect_error(run_now(w.registration->step_up(w.self, w.user, "sorcery", Secret("x"))), ErrorCode::InvalidArgument);
}

static void test_sending_codes_is_limited(void** state) {
  auto& w = world(state);
  // More than 10 messages in 10 minutes block sending for 24 hours (Entra's rule).
  prove(w);
  for (int i = 0; i < 10; ++i)
    assert_true(run_now(w.registration->begin_contact(w.self, w.user, MethodType::email, "alice@example.com", [](auto) {})).ok());
  expect_error(run_now(w.registration->begin_contact(w.self, w.user, MethodType::email, "alice@example.com", [](auto) {})),
               ErrorCode::RateLimited);
  w.now += 10 * 60;
  expect_error(run_now(w.registration->begin_contact(w.self, w.user, MethodType::email, "alice@example.com", [](auto) {})),
               ErrorCode::RateLimited);
  w.now += 24 * 3600;
  prove(w);
  assert_true(run_now(w.registration->begin_contact(w.self, w.user, MethodType::email, "alice@example.com", [](auto) {})).ok());
}

static void test_skip_only_within_grace(void** state) {
  auto& w = world(state);
  // A skip is a login decision: the user cannot take it for itself.
  expect_error(run_now(w.registration->skip_registration(w.self, w.user)), ErrorCode::AccessDenied);
  for (std::uint32_t left : {2u, 1u, 0u}) {
    auto grace = run_now(w.registration->skip_registration(Caller{0, ""}, w.user));
    assert_true(grace.ok());
    assert_int_equal(grace->skips_left, left);
  }
  expect_error(run_now(w.registration->skip_registration(Caller{0, ""}, w.user)), ErrorCode::NotPermitted);
}

static void test_methods_not_offered_are_refused(void** state) {
  auto& w = world(state);
  expect_error(run_now(w.registration->begin_contact(w.self, w.user, MethodType::sms, "+4915112345678", [](auto) {})),
               ErrorCode::MethodNotOffered);  // no webhook configured
  expect_error(run_now(w.registration->begin_contact(w.self, w.user, MethodType::email, "not an address", [](auto) {})),
               ErrorCode::InvalidAddress);
}

// The attack (issue 11, 1): a process running as a user who registered nothing adds an app
// of its own, to reset the user's password with it later. The first method needs proof as
// much as any change; with the password, it is the user's, and it is told to the address the
// directory keeps for the account (the user may not know of it otherwise).
static void test_the_first_method_needs_proof(void** state) {
  auto& w = world(state);
  w.registration->set_directory_contacts([](const std::string&) {
    DirectoryContacts known;
    known.email = "alice.owner@example.com";
    return known;
  });
  expect_error(run_now(w.registration->begin_totp(w.self, w.user)), ErrorCode::StepUpRequired);
  expect_error(run_now(w.registration->begin_contact(w.self, w.user, MethodType::email, "mallory@example.com", [](auto) {})),
               ErrorCode::StepUpRequired);
  expect_error(run_now(w.registration->regenerate_recovery_codes(w.self, w.user)), ErrorCode::StepUpRequired);
  expect_error(run_now(w.registration->step_up(w.self, w.user, "password", Secret("a guess"))), ErrorCode::BadCode);
  expect_error(run_now(w.registration->begin_totp(w.self, w.user)), ErrorCode::StepUpRequired);
  // Proof holds for this connection only: another process of the same uid is asked again.
  prove(w);
  expect_error(run_now(w.registration->begin_totp(Caller{1001, ":1.43"}, w.user)), ErrorCode::StepUpRequired);
  assert_true(w.messenger.notices.empty());
  auto codes = run_now(w.registration->regenerate_recovery_codes(w.self, w.user));
  assert_true(codes.ok());
  assert_int_equal(w.messenger.notices.size(), 1);
  assert_str(w.messenger.notices[0], "alice.owner@example.com: registered: Recovery codes");
  // Only the first: later changes are told to the registered channels, as before.
  assert_true(add_email(w, w.self).ok());
  assert_int_equal(w.messenger.notices.size(), 2);
  assert_str(w.messenger.notices[1], "alice@example.com: registered: E-mail");
  // Root (pam_sspr at login, an admin) needs no proof.
  assert_true(run_now(w.registration->begin_totp(Caller{0, ":1.1"}, w.user)).ok());
}

// Attack (issue 11, item 12): abandoned registrations used to stay until ssprd restarted; once
// 10,000 were waiting, every user's BeginTotp was refused. An offer expires with its code now,
// and expired ones make room.
static void test_abandoned_registrations_expire_and_make_room(void** state) {
  auto& w = world(state);
  const Caller root{0, ":1.1"};
  for (int i = 0; i < 10'000; ++i)
    assert_true(run_now(w.registration->begin_totp(root, UserAccount{"u" + std::to_string(i), 5000, 5000, {}})).ok());
  expect_error(run_now(w.registration->begin_totp(root, w.user)), ErrorCode::RateLimited);  // the table's bound
  w.now += 10 * 60 + 1;  // every offer above has expired
  assert_true(run_now(w.registration->begin_totp(root, w.user)).ok());
}

// The attack: one user, two sessions, the same recovery code sent twice at once while the
// store waits between reading the record and writing it back. Each step-up holds the user's
// lock from read to write, so the second reads the code already spent.
static void test_two_sessions_racing_spend_a_recovery_code_once(void** state) {
  auto& w = world(state);
  auto codes = run_now(w.registration->regenerate_recovery_codes(Caller{0, ""}, w.user));
  assert_true(codes.ok());
  const std::string code(codes.value()[0].reveal());

  sd_event* event = nullptr;
  assert_int_equal(sd_event_new(&event), 0);
  {
    Worker worker(event, "store", 2, 8);
    WaitingStore waiting(*w.store, worker);
    Registration racing(w.config, waiting, w.verifier, *w.audit, w.messenger, *w.throttle, w.locks, [&w] { return w.now; });
    std::vector<Result<Done>> outcomes;
    for (const char* sender : {":1.7", ":1.8"})
      spawn(racing.step_up(Caller{1001, sender}, w.user, "recovery_codes", Secret(code)),
            [&](Result<Done> proven) { outcomes.push_back(proven); });
    assert_int_equal(outcomes.size(), 0);  // both wait for the store
    while (outcomes.size() < 2) assert_true(sd_event_run(event, 5'000'000) >= 0);
    assert_true(outcomes[0].ok());
    expect_error(outcomes[1], ErrorCode::BadCode);
    assert_false(w.locks.held("alice"));
  }
  sd_event_unref(event);
  // And the code is spent in the record: a third try fails too.
  expect_error(run_now(w.registration->step_up(w.self, w.user, "recovery_codes", Secret(code))), ErrorCode::BadCode);
}

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_a_sent_code_expires_after_its_lifetime, setup, teardown),
      cmocka_unit_test_setup_teardown(test_a_code_just_inside_its_lifetime_works, setup, teardown),
      cmocka_unit_test_setup_teardown(test_totp_registration_expires_after_ten_minutes, setup, teardown),
      cmocka_unit_test_setup_teardown(test_cooling_off_applies_to_changes_after_the_first_registration, setup, teardown),
      cmocka_unit_test_setup_teardown(test_step_up_guesses_are_limited_persistently, setup, teardown),
      cmocka_unit_test_setup_teardown(test_sending_codes_is_limited, setup, teardown),
      cmocka_unit_test_setup_teardown(test_skip_only_within_grace, setup, teardown),
      cmocka_unit_test_setup_teardown(test_methods_not_offered_are_refused, setup, teardown),
      cmocka_unit_test_setup_teardown(test_the_first_method_needs_proof, setup, teardown),
      cmocka_unit_test_setup_teardown(test_abandoned_registrations_expire_and_make_room, setup, teardown),
      cmocka_unit_test_setup_teardown(test_two_sessions_racing_spend_a_recovery_code_once, setup, teardown),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
