// Status queries on a host with many accounts (bench/system_users.sh runs it inside the booted
// Debian, whose /etc/passwd holds the generated users): as root, over the system bus, for users
// drawn at random from all of them.
//   1. latency: SAMPLES queries, each on a fresh connection (as pam_sspr makes them);
//   2. throughput: CLIENTS threads, each with its own connection, querying for SECONDS.
// Prints one line of figures: "median_us p99_us calls_per_second".
//   bench_users_system USERS SAMPLES CLIENTS SECONDS
#include <systemd/sd-bus.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr const char* kService = "io.sspr.reset1";
constexpr const char* kPath = "/io/sspr/reset1";
constexpr const char* kInterface = "io.sspr.reset1.Manager";

std::string user_name(long i) {
  char name[16];
  std::snprintf(name, sizeof name, "u%07ld", i);
  return name;
}

// One query; false if the call failed (a figure from failed calls would mean nothing).
bool status(sd_bus* bus, const std::string& user) {
  sd_bus_error error = SD_BUS_ERROR_NULL;
  sd_bus_message* reply = nullptr;
  const int r = sd_bus_call_method(bus, kService, kPath, kInterface, "GetRegistrationStatus", &error, &reply, "s",
                                   user.c_str());
  if (r < 0) std::fprintf(stderr, "status of %s failed: %s\n", user.c_str(), error.name ? error.name : "?");
  sd_bus_error_free(&error);
  sd_bus_message_unref(reply);
  return r >= 0;
}

sd_bus* connect() {
  sd_bus* bus = nullptr;
  if (sd_bus_open_system(&bus) < 0) {
    std::fprintf(stderr, "cannot connect to the system bus\n");
    std::exit(1);
  }
  return bus;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: bench_users_system USERS SAMPLES CLIENTS SECONDS\n");
    return 2;
  }
  const long users = std::atol(argv[1]);
  const int samples = std::atoi(argv[2]), clients = std::atoi(argv[3]);
  const double seconds = std::atof(argv[4]);
  std::mt19937_64 random(42);
  std::uniform_int_distribution<long> pick(1, users);

  for (int i = 0; i < 50; ++i) {  // warm-up: ssprd started, its account index built
    sd_bus* bus = connect();
    if (!status(bus, user_name(pick(random)))) return 1;
    sd_bus_flush_close_unref(bus);
  }
  std::vector<double> us;
  for (int i = 0; i < samples; ++i) {
    const std::string user = user_name(pick(random));
    const auto start = std::chrono::steady_clock::now();
    sd_bus* bus = connect();
    if (!status(bus, user)) return 1;
    sd_bus_flush_close_unref(bus);
    us.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(us.begin(), us.end());

  std::atomic<long> calls{0};
  std::atomic<bool> failed{false};
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c)
    threads.emplace_back([&, c] {
      std::mt19937_64 mine(1000 + c);
      sd_bus* bus = connect();
      while (std::chrono::steady_clock::now() < deadline) {
        if (!status(bus, user_name(pick(mine)))) {
          failed = true;
          break;
        }
        ++calls;
      }
      sd_bus_flush_close_unref(bus);
    });
  const auto begun = std::chrono::steady_clock::now();
  for (auto& t : threads) t.join();
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - begun).count();
  if (failed) return 1;
  std::printf("%.1f %.1f %.0f\n", us[us.size() / 2], us[static_cast<std::size_t>(0.99 * (us.size() - 1))],
              static_cast<double>(calls.load()) / elapsed);
  return 0;
}
