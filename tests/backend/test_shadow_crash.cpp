// kill -9 at random moments: sspr-shadow-writer is killed 200 times at a random point of its
// run (a random timeout on a pidfd poll: the kill point, not a synchronisation), alternating
// two new hashes. After every kill the file parses, has the same lines, holds either the old
// or the new entry for the user and every other byte as before, with owner and mode kept. Lock
// and temp files a killed writer leaves are removed by the next run, so a stale shadow.lock
// never blocks it, and one final run leaves only shadow and .pwd.lock.
#include "shadow_test_support.hpp"

#include <chrono>
#include <ctime>
#include <poll.h>
#include <random>
#include <sys/syscall.h>

using namespace shadow_test;
using namespace std::chrono_literals;

namespace {

constexpr int kRuns = 200;
const std::string kUser = "target";
const std::string kHashA = "$y$j9T$AAAAsaltAAAAsaltAAAA$AAAAhashAAAAhashAAAAhashAAAAhashAAAAhashAAA";
const std::string kHashB =
    "$6$rounds=6000$BBBBsaltBBBB$BBBBhashBBBBhashBBBBhashBBBBhashBBBBhashBBBBhashBBBBhashBBBBhash";

std::string line_for(const std::string& hash, const std::string& day) {
  return kUser + ":" + hash + ":" + day + ":0:99999:7:::";
}

struct Outcome {
  bool killed = false;
  int exit_status = -1;
};

// Runs the writer; if `kill_after` passes before it exits, SIGKILLs it through its pidfd.
Outcome run_writer(const std::string& dir, const std::string& hash, const std::string& log,
                   std::optional<std::chrono::microseconds> kill_after) {
  const pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd >= 0) dup2(fd, STDERR_FILENO);
    execl(SSPR_SHADOW_WRITER, SSPR_SHADOW_WRITER, dir.c_str(), kUser.c_str(), hash.c_str(), "5000",
          static_cast<char*>(nullptr));
    _exit(127);
  }
  const int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  assert_true(pidfd >= 0);
  Outcome outcome;
  if (kill_after) {
    const auto us = kill_after->count();
    const struct timespec timeout { us / 1000000, (us % 1000000) * 1000 };
    struct pollfd p {
      pidfd, POLLIN, 0
    };
    int n;
    while ((n = ppoll(&p, 1, &timeout, nullptr)) < 0 && errno == EINTR) {
    }
    if (n == 0) {
      assert_int_equal(syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, nullptr, 0), 0);
      outcome.killed = true;
    }
  }
  close(pidfd);
  int status = 0;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  // The kill may have landed just as it exited by itself.
  if (WIFSIGNALED(status)) {
    assert_int_equal(WTERMSIG(status), SIGKILL);
    outcome.killed = true;
  } else {
    outcome.killed = false;
    outcome.exit_status = WEXITSTATUS(status);
  }
  return outcome;
}

bool is_leftover(const std::string& name) {
  if (name == "shadow.lock") return true;
  if (name.rfind("shadow.sspr", 0) == 0 && name.size() == 17) return true;
  if (name.rfind("shadow.lock.", 0) == 0 && name.size() > 12)
    return name.find_first_not_of("0123456789", 12) == std::string::npos;
  return false;
}

}  // namespace

static void test_kill_at_random_points(void**) {
  // A few thousand users around the fixture's odd lines, the target in the middle: big enough
  // that writing takes a measurable part of a run.
  std::string head, tail;
  const auto mixed = slurp(kFixtures + "mixed");
  head = mixed.substr(0, mixed.find("\nzed:") + 1);
  for (int i = 0; i < 1500; ++i)
    head += "user" + std::to_string(i) + ":$y$j9T$s" + std::to_string(i) + "$h:19000:0:99999:7:::\n";
  for (int i = 1500; i < 3000; ++i) tail += "user" + std::to_string(i) + ":*:19000:0:99999:7:::\n";
  tail += "zed:last-line-without-newline:19004:0:99999:7:::";
  const std::string old_line = line_for("$y$j9T$original$original", "19000");
  EtcDir dir(head + old_line + "\n" + tail);
  assert_int_equal(chown(dir.shadow().c_str(), 0, 42), 0);
  assert_int_equal(chmod(dir.shadow().c_str(), 0640), 0);
  EtcDir logs;
  const std::string log = logs.file("writer.log");
  const auto today = std::to_string(std::time(nullptr) / 86400);

  // How long an unkilled run takes here (ASan builds are slower; the first run is often cold):
  // kill points span the fastest of five, plus a fifth.
  std::string current = old_line;
  std::chrono::microseconds fastest = 1h;
  for (int i = 0; i < 5; ++i) {
    const auto start = std::chrono::steady_clock::now();
    const auto o = run_writer(dir.path, kHashA, log, std::nullopt);
    fastest = std::min(fastest,
                       std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start));
    assert_false(o.killed);
    assert_int_equal(o.exit_status, 0);
  }
  current = line_for(kHashA, today);
  assert_true(dir.content() == head + current + "\n" + tail);

  std::random_device device;
  const unsigned seed = device();
  std::mt19937 random(seed);
  std::uniform_int_distribution<long> delay(0, fastest.count() * 6 / 5);
  std::fprintf(stderr, "seed %u, fastest unkilled run %lld us\n", seed, static_cast<long long>(fastest.count()));

  int killed_old = 0, killed_new = 0, completed = 0, with_leftovers = 0, with_temp = 0;
  for (int run = 0; run < kRuns; ++run) {
    const std::string& hash = run % 2 == 0 ? kHashB : kHashA;
    const std::string next = line_for(hash, today);
    const auto o = run_writer(dir.path, hash, log, std::chrono::microseconds(delay(random)));
    if (!o.killed && o.exit_status != 0) {
      std::fprintf(stderr, "run %d exited %d:\n%s\n", run, o.exit_status, slurp(log).c_str());
      fail();
    }

    // The file: same head and tail, the user's line either the old or the new one.
    const auto content = dir.content();
    assert_true(content.size() > head.size() + tail.size());
    assert_true(content.compare(0, head.size(), head) == 0);
    assert_true(content.compare(content.size() - tail.size(), tail.size(), tail) == 0);
    const auto line = content.substr(head.size(), content.size() - head.size() - tail.size());
    const bool is_old = line == current + "\n", is_new = line == next + "\n";
    if (!is_old && !is_new) {
      std::fprintf(stderr, "run %d left the line [%s]\n", run, line.c_str());
      fail();
    }
    struct stat st {};
    assert_int_equal(stat(dir.shadow().c_str(), &st), 0);
    assert_int_equal(st.st_uid, 0);
    assert_int_equal(st.st_gid, 42);
    assert_int_equal(st.st_mode & 07777, 0640);

    // Only the kinds of file a killed writer can leave, and never after a completed run.
    bool leftovers = false, temp = false;
    for (const auto& name : dir.entries()) {
      if (name == "shadow" || name == ".pwd.lock") continue;
      if (!is_leftover(name) || !o.killed) {
        std::fprintf(stderr, "run %d (%s) left %s\n", run, o.killed ? "killed" : "completed", name.c_str());
        fail();
      }
      leftovers = true;
      temp = temp || name.rfind("shadow.sspr", 0) == 0;
    }
    with_leftovers += leftovers;
    with_temp += temp;
    if (o.killed)
      (is_new && !is_old ? killed_new : killed_old)++;
    else
      completed++;
    if (is_new) current = next;
  }
  std::fprintf(stderr,
               "killed with the old line: %d, killed with the new line: %d, completed: %d; kills that left files: %d "
               "(a temp file: %d)\n",
               killed_old, killed_new, completed, with_leftovers, with_temp);
  assert_true(killed_old > 0);
  assert_true(killed_new + completed > 0);

  // A last run, unkilled: it clears whatever the last kill left and succeeds promptly.
  const auto start = std::chrono::steady_clock::now();
  const auto o = run_writer(dir.path, kHashB, log, std::nullopt);
  assert_true(std::chrono::steady_clock::now() - start < 2s);
  assert_false(o.killed);
  assert_int_equal(o.exit_status, 0);
  assert_true(dir.content() == head + line_for(kHashB, today) + "\n" + tail);
  expect_entries(dir, {".pwd.lock", "shadow"});
}

int main() {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_kill_at_random_points)};
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
