// Attack (issue 11, item 1): taking over a password without knowing it. A process running as a
// user who registered nothing (malware in a sudoer's session, say) registers an authenticator
// app of its own — no proof was asked while the user had no method — then resets the user's
// password with it from any uid, and has the password for sudo. The first method needs proof
// like any change: the current password on the caller's connection. Without it, nothing is
// registered and the reset that follows is an unknown user's (nothing written); with it, the
// user registers and resets as before.
#include "bus_names.hpp"
#include "cmocka.hpp"
#include "handle.hpp"
#include "process.hpp"
#include "reset_conn.hpp"
#include "run_as.hpp"
#include "testbed.hpp"

#include <crypt.h>
#include <cstdio>
#include <ctime>
#include <string>
#include <unistd.h>

using namespace sspr;
using namespace sspr::test;

namespace {

TestBed* bed = nullptr;
constexpr uid_t kGina = 1007;
std::string shadow_before;

std::string shadow() { return read_file(bed->dir() + "/etc/shadow"); }

std::string totp_code(const std::string& secret, long offset = 0) {
  return capture_output({SSPR_OATHTOOL, "--totp", "-b", "--now=@" + std::to_string(std::time(nullptr) + offset), secret});
}

int group_setup(void**) {
  const char* setting = crypt_gensalt("$y$", 0, nullptr, 0);
  const char* hashed = setting ? crypt("Gina-Password-1", setting) : nullptr;
  if (hashed == nullptr || hashed[0] != '$') return std::fprintf(stderr, "cannot hash gina's password\n"), -1;
  if (!(bed = TestBed::shared("root:*:19000:0:99999:7:::\ngina:" + std::string(hashed) + ":19000:0:99999:7:::\n")))
    return -1;
  shadow_before = shadow();
  std::string error;
  bed->write_config("[registration]\ncooling_off_hours = 0\n[reset]\nshadow_directory = " + bed->dir() + "/etc\n");
  if (!bed->start_ssprd(error)) return std::fprintf(stderr, "ssprd: %s\n", error.c_str()), -1;
  return 0;
}

// One connection as gina: "ok", "ERROR <name>", or BeginTotp's secret.
class AsGina {
 public:
  AsGina() {
    sd_bus* raw = nullptr;
    if (sd_bus_open_system(&raw) >= 0) bus_.reset(raw);
  }
  std::string call(const char* member, const char* signature, const char* a = "", const char* b = "",
                   const char* c = "") {
    BusError error;
    sd_bus_message* raw = nullptr;
    const std::string sig = signature;
    const int r = sig == "s"     ? sd_bus_call_method(bus_.get(), bus::kServiceName, bus::kManagerPath,
                                                      bus::kManagerInterface, member, error.get(), &raw, "s", a)
                  : sig == "ss"  ? sd_bus_call_method(bus_.get(), bus::kServiceName, bus::kManagerPath,
                                                      bus::kManagerInterface, member, error.get(), &raw, "ss", a, b)
                                 : sd_bus_call_method(bus_.get(), bus::kServiceName, bus::kManagerPath,
                                                      bus::kManagerInterface, member, error.get(), &raw, "sss", a, b, c);
    MessagePtr reply(raw);
    if (r < 0) return std::string("ERROR ") + error.name();
    if (std::string(member) == "BeginTotp") {
      const char* secret = nullptr;
      if (sd_bus_message_read(reply.get(), "s", &secret) < 0) return "BAD REPLY";
      return secret;
    }
    return "ok";
  }

 private:
  BusPtr bus_;
};

}  // namespace

static void test_no_first_method_without_the_password(void**) {
  const auto out = run_as(kGina, kGina, [] {
    AsGina malware;
    std::string log;
    log += "totp=" + malware.call("BeginTotp", "s", "") + "\n";
    log += "codes=" + malware.call("RegenerateRecoveryCodes", "s", "") + "\n";
    log += "remove=" + malware.call("RemoveMethod", "ss", "", "totp") + "\n";
    log += "guess=" + malware.call("StepUp", "sss", "", "password", "Gina-Password-2") + "\n";
    log += "after_guess=" + malware.call("BeginTotp", "s", "") + "\n";
    return log;
  });
  assert_string_equal(out.c_str(),
                      "totp=ERROR io.sspr.reset1.Error.StepUpRequired\n"
                      "codes=ERROR io.sspr.reset1.Error.StepUpRequired\n"
                      "remove=ERROR io.sspr.reset1.Error.StepUpRequired\n"
                      "guess=ERROR io.sspr.reset1.Error.BadCode\n"
                      "after_guess=ERROR io.sspr.reset1.Error.StepUpRequired\n");
  assert_true(read_file(bed->state_dir() + "/registrations/gina.json").find("totp") == std::string::npos);

  // The reset the attacker wanted: gina has no method, so it is an unknown user's reset.
  ResetConn attacker;
  const auto shown = attacker.start("gina");
  assert_string_equal(shown.substr(shown.size() - 2).c_str(), "|1");
  assert_string_equal(attacker.fail_first_method().c_str(), "ERROR io.sspr.reset1.Error.BadCode");
  assert_string_equal(attacker.set_password("Attacker-Password-9").c_str(), "ERROR io.sspr.reset1.Error.NotPermitted");
  assert_true(shadow() == shadow_before);
}

static void test_gina_registers_with_her_password_and_resets(void**) {
  // run_as runs the calls in a child of its own: the app's key comes back on the last line.
  const auto out = run_as(kGina, kGina, [] {
    AsGina gina;
    std::string log;
    log += "stepup=" + gina.call("StepUp", "sss", "", "password", "Gina-Password-1") + "\n";
    const auto secret = gina.call("BeginTotp", "s", "");
    log += "confirm=" + gina.call("ConfirmTotp", "ss", "", totp_code(secret).c_str()) + "\n";
    return log + secret;
  });
  const auto secret = out.substr(out.rfind('\n') + 1);
  assert_int_equal(secret.size(), 32);
  assert_string_equal(out.substr(0, out.rfind('\n') + 1).c_str(), "stepup=ok\nconfirm=ok\n");
  assert_true(read_file(bed->state_dir() + "/registrations/gina.json").find("totp") != std::string::npos);
  // Her app resets her password (the next time step: the confirming code is spent).
  ResetConn reset;
  assert_string_equal(reset.start("gina").c_str(), "|totp,|1");
  assert_string_equal(reset.verify("totp", totp_code(secret, 30)).c_str(), "verified 0");
  assert_string_equal(reset.set_password("Tulip-Harbor-8437").c_str(), "ok");
  assert_true(shadow() != shadow_before);
}

int main() {
  if (geteuid() != 0) {
    std::fprintf(stderr, "SKIP: real uids on the private bus need root\n");
    return 77;
  }
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_no_first_method_without_the_password),
      cmocka_unit_test(test_gina_registers_with_her_password_and_resets),
  };
  return cmocka_run_group_tests(tests, group_setup, nullptr);
}
