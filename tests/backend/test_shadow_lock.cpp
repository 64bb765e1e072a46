// Both locks: another process holding lckpwdf's .pwd.lock (as pam_unix and glibc take it) or
// shadow-utils' shadow.lock makes the change fail "busy" within the bound and leaves the file
// alone; stale locks of dead processes are broken; locks are released after every call.
#include "shadow_test_support.hpp"

#include <chrono>
#include <sys/inotify.h>

using namespace sspr;
using namespace sspr::daemon::backend;
using namespace shadow_test;
using namespace std::chrono_literals;

namespace {

constexpr auto kBound = 300ms;

// What glibc's lckpwdf() does: a classic (process-associated) fcntl write lock on the whole file.
bool take_lckpwdf_lock(const std::string& path) {
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  struct flock lock {};
  lock.l_type = F_WRLCK;
  lock.l_whence = SEEK_SET;
  return fd >= 0 && fcntl(fd, F_SETLK, &lock) == 0;  // the fd stays open until the child exits
}

// What shadow-utils' do_lock_file leaves: shadow.lock holding "<pid>\0".
bool write_lock_file(const std::string& path, const std::string& content) {
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  const bool ok = write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size());
  close(fd);
  return ok;
}

std::string pid_text(pid_t pid) { return std::to_string(pid) + '\0'; }

// Sets alice's hash with the bound; returns how long it took.
std::chrono::milliseconds timed_busy_call(const EtcDir& dir) {
  const auto start = std::chrono::steady_clock::now();
  const auto r = set_password_hash(dir.paths, "alice", kNewHash, kToday, kBound);
  const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  expect_code(r, ErrorCode::AuthtokLockBusy);
  std::fprintf(stderr, "busy after %lld ms\n", static_cast<long long>(elapsed.count()));
  assert_true(elapsed >= kBound);
  assert_true(elapsed < kBound + 500ms);
  return elapsed;
}

// True if some other open file description holds a lock on `path` (ours would conflict too).
bool locked_by_anyone(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  assert_true(fd >= 0);
  struct flock probe {};
  probe.l_type = F_WRLCK;
  probe.l_whence = SEEK_SET;
  assert_int_equal(fcntl(fd, F_OFD_GETLK, &probe), 0);
  close(fd);
  return probe.l_type != F_UNLCK;
}

}  // namespace

static void test_pwd_lock_held_by_another_process(void**) {
  const auto mixed = slurp(kFixtures + "mixed");
  EtcDir dir(mixed);
  Holder holder([&] { return take_lckpwdf_lock(dir.file(".pwd.lock")); });
  timed_busy_call(dir);
  assert_true(dir.content() == mixed);
  expect_entries(dir, {".pwd.lock", "shadow"});  // shadow.lock was never taken
  // No wait at all: busy at once.
  expect_code(set_password_hash(dir.paths, "alice", kNewHash, kToday, 0ms), ErrorCode::AuthtokLockBusy);
  holder.release();
  expect_ok(set_password_hash(dir.paths, "alice", kNewHash, kToday, 0ms));
  assert_true(dir.content() == slurp(kFixtures + "mixed.alice"));
}

static void test_shadow_lock_held_by_a_live_process(void**) {
  const auto mixed = slurp(kFixtures + "mixed");
  EtcDir dir(mixed);
  Holder holder([&] { return write_lock_file(dir.file("shadow.lock"), pid_text(getpid())); });
  timed_busy_call(dir);
  assert_true(dir.content() == mixed);
  assert_true(slurp(dir.file("shadow.lock")) == pid_text(holder.pid()));  // not ours to remove
  // Our .pwd.lock was released although shadow.lock was not obtained.
  assert_false(locked_by_anyone(dir.file(".pwd.lock")));
  expect_entries(dir, {".pwd.lock", "shadow", "shadow.lock"});
  // Its holder exits without removing it (as if killed): now it is stale and is broken.
  holder.release();
  expect_ok(set_password_hash(dir.paths, "alice", kNewHash, kToday, 0ms));
  assert_true(dir.content() == slurp(kFixtures + "mixed.alice"));
  expect_entries(dir, {".pwd.lock", "shadow"});
}

static void test_stale_shadow_locks_are_broken(void**) {
  // A dead process's pid (with shadow-utils' NUL, or a newline), and our own pid: a previous
  // holder with our pid must have died, since we hold .pwd.lock.
  for (const std::string& content :
       {pid_text(dead_pid()), std::to_string(dead_pid()) + "\n", std::to_string(dead_pid()), pid_text(getpid())}) {
    EtcDir dir(slurp(kFixtures + "mixed"));
    assert_true(write_lock_file(dir.file("shadow.lock"), content));
    expect_ok(set_password_hash(dir.paths, "alice", kNewHash, kToday, 0ms));
    assert_true(dir.content() == slurp(kFixtures + "mixed.alice"));
    expect_entries(dir, {".pwd.lock", "shadow"});
  }
}

static void test_unreadable_shadow_lock_is_not_broken(void**) {
  // Like shadow-utils: a lock that names no process is left for an administrator.
  for (const std::string& content :
       {std::string(), std::string("garbage"), std::string("0"), std::string("-1"), std::string("99999999999")}) {
    const auto mixed = slurp(kFixtures + "mixed");
    EtcDir dir(mixed);
    assert_true(write_lock_file(dir.file("shadow.lock"), content));
    timed_busy_call(dir);
    assert_true(dir.content() == mixed);
    assert_true(slurp(dir.file("shadow.lock")) == content);
  }
}

static void test_locks_released_after_success_and_failure(void**) {
  EtcDir dir(slurp(kFixtures + "mixed"));
  expect_ok(set_password_hash(dir.paths, "alice", kNewHash, kToday, 0ms));
  assert_false(locked_by_anyone(dir.file(".pwd.lock")));
  expect_code(set_password_hash(dir.paths, "mallory", kNewHash, kToday, 0ms), ErrorCode::NoSuchUser);
  assert_false(locked_by_anyone(dir.file(".pwd.lock")));
  expect_entries(dir, {".pwd.lock", "shadow"});
  // And a glibc lckpwdf() user in another process gets the lock at once afterwards.
  Holder holder([&] { return take_lckpwdf_lock(dir.file(".pwd.lock")); });
}

// A child takes a lock, then blocks until inotify reports the waiter's first step (opening
// .pwd.lock, or creating its shadow.lock.<pid> file) and only then lets go: the waiter must get
// through by retrying, well within its bound. Event-driven: nothing sleeps.
template <class Take, class Let>
void expect_waiter_gets_through(const EtcDir& dir, const std::string& watched, std::uint32_t event, Take take,
                                Let let_go) {
  int ready[2];
  assert_int_equal(pipe2(ready, O_CLOEXEC), 0);
  const pid_t child = fork();
  assert_true(child >= 0);
  if (child == 0) {
    const int in = inotify_init1(IN_CLOEXEC);
    const bool ok = take() && in >= 0 && inotify_add_watch(in, watched.c_str(), event) >= 0;
    if (write(ready[1], ok ? "y" : "n", 1) != 1 || !ok) _exit(3);
    alignas(inotify_event) char buffer[4096];
    while (read(in, buffer, sizeof buffer) < 0 && errno == EINTR) {
    }
    _exit(let_go() ? 0 : 4);
  }
  close(ready[1]);
  char ok = 0;
  assert_int_equal(read(ready[0], &ok, 1), 1);
  close(ready[0]);
  assert_int_equal(ok, 'y');
  const auto start = std::chrono::steady_clock::now();
  expect_ok(set_password_hash(dir.paths, "alice", kNewHash, kToday, 10s));
  assert_true(std::chrono::steady_clock::now() - start < 5s);
  int status = 0;
  assert_int_equal(waitpid(child, &status, 0), child);
  assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  assert_true(dir.content() == slurp(kFixtures + "mixed.alice"));
  expect_entries(dir, {".pwd.lock", "shadow"});
}

static void test_waiter_gets_the_lock_once_it_is_released(void**) {
  {
    EtcDir dir(slurp(kFixtures + "mixed"));
    put(dir.file(".pwd.lock"), "");
    // The child's fcntl lock goes when it exits.
    expect_waiter_gets_through(
        dir, dir.file(".pwd.lock"), IN_OPEN, [&] { return take_lckpwdf_lock(dir.file(".pwd.lock")); },
        [] { return true; });
  }
  {
    EtcDir dir(slurp(kFixtures + "mixed"));
    put(dir.file(".pwd.lock"), "");  // so the first IN_CREATE is the waiter's shadow.lock.<pid>
    // shadow-utils' holder removes shadow.lock when done.
    expect_waiter_gets_through(
        dir, dir.path, IN_CREATE, [&] { return write_lock_file(dir.file("shadow.lock"), pid_text(getpid())); },
        [&] { return unlink(dir.file("shadow.lock").c_str()) == 0; });
  }
}

int main() {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_pwd_lock_held_by_another_process),
                                     cmocka_unit_test(test_shadow_lock_held_by_a_live_process),
                                     cmocka_unit_test(test_stale_shadow_locks_are_broken),
                                     cmocka_unit_test(test_unreadable_shadow_lock_is_not_broken),
                                     cmocka_unit_test(test_locks_released_after_success_and_failure),
                                     cmocka_unit_test(test_waiter_gets_the_lock_once_it_is_released)};
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
