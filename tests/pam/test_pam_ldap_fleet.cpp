// Two hosts, one directory: "host A" and "host B" are two real ssprd instances, each with its
// own private bus, state directory and shadow file, sharing one throwaway slapd (shipped schema
// and ACL, ppolicy) and the fleet's secret key, as an admin deploys them (conf/ldap/README.md).
// Through pam_sspr with libpamtest: lena, a directory user, registers an authenticator app at
// login on A; her record lands in her LDAP entry; she forgets her password and resets it at the
// login prompt on B with the app; the directory then takes the new password and not the old.
// Also: a change through the password phase with the directory's policy refusing a password,
// the directory's e-mail address offered at registration (and confirmed), and the directory
// going down (reset fails closed, enforcement steps aside).
#include "bus_names.hpp"
#include "cmocka.hpp"
#include "delivery_support.hpp"
#include "handle.hpp"
#include "pam_script.hpp"
#include "process.hpp"
#include "slapd_instance.hpp"
#include "testbed.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <ldap.h>
#include <security/pam_appl.h>
#include <sys/stat.h>
#include <unistd.h>
extern "C" {
#include <libpamtest.h>
}

using namespace sspr;
using namespace sspr::test;

namespace {

namespace dt = sspr::test::delivery;

SlapdInstance* slapd = nullptr;
dt::Sink* smtp = nullptr;
TestBed* host_a = nullptr;
TestBed* host_b = nullptr;
std::string lena_key;  // the authenticator app's key, as the wizard showed it on A

const std::string kOffer = "Forgot your password? Type \"reset\" to reset it now, or press Enter: ";

std::string totp(std::int64_t offset) {
  return capture_output({SSPR_OATHTOOL, "--totp", "-b", "--now=@" + std::to_string(std::time(nullptr) + offset),
                         lena_key});
}

// The key shown by the wizard ("Or enter this key by hand: KEY"), and the app's code for it.
std::string code_for_shown_key(const std::string& transcript) {
  const std::string marker = "Or enter this key by hand: ";
  const auto at = transcript.rfind(marker);
  if (at == std::string::npos) return "no-key-shown";
  lena_key = transcript.substr(at + marker.size(), transcript.find('\n', at) - at - marker.size());
  return totp(0);
}

std::string host_config(TestBed& bed) {
  return std::string("[registration]\nrequired_for = all\nmin_uid = 1000\ncooling_off_hours = 0\n"
                     "[reset]\nshadow_directory = ") + bed.dir() + "/etc\n"
         "[ldap]\nenabled = yes\nstore_registrations = yes\nuris = " + slapd->ldap_uri() +
         "\ntls = starttls\nca_file = " + slapd->ca_file() + "\nbase_dn = " + std::string(SlapdInstance::kBaseDn) +
         "\nbind_dn = " + std::string(SlapdInstance::kServiceDn) + "\nbind_password_file = " +
         slapd->service_password_file() + "\nnetwork_timeout_ms = 2000\noperation_timeout_ms = 3000\n"
         "[email]\nfrom = sspr@example.test\nrequire_starttls = no\nsmtp_url = smtp://127.0.0.1:" +
         std::to_string(smtp->port()) + "\n";
}

bool prepare_host(TestBed& bed, std::string& error) {
  mkdir((bed.dir() + "/etc").c_str(), 0755);
  // Local accounts only: lena, mark and nora are not here, so they are directory users.
  write_file(bed.dir() + "/etc/shadow", "root:*:19000:0:99999:7:::\n", 0640);
  write_file(bed.dir() + "/passdb", "root:x:login\n", 0600);  // nobody's directory password
  bed.write_config(host_config(bed));
  bed.write_pam_service("login", "auth [success=done default=ignore] " SSPR_PAM_MATRIX " passdb=" + bed.dir() +
                                     "/passdb\nauth optional @MODULE@ config=@CONFIG@\nauth requisite " +
                                     std::string(SSPR_PAM_DENY) +
                                     "\naccount [success=ok ignore=ignore default=bad] @MODULE@ config=@CONFIG@\n"
                                     "account required @PERMIT@\n"
                                     "password [success=done ignore=ignore default=die] @MODULE@ config=@CONFIG@\n"
                                     "password required " + std::string(SSPR_PAM_DENY) + "\n");
  bed.write_pam_service("other", "auth required " + std::string(SSPR_PAM_DENY) + "\n");
  return bed.start_ssprd(error);
}

int group_setup(void**) {
  static dt::TempDir tmp;
  static dt::Sink sink("smtp_sink.py", tmp.path + "/mail", {}, tmp.path + "/smtp.log");
  if (!sink.error().empty()) return std::fprintf(stderr, "sink: %s\n", sink.error().c_str()), -1;
  smtp = &sink;
  try {
    static SlapdInstance directory;
    slapd = &directory;
  } catch (const std::exception& e) {
    return std::fprintf(stderr, "slapd: %s\n", e.what()), -1;
  }
  std::string error;
  static std::unique_ptr<TestBed> a = TestBed::create(error);
  static std::unique_ptr<TestBed> b = a ? TestBed::create(error) : nullptr;
  if (!a || !b) return std::fprintf(stderr, "test bed: %s\n", error.c_str()), -1;
  host_a = a.get();
  host_b = b.get();
  if (!prepare_host(*host_a, error)) return std::fprintf(stderr, "host A: %s\n", error.c_str()), -1;
  // The fleet shares one key (the admin copies it to every host before its first start).
  const auto key = read_file(host_a->state_dir() + "/secret.key");
  if (key.size() != 32) return std::fprintf(stderr, "host A made no key\n"), -1;
  write_file(host_b->state_dir() + "/secret.key", key, 0600);
  if (!prepare_host(*host_b, error)) return std::fprintf(stderr, "host B: %s\n", error.c_str()), -1;
  return 0;
}

std::string lena_dn() { return SlapdInstance::user_dn("lena"); }

}  // namespace

static void test_register_on_host_a_and_reset_on_host_b(void**) {
  // Login on A: lena must register; she picks the authenticator app. The login (the account
  // phase alone, as for a key) proved nothing pam_sspr can see: she gives her password, which
  // ssprd checks with a bind as her.
  host_a->make_current();
  Script registration;
  registration.steps = {say("Your choice: ", "1"), say("Current password: ", SlapdInstance::user("lena").password),
                        {"Code shown by the app: ", code_for_shown_key}};
  assert_int_equal(run_scripted(PAMTEST_ACCOUNT, "login", "lena", registration), PAM_SUCCESS);
  expect_contains(registration.transcript, "Authenticator app registered.\n");
  // The record is in her entry (sealed: the key is not in it), not in A's state directory.
  const auto stored = slapd->read_as(std::string(SlapdInstance::kServiceDn), std::string(SlapdInstance::kServicePassword),
                                     lena_dn(), "ssprEnrollment");
  assert_int_equal(stored.size(), 1);
  expect_contains(stored[0], "\"user\":\"lena\"");
  assert_true(stored[0].find(lena_key) == std::string::npos);
  assert_false(std::filesystem::exists(host_a->state_dir() + "/registrations/lena.json"));
  // lena cannot read her own record (the shipped ACL): only the service account can.
  const auto& lena = SlapdInstance::user("lena");
  assert_true(slapd->read_as(lena_dn(), lena.password, lena_dn(), "ssprEnrollment").empty());

  // On B she is registered already: no wizard at login.
  host_b->make_current();
  Script status;
  assert_int_equal(run_scripted(PAMTEST_ACCOUNT, "login", "lena", status), PAM_SUCCESS);
  assert_str(status.transcript, "");

  // She forgot her password: reset at B's login prompt with the app (the registration on A spent
  // the current step, and B knows it: the app's next code).
  Script reset;
  reset.steps = {say("Password: ", "forgotten"),
                 say(kOffer, "reset"),
                 say("Your choice: ", "1"),
                 {"Code shown by the app: ", [](const std::string&) { return totp(0); }},
                 say("Your choice: ", "1"),
                 {"Code shown by the app: ", [](const std::string&) { return totp(30); }},
                 say("New password: ", "Fleet-Reset-Pass-41"),
                 say("Retype the new password: ", "Fleet-Reset-Pass-41"),
                 say("Press Enter to continue: ", "")};
  assert_int_equal(run_scripted(PAMTEST_AUTHENTICATE, "login", "lena", reset), PAM_AUTH_ERR);
  expect_contains(reset.transcript, "Resetting the password of lena. Prove 1 registered method.\n"
                                    "  1) Authenticator app\nYour choice: 1\n");
  expect_contains(reset.transcript, "ERROR: The code is not correct.\n");  // already used on A
  expect_contains(reset.transcript, "Your password has been changed.\nLog in again with your new password.\n");
  // The directory takes the new password and no longer the old one.
  assert_int_equal(slapd->bind_result(lena_dn(), "Fleet-Reset-Pass-41"), LDAP_SUCCESS);
  assert_int_equal(slapd->bind_result(lena_dn(), lena.password), LDAP_INVALID_CREDENTIALS);
  // Nothing local changed on either host.
  assert_str(read_file(host_b->dir() + "/etc/shadow"), "root:*:19000:0:99999:7:::\n");
}

static void test_change_with_the_directory_policy(void**) {
  host_b->make_current();
  // The directory keeps a history: the password before is refused, with its reason.
  Script reused;
  reused.steps = {say("Current password: ", "Fleet-Reset-Pass-41"), say("New password: ", "Second-Fleet-Word-52"),
                  say("Retype the new password: ", "Second-Fleet-Word-52")};
  assert_int_equal(run_scripted(PAMTEST_CHAUTHTOK, "login", "lena", reused), PAM_SUCCESS);
  expect_contains(reused.transcript, "Your password has been changed.\n");
  Script back;
  back.steps = {say("Current password: ", "Second-Fleet-Word-52"), say("New password: ", "Fleet-Reset-Pass-41"),
                say("Retype the new password: ", "Fleet-Reset-Pass-41"), say("New password: ", "Fleet-Changed-Pass-42"),
                say("Retype the new password: ", "Fleet-Changed-Pass-42")};
  assert_int_equal(run_scripted(PAMTEST_CHAUTHTOK, "login", "lena", back), PAM_SUCCESS);
  expect_contains(back.transcript, "Retype the new password: Fleet-Reset-Pass-41\nERROR: The directory refused the new "
                                   "password: it was used before. Choose one you have not used recently.\n"
                                   "New password: Fleet-Changed-Pass-42\n");
  expect_contains(back.transcript, "Your password has been changed.\n");
  assert_int_equal(slapd->bind_result(lena_dn(), "Fleet-Changed-Pass-42"), LDAP_SUCCESS);
  // A wrong current password changes nothing.
  Script wrong;
  wrong.steps = {say("Current password: ", "not-it"), say("New password: ", "Fleet-Other-Pass-43"),
                 say("Retype the new password: ", "Fleet-Other-Pass-43")};
  assert_int_equal(run_scripted(PAMTEST_CHAUTHTOK, "login", "lena", wrong), PAM_AUTHTOK_ERR);
  expect_contains(wrong.transcript, "ERROR: The current password is not correct.\n");
  assert_int_equal(slapd->bind_result(lena_dn(), "Fleet-Changed-Pass-42"), LDAP_SUCCESS);
}

static void test_the_directory_address_is_offered_and_confirmed(void**) {
  // mark must register; the directory has an address for him ([ldap] prefill_contacts):
  // Enter takes it, and a code sent there confirms it.
  host_a->make_current();
  std::string code;
  Script script;
  script.steps = {say("Your choice: ", "2"), say("Current password: ", SlapdInstance::user("mark").password),
                  say("Your e-mail address [Enter: m***@e***.test]: ", ""),
                  {"Code from the message: ", [&](const std::string&) {
                     return code = dt::newest_code(*smtp);
                   }}};
  assert_int_equal(run_scripted(PAMTEST_ACCOUNT, "login", "mark", script), PAM_SUCCESS);
  expect_contains(script.transcript, "A code was sent to m***@e***.test.\nCode from the message: " + code +
                                         "\nE-mail address registered.\n");
  expect_contains(dt::wait_for_message(*smtp, 0, {"RCPT TO: mark@example.test\n", code}), "RCPT TO: mark@example.test\n");
  // His first method is told to the address the directory keeps for him (issue 11, 1: if it
  // was not him, he hears of it there).
  expect_contains(dt::wait_for_message(*smtp, 0, {"RCPT TO: mark@example.test\n", "registered: E-mail"}),
                  "registered: E-mail");
  const auto stored = slapd->read_as(std::string(SlapdInstance::kServiceDn), std::string(SlapdInstance::kServicePassword),
                                     SlapdInstance::user_dn("mark"), "ssprEnrollment");
  assert_int_equal(stored.size(), 1);
  expect_contains(stored[0], "mark@example.test");
}

static void test_directory_down_fails_closed_and_enforcement_steps_aside(void**) {
  slapd->stop();
  host_b->make_current();
  // Enforcement: the record cannot be read, so the login is not held up (when_unavailable = ignore).
  Script status;
  assert_int_equal(run_scripted(PAMTEST_ACCOUNT, "login", "mark", status), PAM_SUCCESS);
  assert_str(status.transcript, "");
  // Reset: fails closed (the login fails, as pam_deny after the optional pam_sspr says), and
  // never falls back to a local password.
  Script reset;
  reset.steps = {say("Password: ", "forgotten"), say(kOffer, "reset"), say("Press Enter to continue: ", "")};
  assert_int_equal(run_scripted(PAMTEST_AUTHENTICATE, "login", "lena", reset), PAM_AUTH_ERR);
  assert_str(reset.transcript, "Password: forgotten\n" + kOffer +
                                   "reset\nERROR: The password store cannot be reached. Please try again later.\n"
                                   "Press Enter to continue: \n");
  assert_str(read_file(host_b->dir() + "/etc/shadow"), "root:*:19000:0:99999:7:::\n");
}

// A directory that accepts connections and never answers: a call about one of its users waits
// for the bounded timeout on a worker, while ssprd keeps answering about everyone else.
static void test_a_hung_directory_delays_only_its_own_users(void**) {
  dt::SilentListener hung;
  std::string error;
  auto host_c = TestBed::create(error);
  assert_non_null(host_c.get());
  mkdir((host_c->dir() + "/etc").c_str(), 0755);
  write_file(host_c->dir() + "/etc/shadow", "root:*:19000:0:99999:7:::\nalice:!:19000:0:99999:7:::\n", 0640);
  host_c->write_config("[registration]\nrequired_for = all\n[reset]\nshadow_directory = " + host_c->dir() +
                       "/etc\n[ldap]\nenabled = yes\nstore_registrations = yes\nuris = ldap://127.0.0.1:" +
                       std::to_string(hung.port()) + "\nca_file = " + slapd->ca_file() + "\nbase_dn = " +
                       std::string(SlapdInstance::kBaseDn) + "\nbind_dn = " + std::string(SlapdInstance::kServiceDn) +
                       "\nbind_password_file = " + slapd->service_password_file() +
                       "\nnetwork_timeout_ms = 4000\noperation_timeout_ms = 4000\n");
  assert_true(host_c->start_ssprd(error));

  // Four calls about lena, each waiting for the hung directory: her record (status), the
  // contacts it keeps for her (GetDirectoryContacts), her password (a step-up binds as her),
  // and a change of her record (ConfirmRegistration reads it, then would write it back).
  struct Pending {
    BusPtr bus;
    bool replied = false;
    std::string outcome;
  };
  auto start = [](Pending& p, const char* member, const char* signature, auto... args) {
    sd_bus* raw = nullptr;
    assert_true(sd_bus_open_system(&raw) >= 0);
    p.bus.reset(raw);
    assert_true(sd_bus_call_method_async(
                    p.bus.get(), nullptr, bus::kServiceName, bus::kManagerPath, bus::kManagerInterface, member,
                    [](sd_bus_message* reply, void* data, sd_bus_error*) -> int {
                      auto* pending = static_cast<Pending*>(data);
                      pending->replied = true;
                      const sd_bus_error* e = sd_bus_message_get_error(reply);
                      pending->outcome = e ? e->name : "ok";
                      return 0;
                    },
                    &p, signature, args...) >= 0);
    assert_true(sd_bus_flush(p.bus.get()) >= 0);
  };
  auto poll = [](Pending& p) {
    while (sd_bus_process(p.bus.get(), nullptr) > 0) {
    }
  };
  Pending lena_status, lena_contacts, lena_step_up, lena_confirm;
  start(lena_status, "GetRegistrationStatus", "s", "lena");
  start(lena_contacts, "GetDirectoryContacts", "s", "lena");
  start(lena_step_up, "StepUp", "sss", "lena", "password", "a guess");
  start(lena_confirm, "ConfirmRegistration", "s", "lena");

  // alice is local: answered within 50 ms while everything about lena waits for the directory.
  for (int i = 0; i < 3; ++i) {
    const auto begun = std::chrono::steady_clock::now();
    sd_bus* raw = nullptr;
    assert_true(sd_bus_open_system(&raw) >= 0);
    BusPtr fast(raw);
    BusError e;
    sd_bus_message* reply = nullptr;
    assert_true(sd_bus_call_method(fast.get(), bus::kServiceName, bus::kManagerPath, bus::kManagerInterface,
                                   "GetRegistrationStatus", e.get(), &reply, "s", "alice") >= 0);
    sd_bus_message_unref(reply);
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - begun).count();
    if (ms > 50) std::fprintf(stderr, "alice's status took %.1f ms\n", ms);
    assert_true(ms <= 50);
  }
  for (Pending* p : {&lena_status, &lena_contacts, &lena_step_up, &lena_confirm}) {
    poll(*p);
    assert_false(p->replied);  // with the directory asked on the loop, these would have come first
  }

  // lena's answers come once the directory calls give up: the store is unavailable, the
  // directory keeps no contacts that can be read, and an unchecked password proves nothing.
  for (Pending* p : {&lena_status, &lena_contacts, &lena_step_up, &lena_confirm})
    for (int i = 0; i < 300 && !p->replied; ++i) {
      if (sd_bus_process(p->bus.get(), nullptr) > 0) continue;
      sd_bus_wait(p->bus.get(), 100000);
    }
  assert_str(lena_status.outcome, "io.sspr.reset1.Error.BackendUnavailable");
  assert_str(lena_contacts.outcome, "ok");
  assert_str(lena_step_up.outcome, "io.sspr.reset1.Error.BadCode");
  assert_str(lena_confirm.outcome, "io.sspr.reset1.Error.BackendUnavailable");
  host_b->make_current();
}

int main() {
  if (geteuid() != 0) {
    std::fprintf(stderr, "SKIP: the shipped bus policy lets only root own io.sspr.reset1; run as root\n");
    return 77;
  }
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_register_on_host_a_and_reset_on_host_b),
      cmocka_unit_test(test_change_with_the_directory_policy),
      cmocka_unit_test(test_the_directory_address_is_offered_and_confirmed),
      cmocka_unit_test(test_directory_down_fails_closed_and_enforcement_steps_aside),
      cmocka_unit_test(test_a_hung_directory_delays_only_its_own_users),
  };
  return cmocka_run_group_tests(tests, group_setup, nullptr);
}
