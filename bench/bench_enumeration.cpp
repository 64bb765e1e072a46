// Does the time of a reset tell who exists? The real ssprd on the private bus, called as a
// network client at the login prompt would call it (root's pam_sspr, one remote host): for a
// registered user (recovery codes) and for names that cannot be reset — unknown names and
// accounts that registered nothing — the same calls, interleaved: StartReset, SendCode by
// e-mail (to a local SMTP sink, where the start showed an address), a wrong Verify, SetPassword
// before any proof. Reports the median of each and the decoy/real ratio; the aim is 0.9–1.1 for
// all (issue 11, item 5). Not a test: figures only (bench/README.md).
//   bench_enumeration [ROUNDS]
#include "delivery_support.hpp"
#include "process.hpp"
#include "reset_conn.hpp"
#include "testbed.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

using namespace sspr;
using namespace sspr::test;

namespace {

constexpr int kUsers = 10;  // load01..load10 registered, load11..load20 not
const std::string kHost = "203.0.113.50";

std::string load_user(int n) {
  char name[16];
  std::snprintf(name, sizeof name, "load%02d", n);
  return name;
}

template <class F>
double timed_us(F&& f) {
  const auto start = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

struct Samples {
  std::vector<double> start, send_code, verify, set_password;
};

// One reset as an attacker probes it: its three calls, each timed; the outcome must be what a
// probe gets (a session, a refused proof, a refused password), or the figures mean nothing.
void probe(const std::string& name, Samples& into) {
  ResetConn c;
  std::string started, verified, set;
  into.start.push_back(timed_us([&] { started = c.start(name, kHost); }));
  if (started.rfind("|", 0) != 0) std::fprintf(stderr, "StartReset(%s): %s\n", name.c_str(), started.c_str()), std::exit(1);
  // A code by e-mail: it goes out (or, for a decoy, is answered as one that went out).
  std::string sent;
  into.send_code.push_back(timed_us([&] { sent = c.send_code("email"); }));
  if (sent.rfind("sent ", 0) != 0) std::fprintf(stderr, "SendCode(%s): %s\n", name.c_str(), sent.c_str()), std::exit(1);
  // A wrong proof of an app or recovery code if offered (the configuration offers no SMS or
  // questions), else of the e-mailed code.
  std::string method = "email";
  for (const auto& m : c.methods)
    if (m.first == "totp" || m.first == "recovery_codes") {
      method = m.first;
      break;
    }
  into.verify.push_back(timed_us([&] { verified = c.verify(method.c_str(), method == "recovery_codes" ? "AAAAA-AAAAA" : "000000"); }));
  if (verified != "ERROR io.sspr.reset1.Error.BadCode")
    std::fprintf(stderr, "Verify(%s): %s\n", name.c_str(), verified.c_str()), std::exit(1);
  into.set_password.push_back(timed_us([&] { set = c.set_password("Quiet-Harbor-7261"); }));
  if (set != "ERROR io.sspr.reset1.Error.NotPermitted")
    std::fprintf(stderr, "SetPassword(%s): %s\n", name.c_str(), set.c_str()), std::exit(1);
}

}  // namespace

int main(int argc, char** argv) {
  if (geteuid() != 0) return std::fprintf(stderr, "bench_enumeration: run as root\n"), 77;
  const int rounds = argc > 1 ? std::atoi(argv[1]) : 600;
  std::string error;
  auto bed = TestBed::create(error);
  if (!bed) return std::fprintf(stderr, "%s\n", error.c_str()), 1;
  mkdir((bed->dir() + "/etc").c_str(), 0755);
  std::string shadow = "root:*:19000:0:99999:7:::\n";
  for (int i = 1; i <= 2 * kUsers; ++i) shadow += load_user(i) + ":$6$loadsalt$loadhash:19000:0:99999:7:::\n";
  write_file(bed->dir() + "/etc/shadow", shadow, 0640);
  // The codes go to a local SMTP sink (plain SMTP: the sink speaks no TLS here).
  static sspr::test::delivery::TempDir mail;
  static sspr::test::delivery::Sink smtp("smtp_sink.py", mail.path + "/mail", {}, mail.path + "/smtp.log");
  if (!smtp.error().empty()) return std::fprintf(stderr, "SMTP sink: %s\n", smtp.error().c_str()), 1;
  // Limits high enough that no probe of the run is blocked (a block is another path).
  bed->write_config(std::string(kStandardConfig) +
                    "cooling_off_hours = 0\n[methods]\nquestions = no\n[email]\nfrom = sspr@example.com\n"
                    "require_starttls = no\nsmtp_url = smtp://127.0.0.1:" + std::to_string(smtp.port()) +
                    "\n[reset]\nshadow_directory = " + bed->dir() +
                    "/etc\nfaillock_directory =\n[throttle]\nfailed_proofs = 200\nvalidations = 200\n"
                    "deliveries = 200\norigins_per_user = 40\n");
  // The registered users: recovery codes (none of which the probes know) and an e-mail address.
  const auto now = std::to_string(static_cast<long long>(std::time(nullptr)));
  for (int i = 1; i <= kUsers; ++i)
    bed->write_record(load_user(i), R"({"version":2,"user":")" + load_user(i) + R"(","first_registered":)" + now +
                                        R"(,"last_confirmed":)" + now + R"(,"first_prompted":0,"skips_used":0,"methods":{)"
                                        R"("recovery_codes":{"added":)" + now + R"(,"usable_from":)" + now +
                                        R"(,"digests":["00"]},"email":{"added":)" + now + R"(,"usable_from":)" + now +
                                        R"(,"address":")" + load_user(i) + R"(@example.com"}}})");
  if (!bed->start_ssprd(error)) return std::fprintf(stderr, "%s\n", error.c_str()), 1;

  // The names probed for decoys show an e-mail address, as the registered users do, so both
  // sides make the same calls (a decoy's registration differs by name).
  const auto shows_email = [](const std::string& name) {
    ResetConn c;
    c.start(name, kHost);
    for (const auto& m : c.methods)
      if (m.first == "email") return true;
    return false;
  };
  std::vector<std::string> unknown, unregistered;
  for (int i = 0; static_cast<int>(unknown.size()) < (rounds + 1) / 2 && i < 20 * rounds; ++i)
    if (shows_email("ghost" + std::to_string(i))) unknown.push_back("ghost" + std::to_string(i));
  for (int i = kUsers + 1; i <= 2 * kUsers; ++i)
    if (shows_email(load_user(i))) unregistered.push_back(load_user(i));
  if (unknown.empty() || unregistered.empty())
    return std::fprintf(stderr, "bench_enumeration: no decoy shows an e-mail address\n"), 1;

  Samples real, decoy;
  for (int i = 0; i < rounds; ++i) {
    const std::string registered = load_user(1 + i % kUsers);
    // Half the decoys are unknown names, half accounts that registered nothing.
    const std::string nobody = i % 2 ? unknown[static_cast<std::size_t>(i / 2) % unknown.size()]
                                     : unregistered[static_cast<std::size_t>(i / 2) % unregistered.size()];
    if (i % 2) {  // the order alternates, so neither side always runs on a warmer cache
      probe(registered, real);
      probe(nobody, decoy);
    } else {
      probe(nobody, decoy);
      probe(registered, real);
    }
  }
  std::printf("bench_enumeration: %d rounds; median microseconds (registered | cannot be reset), ratio\n", rounds);
  bool within = true;
  const auto report = [&](const char* call, const std::vector<double>& r, const std::vector<double>& d) {
    const double ratio = median(d) / median(r);
    within = within && ratio >= 0.9 && ratio <= 1.1;
    std::printf("  %-12s %9.1f | %9.1f   decoy/real %.3f%s\n", call, median(r), median(d), ratio,
                ratio >= 0.9 && ratio <= 1.1 ? "" : "  (outside 0.9-1.1)");
  };
  report("StartReset", real.start, decoy.start);
  report("SendCode", real.send_code, decoy.send_code);
  report("Verify", real.verify, decoy.verify);
  report("SetPassword", real.set_password, decoy.set_password);
  std::printf("bench_enumeration: every ratio %s 0.9-1.1\n", within ? "within" : "NOT within");
  return 0;
}
