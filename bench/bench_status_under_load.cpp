// The login status path under load: GetRegistrationStatus over a fresh connection (what
// pam_sspr does at every login), first idle, then while 20 password resets hash and write
// their passwords and the mail server hangs (two code deliveries stuck until their timeout).
// Reports p50/p99 of both phases and the ratio; target: p99 under load <= 5 ms.
//   bench_status_under_load [SAMPLES]
#include "bus_names.hpp"
#include "handle.hpp"
#include "process.hpp"
#include "testbed.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

using namespace sspr;
using namespace sspr::test;

namespace {

BusPtr connect_bus() {
  sd_bus* raw = nullptr;
  if (sd_bus_open_system(&raw) < 0) std::exit(1);
  return BusPtr(raw);
}

double status_call_us() {
  const auto start = std::chrono::steady_clock::now();
  BusPtr bus = connect_bus();
  BusError e;
  sd_bus_message* reply = nullptr;
  if (sd_bus_call_method(bus.get(), bus::kServiceName, bus::kManagerPath, bus::kManagerInterface,
                         "GetRegistrationStatus", e.get(), &reply, "s", "alice") < 0) {
    std::fprintf(stderr, "status call failed: %s\n", e.name());
    std::exit(1);
  }
  sd_bus_message_unref(reply);
  bus.reset();
  return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count();
}

std::vector<double> sample(int n) {
  std::vector<double> v;
  for (int i = 0; i < n; ++i) v.push_back(status_call_us());
  std::sort(v.begin(), v.end());
  return v;
}

double pct(const std::vector<double>& v, double p) { return v[static_cast<std::size_t>(p * (v.size() - 1) + 0.5)]; }

// A TCP listener that accepts connections and never says a word: a hung mail server.
int silent_listener(int& port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  listen(fd, 16);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  port = ntohs(addr.sin_port);
  return fd;
}

struct Pending {
  BusPtr bus;
  bool done = false;
};

int on_reply(sd_bus_message*, void* userdata, sd_bus_error*) noexcept {
  static_cast<Pending*>(userdata)->done = true;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (geteuid() != 0) return std::fprintf(stderr, "bench_status_under_load: run as root\n"), 77;
  const int samples = argc > 1 ? std::atoi(argv[1]) : 500;
  constexpr int kResets = 20;
  std::string error;
  auto bed = TestBed::create(error);
  if (!bed) return std::fprintf(stderr, "%s\n", error.c_str()), 1;
  int smtp_port = 0;
  const int hung = silent_listener(smtp_port);
  mkdir((bed->dir() + "/etc").c_str(), 0755);
  std::string shadow;
  for (int i = 1; i <= kResets; ++i) {
    char name[16];
    std::snprintf(name, sizeof name, "load%02d", i);
    shadow += std::string(name) + ":$6$loadsalt$loadhash:19000:0:99999:7:::\n";  // an ordinary account
  }
  write_file(bed->dir() + "/etc/shadow", shadow, 0640);
  bed->write_config(std::string(kStandardConfig) + "[email]\nfrom = sspr@example.com\nrequire_starttls = no\n"
                    "timeout_seconds = 20\nsmtp_url = smtp://127.0.0.1:" + std::to_string(smtp_port) +
                    "\n[reset]\nshadow_directory = " + bed->dir() + "/etc\nfaillock_directory =\n");
  bed->write_confirmed_record("alice");
  if (!bed->start_ssprd(error)) return std::fprintf(stderr, "%s\n", error.c_str()), 1;

  // 20 users with recovery codes, each in a verified reset session, ready to set a password.
  std::vector<Pending> resets(kResets);
  std::vector<std::string> paths(kResets);
  for (int i = 0; i < kResets; ++i) {
    char name[16];
    std::snprintf(name, sizeof name, "load%02d", i + 1);
    BusPtr root = connect_bus();
    BusError e;
    sd_bus_message* reply = nullptr;
    if (sd_bus_call_method(root.get(), bus::kServiceName, bus::kManagerPath, bus::kManagerInterface,
                           "RegenerateRecoveryCodes", e.get(), &reply, "s", name) < 0)
      return std::fprintf(stderr, "codes: %s\n", e.name()), 1;
    const char* code = nullptr;
    sd_bus_message_enter_container(reply, 'a', "s");
    sd_bus_message_read(reply, "s", &code);
    const std::string first_code = code;
    sd_bus_message_unref(reply);
    resets[i].bus = connect_bus();
    reply = nullptr;
    // Twenty logins from twenty hosts (one host holds at most 16 live resets).
    const std::string host = "192.0.2." + std::to_string(i + 1);
    if (sd_bus_call_method(resets[i].bus.get(), bus::kServiceName, bus::kManagerPath, bus::kManagerInterface,
                           "StartReset", e.get(), &reply, "ss", name, host.c_str()) < 0)
      return std::fprintf(stderr, "start: %s\n", e.name()), 1;
    const char* path = nullptr;
    sd_bus_message_read(reply, "o", &path);
    paths[i] = path;
    sd_bus_message_unref(reply);
    reply = nullptr;
    if (sd_bus_call_method(resets[i].bus.get(), bus::kServiceName, paths[i].c_str(), "io.sspr.reset1.Session", "Verify", e.get(),
                           &reply, "ss", "recovery_codes", first_code.c_str()) < 0)
      return std::fprintf(stderr, "verify: %s\n", e.name()), 1;
    sd_bus_message_unref(reply);
  }

  const auto idle = sample(samples);

  // The load: 20 SetPassword calls (hashing + shadow writes on ssprd's worker) and two code
  // deliveries stuck on the hung mail server, all in flight while we measure.
  for (int i = 0; i < kResets; ++i)
    sd_bus_call_method_async(resets[i].bus.get(), nullptr, bus::kServiceName, paths[i].c_str(),
                             "io.sspr.reset1.Session", "SetPassword", on_reply, &resets[i], "s", "Load-Test-Pass-2026");
  std::vector<Pending> mails(2);
  for (int i = 0; i < 2; ++i) {
    mails[i].bus = connect_bus();
    sd_bus_call_method_async(mails[i].bus.get(), nullptr, bus::kServiceName, bus::kManagerPath,
                             bus::kManagerInterface, "BeginContact", on_reply, &mails[i], "sss", "alice", "email",
                             i == 0 ? "alice@example.com" : "alice2@example.com");
  }
  for (auto& r : resets) sd_bus_flush(r.bus.get());
  for (auto& m : mails) sd_bus_flush(m.bus.get());
  const auto loaded = sample(samples);

  // Collect the resets (the mail calls stay stuck until their 20 s timeout; not waited for).
  int written = 0;
  for (auto& r : resets) {
    while (!r.done) {
      if (sd_bus_process(r.bus.get(), nullptr) > 0) continue;
      sd_bus_wait(r.bus.get(), 30'000'000);
    }
    ++written;
  }
  close(hung);

  const double idle99 = pct(idle, 0.99), load99 = pct(loaded, 0.99);
  std::printf("status path (GetRegistrationStatus on a fresh connection), %d calls per phase\n", samples);
  std::printf("  %-44s median %7.1f us   p99 %7.1f us\n", "idle", pct(idle, 0.5), idle99);
  std::printf("  %-44s median %7.1f us   p99 %7.1f us\n", "20 resets hashing + mail server hung", pct(loaded, 0.5),
              load99);
  std::printf("  p99 under load / idle p99: %.2fx; p99 under load %.3f ms (target <= 5 ms): %s\n", load99 / idle99,
              load99 / 1000.0, load99 <= 5000.0 ? "yes" : "NO");
  std::printf("  resets completed afterwards: %d of %d\n", written, kResets);
  return written == kResets ? 0 : 1;
}
