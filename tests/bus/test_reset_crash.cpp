// kill -9 of ssprd during password resets: 200 times a reset is carried up to SetPassword over
// the private bus (a recovery code, as root for alice), SetPassword is sent without waiting for
// its reply, and ssprd gets SIGKILL after a random delay (a random timeout on a pidfd poll: the
// fault's moment, not a synchronisation), uniform in [0, 1.5 x] the time an unkilled
// SetPassword takes to reply here (the median of the last five, measured before the loop and by
// an unkilled reset after every 10 kills, as the machine's load drifts).
// After every kill the shadow file ([reset] shadow_directory) parses, every byte but alice's
// hash and last-change day is as before, owner and mode are kept, and alice's hash is exactly
// the previous one or one that crypt()s the password just sent (the new one whenever the reply
// came before the kill). The directory holds only what a killed writer may leave (shadow.lock
// and shadow.lock.<pid> of a killed ssprd, shadow.sspr<6>) and, once the new hash is in place,
// nothing but the killed process's own shadow.lock. Every unkilled reset succeeds despite those
// leftovers and clears them (only shadow and .pwd.lock remain). Kills before and after the
// write are counted and printed; each happens at least once.
#include "bus_names.hpp"
#include "cmocka.hpp"
#include "handle.hpp"
#include "process.hpp"
#include "testbed.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <crypt.h>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <poll.h>
#include <random>
#include <set>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace sspr;
using namespace sspr::test;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int kRuns = 200;
constexpr const char* kSessionInterface = "io.sspr.reset1.Session";
constexpr gid_t kShadowGroup = 42;

TestBed* bed = nullptr;

std::string etc_dir() { return bed->dir() + "/etc"; }
std::string shadow_path() { return etc_dir() + "/shadow"; }
std::string today() { return std::to_string(std::time(nullptr) / 86400); }

// The fixture around alice's line: a comment, root, and two thousand other users, so the file
// takes a measurable part of a write.
struct Fixture {
  std::string head, tail;
  Fixture() {
    head = "# sspr crash test: this comment is not an entry and stays as it is\n"
           "root:*:19000:0:99999:7:::\n"
           "bob:!:19000:0:99999:7:::\n";
    for (int i = 0; i < 1000; ++i)
      head += "user" + std::to_string(i) + ":$6$salt" + std::to_string(i) + "$hashhashhashhashhashhash:19000:0:99999:7:::\n";
    tail = "carol:!:19000:0:99999:7:::\n";
    for (int i = 1000; i < 2000; ++i) tail += "user" + std::to_string(i) + ":!*:19001::::::\n";
    tail += "frank:$y$j9T$frank$hash:19000:0:99999:7:::\n";
  }
};
const Fixture fixture;

struct AliceEntry {
  std::string hash, day;
};
const AliceEntry kInitial{"$6$oldsalt$OldHashOfAliceOldHashOfAliceOldHashOfAliceOldHashOfAlice", "19000"};

std::string alice_line(const AliceEntry& e) { return "alice:" + e.hash + ":" + e.day + ":0:99999:7:::\n"; }

// alice's entry, if the file is the fixture with only her hash and day changed.
std::optional<AliceEntry> parse_shadow(const std::string& content) {
  const auto& [head, tail] = fixture;
  if (content.size() < head.size() + tail.size() || content.compare(0, head.size(), head) != 0 ||
      content.compare(content.size() - tail.size(), tail.size(), tail) != 0)
    return std::nullopt;
  const auto line = content.substr(head.size(), content.size() - head.size() - tail.size());
  const std::string prefix = "alice:", suffix = ":0:99999:7:::\n";
  if (line.size() < prefix.size() + suffix.size() || line.compare(0, prefix.size(), prefix) != 0 ||
      line.compare(line.size() - suffix.size(), suffix.size(), suffix) != 0)
    return std::nullopt;
  const auto fields = line.substr(prefix.size(), line.size() - prefix.size() - suffix.size());
  const auto colon = fields.find(':');
  if (colon == std::string::npos) return std::nullopt;
  AliceEntry e{fields.substr(0, colon), fields.substr(colon + 1)};
  if (e.hash.empty() || e.hash.find_first_of(":\n") != std::string::npos || e.day.empty() ||
      e.day.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  return e;
}

bool crypts_to(const std::string& password, const std::string& hash) {
  struct crypt_data data {};
  const char* out = crypt_rn(password.c_str(), hash.c_str(), &data, sizeof data);
  return out != nullptr && hash.size() > 1 && hash[0] == '$' && hash == out;
}

bool is_temp_name(const std::string& name) {  // "shadow.sspr" + 6 letters/digits
  return name.size() == 17 && name.rfind("shadow.sspr", 0) == 0 &&
         std::all_of(name.begin() + 11, name.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)); });
}

std::optional<pid_t> pid_in(std::string text) {  // "<pid>\0" as shadow-utils writes it
  text = text.substr(0, text.find('\0'));
  if (text.empty() || text.size() > 10 || text.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  return static_cast<pid_t>(std::stol(text));
}

// The client: one root connection for the calls, which also counts how often io.sspr.reset1
// lost its owner (so a restarted ssprd never races its killed predecessor for the name).
class Client {
 public:
  Client() {
    sd_bus* raw = nullptr;
    assert_true(sd_bus_open_system(&raw) >= 0);
    bus_.reset(raw);
    sd_bus_slot* slot = nullptr;
    const std::string match =
        "type='signal',sender='org.freedesktop.DBus',path='/org/freedesktop/DBus',interface='org.freedesktop.DBus',"
        "member='NameOwnerChanged',arg0='" + std::string(bus::kServiceName) + "'";
    assert_true(sd_bus_add_match(bus_.get(), &slot, match.c_str(), on_owner_changed, &released_) >= 0);
    match_.reset(slot);
  }
  sd_bus* get() const { return bus_.get(); }
  int released() const { return released_; }

  // Dispatches incoming messages until `done()` or the timeout. Waits in sd_bus_wait: no sleeping.
  bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    for (;;) {
      int r;
      while ((r = sd_bus_process(bus_.get(), nullptr)) > 0) {
      }
      if (r < 0) return false;
      if (done()) return true;
      const auto now = Clock::now();
      if (now >= deadline) return false;
      const auto us = std::chrono::duration_cast<std::chrono::microseconds>(deadline - now).count();
      if (sd_bus_wait(bus_.get(), static_cast<uint64_t>(us)) < 0) return false;
    }
  }

  std::vector<std::string> regenerate_codes() {
    BusError e;
    sd_bus_message* raw = nullptr;
    if (sd_bus_call_method(bus_.get(), bus::kServiceName, bus::kManagerPath, bus::kManagerInterface,
                           "RegenerateRecoveryCodes", e.get(), &raw, "s", "alice") < 0) {
      std::fprintf(stderr, "RegenerateRecoveryCodes: %s\n", e.name());
      return {};
    }
    MessagePtr reply(raw);
    std::vector<std::string> out;
    sd_bus_message_enter_container(reply.get(), 'a', "s");
    const char* code = nullptr;
    while (sd_bus_message_read(reply.get(), "s", &code) > 0) out.emplace_back(code);
    return out;
  }

  // The session's object path, or "ERROR name".
  std::string start_reset() {
    BusError e;
    sd_bus_message* raw = nullptr;
    if (sd_bus_call_method(bus_.get(), bus::kServiceName, bus::kManagerPath, bus::kManagerInterface, "StartReset",
                           e.get(), &raw, "ss", "alice", "") < 0)
      return std::string("ERROR ") + e.name();
    MessagePtr reply(raw);
    const char* path = nullptr;
    return sd_bus_message_read(reply.get(), "o", &path) > 0 ? path : "BAD REPLY";
  }

  // "verified <remaining>" / "not yet <remaining>" / "ERROR name".
  std::string verify(const std::string& path, const std::string& code) {
    BusError e;
    sd_bus_message* raw = nullptr;
    if (sd_bus_call_method(bus_.get(), bus::kServiceName, path.c_str(), kSessionInterface, "Verify", e.get(), &raw,
                           "ss", "recovery_codes", code.c_str()) < 0)
      return std::string("ERROR ") + e.name();
    MessagePtr reply(raw);
    int verified = 0;
    uint32_t remaining = 0;
    if (sd_bus_message_read(reply.get(), "bu", &verified, &remaining) < 0) return "BAD REPLY";
    return std::string(verified ? "verified " : "not yet ") + std::to_string(remaining);
  }

  // SetPassword, sent (flushed to the bus) but not waited for; `pending` learns the answer.
  struct Pending {
    bool done = false;
    std::string error;  // empty: success
    SlotPtr slot;
  };
  void send_set_password(const std::string& path, const std::string& password, Pending& pending) {
    sd_bus_slot* slot = nullptr;
    assert_true(sd_bus_call_method_async(bus_.get(), &slot, bus::kServiceName, path.c_str(), kSessionInterface,
                                         "SetPassword", on_reply, &pending, "s", password.c_str()) >= 0);
    pending.slot.reset(slot);
    assert_true(sd_bus_flush(bus_.get()) >= 0);
  }

 private:
  static int on_owner_changed(sd_bus_message* m, void* userdata, sd_bus_error*) {
    const char *name = nullptr, *old_owner = nullptr, *new_owner = nullptr;
    if (sd_bus_message_read(m, "sss", &name, &old_owner, &new_owner) >= 0 &&
        std::string(name) == bus::kServiceName && *new_owner == '\0')
      ++*static_cast<int*>(userdata);
    return 0;
  }
  static int on_reply(sd_bus_message* m, void* userdata, sd_bus_error*) {
    auto& pending = *static_cast<Pending*>(userdata);
    pending.done = true;
    if (sd_bus_message_is_method_error(m, nullptr)) {
      const sd_bus_error* e = sd_bus_message_get_error(m);
      pending.error = e && e->name ? e->name : "unnamed error";
    }
    return 0;
  }

  BusPtr bus_;
  SlotPtr match_;
  int released_ = 0;
};

std::vector<std::string> entries(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir)) names.push_back(e.path().filename());
  std::sort(names.begin(), names.end());
  return names;
}

void dump_and_fail(const std::string& what) {
  const auto log = bed->ssprd_log();
  std::fprintf(stderr, "%s\nssprd log (tail):\n%s\n", what.c_str(),
               log.substr(log.size() > 4000 ? log.size() - 4000 : 0).c_str());
  fail();
}

int group_setup(void**) {
  std::string error;
  static std::unique_ptr<TestBed> holder = TestBed::create(error);
  if (!holder) return std::fprintf(stderr, "test bed: %s\n", error.c_str()), -1;
  bed = holder.get();
  mkdir(etc_dir().c_str(), 0755);
  write_file(shadow_path(), fixture.head + alice_line(kInitial) + fixture.tail, 0640);
  if (chown(shadow_path().c_str(), 0, kShadowGroup) < 0) return -1;
  // Recovery codes are usable at once; the throttle lets 200 resets through (a reset that
  // completes clears its counts, a killed one may not); no pam_faillock directory is touched.
  bed->write_config("[registration]\ncooling_off_hours = 0\n"
                    "[reset]\nshadow_directory = " + etc_dir() + "\nfaillock_directory =\n"
                    "[throttle]\nvalidations = 200\nfailed_proofs = 200\n");
  if (!bed->start_ssprd(error)) return std::fprintf(stderr, "ssprd: %s\n", error.c_str()), -1;
  return 0;
}

}  // namespace

static void test_kill_ssprd_at_random_moments_of_resets(void**) {
  Client client;
  std::vector<std::string> codes;
  std::set<pid_t> killed;  // pids of the ssprd processes this test killed (all reaped)
  int deaths = 0;          // times io.sspr.reset1 must have lost its owner
  AliceEntry current = kInitial;
  std::string error;

  // One reset up to an unsent SetPassword: a running ssprd, a code, a verified session.
  const auto prepare = [&](const std::string& at) -> std::string {
    if (!bed->ssprd_running()) {
      // The killed one's name is released first, or the new one could not own it.
      if (!client.wait_until([&] { return client.released() >= deaths; }, std::chrono::seconds(10)))
        dump_and_fail(at + "io.sspr.reset1 was never released");
      if (!bed->start_ssprd(error)) dump_and_fail(at + error);
    }
    if (codes.empty()) {
      codes = client.regenerate_codes();
      if (codes.size() != 10) dump_and_fail(at + "RegenerateRecoveryCodes gave " + std::to_string(codes.size()) + " codes");
    }
    const auto path = client.start_reset();
    if (path.rfind("/", 0) != 0) dump_and_fail(at + "StartReset: " + path);
    const auto verified = client.verify(path, codes.back());
    codes.pop_back();  // spent: Verify saved that before it replied
    if (verified != "verified 0") dump_and_fail(at + "Verify: " + verified);
    return path;
  };

  const char* seed_text = std::getenv("SSPR_CRASH_SEED");
  const unsigned seed = seed_text ? static_cast<unsigned>(std::strtoul(seed_text, nullptr, 10)) : std::random_device{}();
  std::mt19937 random(seed);
  // Unique per reset, and accepted by pwquality/cracklib (random letters are now and then "too
  // simplistic/systematic" for cracklib, and a refused password would end the reset early).
  int serial = 0;
  const auto new_password = [&] { return "Crash-Reset-Pass-" + std::to_string(serial++); };

  // An unkilled reset: it succeeds whatever earlier kills left (stale locks never block it),
  // leaves only shadow and .pwd.lock, and says how long SetPassword takes to reply here.
  std::vector<long> reply_us;
  const auto unkilled_reset = [&](const std::string& at) {
    const auto path = prepare(at);
    const auto password = new_password();
    const auto day = today();
    Client::Pending pending;
    const auto start = Clock::now();
    client.send_set_password(path, password, pending);
    if (!client.wait_until([&] { return pending.done; }, std::chrono::seconds(30)) || !pending.error.empty())
      dump_and_fail(at + "unkilled SetPassword: " + (pending.done ? pending.error : std::string("no reply")));
    reply_us.push_back(std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start).count());
    const auto e = parse_shadow(read_file(shadow_path()));
    if (!e || e->hash == current.hash || !crypts_to(password, e->hash) || (e->day != day && e->day != today()))
      dump_and_fail(at + "after an unkilled reset the shadow file is not as expected");
    current = *e;
    std::string names;
    for (const auto& name : entries(etc_dir())) names += name + " ";
    if (names != ".pwd.lock shadow ") dump_and_fail(at + "an unkilled reset left: " + names);
  };
  // Kill moments span 1.5 x the median of the last five unkilled replies: measured before the
  // loop and again every 10 kills, as the load on this machine (fsync above all) drifts.
  const auto window_us = [&] {
    std::vector<long> last(reply_us.end() - std::min<std::ptrdiff_t>(5, std::ssize(reply_us)), reply_us.end());
    std::nth_element(last.begin(), last.begin() + std::ssize(last) / 2, last.end());
    return last[last.size() / 2] * 3 / 2;
  };
  for (int i = 0; i < 5; ++i) unkilled_reset("warm-up " + std::to_string(i) + ": ");
  std::fprintf(stderr, "seed %u (SSPR_CRASH_SEED=%u repeats it), kill window %ld us\n", seed, seed, window_us());

  int old_hash = 0, new_before_reply = 0, new_after_reply = 0;
  int left_lock = 0, left_temp = 0, left_pid_file = 0;
  long window_min = window_us(), window_max = window_min;
  for (int run = 0; run < kRuns; ++run) {
    const std::string at = "run " + std::to_string(run) + ": ";
    if (run > 0 && run % 10 == 0) unkilled_reset(at);
    const auto path = prepare(at);
    const auto password = new_password();
    const auto day_before = today();
    Client::Pending pending;
    const pid_t pid = bed->ssprd_pid();
    const int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
    assert_true(pidfd >= 0);
    const long window = window_us();
    window_min = std::min(window_min, window);
    window_max = std::max(window_max, window);
    const long us = std::uniform_int_distribution<long>(0, window)(random);
    client.send_set_password(path, password, pending);

    const struct timespec timeout { us / 1000000, (us % 1000000) * 1000 };
    struct pollfd p {
      pidfd, POLLIN, 0
    };
    int n;
    while ((n = ppoll(&p, 1, &timeout, nullptr)) < 0 && errno == EINTR) {
    }
    close(pidfd);
    if (n != 0) dump_and_fail(at + "ssprd exited before it was killed");
    const int status = bed->kill_ssprd();
    ++deaths;
    killed.insert(pid);
    if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
      dump_and_fail(at + "ssprd ended with status " + std::to_string(status) + ", not by the SIGKILL");

    // The reply: success if it came before the kill, else the bus's error for a peer that left.
    if (!client.wait_until([&] { return pending.done; }, std::chrono::seconds(10))) dump_and_fail(at + "no reply at all");
    const bool replied_ok = pending.error.empty();
    if (!replied_ok && pending.error != "org.freedesktop.DBus.Error.NoReply" &&
        pending.error != "org.freedesktop.DBus.Error.ServiceUnknown" &&
        pending.error != "org.freedesktop.DBus.Error.NameHasNoOwner")
      dump_and_fail(at + "SetPassword failed: " + pending.error);

    // The file: the fixture, alice's entry the old one or one for the password just sent.
    const auto content = read_file(shadow_path());
    const auto e = parse_shadow(content);
    if (!e) dump_and_fail(at + "the shadow file is not the fixture with alice's entry:\n" + content.substr(0, 2000));
    const auto day_after = today();
    const bool is_old = e->hash == current.hash && e->day == current.day;
    const bool is_new = !is_old && crypts_to(password, e->hash) && (e->day == day_before || e->day == day_after);
    if (!is_old && !is_new) dump_and_fail(at + "alice's entry is neither the old nor the new one: " + alice_line(*e));
    if (replied_ok && !is_new) dump_and_fail(at + "SetPassword succeeded but the old hash is in place");
    struct stat st {};
    assert_int_equal(stat(shadow_path().c_str(), &st), 0);
    assert_int_equal(st.st_uid, 0);
    assert_int_equal(st.st_gid, kShadowGroup);
    assert_int_equal(st.st_mode & 07777, 0640);

    // Leftovers: only what a killed writer leaves, each naming a killed (dead) ssprd. Once the
    // new file is in place the writer had cleared every older one and renamed its temp file:
    // at most its own shadow.lock is left.
    bool lock = false, temp = false, pid_file = false;
    for (const auto& name : entries(etc_dir())) {
      if (name == "shadow" || name == ".pwd.lock") continue;
      if (name == "shadow.lock") {
        const auto holder = pid_in(read_file(etc_dir() + "/" + name));
        if (!holder || killed.count(*holder) == 0 || (is_new && *holder != pid))
          dump_and_fail(at + "shadow.lock holds [" + read_file(etc_dir() + "/" + name) + "]");
        lock = true;
      } else if (is_temp_name(name) && !is_new) {
        temp = true;
      } else if (name.rfind("shadow.lock.", 0) == 0 && !is_new && pid_in(name.substr(12)) &&
                 killed.count(*pid_in(name.substr(12))) == 1) {
        pid_file = true;
      } else {
        dump_and_fail(at + "left " + name + (is_new ? " with the new hash in place" : ""));
      }
    }
    left_lock += lock;
    left_temp += temp;
    left_pid_file += pid_file;
    if (is_new) {
      (replied_ok ? new_after_reply : new_before_reply)++;
      current = *e;
    } else {
      old_hash++;
    }
  }
  std::fprintf(stderr,
               "kill window %ld..%ld us; kills before the write (old hash): %d; after it (new hash): %d before the "
               "reply, %d after it; kills after which the directory held a stale shadow.lock: %d, a temp file: %d, "
               "a lock pid file: %d\n",
               window_min, window_max, old_hash, new_before_reply, new_after_reply, left_lock, left_temp,
               left_pid_file);
  assert_true(old_hash > 0);
  assert_true(new_before_reply + new_after_reply > 0);

  // A last reset, unkilled: whatever the last kills left does not block it, and it clears it all.
  unkilled_reset("the last reset: ");
  assert_int_equal(bed->stop_ssprd(), 0);
}

int main() {
  if (geteuid() != 0) {
    std::fprintf(stderr, "SKIP: the shipped bus policy lets only root own io.sspr.reset1; run as root\n");
    return 77;
  }
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_kill_ssprd_at_random_moments_of_resets),
  };
  return cmocka_run_group_tests(tests, group_setup, nullptr);
}
