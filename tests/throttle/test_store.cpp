// The throttle state files: they survive a restart, count exactly under 50 concurrent
// processes, keep the newest events within their bound, survive a torn write by losing at most
// the last event, and anything unsafe or damaged blocks the user (never unblocks) until an
// administrator clears it.
#include "cmocka.hpp"
#include "throttle/throttle.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace sspr;
using namespace sspr::daemon::throttle;

namespace {

constexpr std::int64_t kStart = 1'800'000'000;
constexpr std::int64_t kDay = 24 * 3600;
const std::string kUser = "alice";

struct World {
  std::string dir;
  std::int64_t now = kStart;
  Policy policy;
  std::unique_ptr<Throttle> throttle;

  std::string path(const std::string& name = kUser) const { return dir + "/" + name; }
  // A new Throttle over the same directory, as a restarted ssprd would have.
  void restart() {
    throttle.reset();
    UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    assert_true(static_cast<bool>(fd));
    throttle = std::make_unique<Throttle>(std::move(fd), policy, [this] { return now; });
  }
};

int setup(void** state) {
  auto* w = new World;
  char tmpl[] = "/tmp/sspr-throttle-store-XXXXXX";
  w->dir = mkdtemp(tmpl);
  w->restart();
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

std::size_t at(Window window) { return static_cast<std::size_t>(window); }
std::size_t at(Method method) { return static_cast<std::size_t>(method); }

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const std::string& path, const std::string& bytes, mode_t mode = 0600) {
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << bytes;
    assert_true(out.good());
  }
  assert_int_equal(::chmod(path.c_str(), mode), 0);
}

// Overwrites `length` bytes at `offset` with 0xA5, as a torn write might leave them.
void damage(const std::string& path, off_t offset, std::size_t length) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  assert_true(fd >= 0);
  const std::string junk(length, '\xa5');
  assert_int_equal(::pwrite(fd, junk.data(), junk.size(), offset), static_cast<ssize_t>(junk.size()));
  ::close(fd);
}

void record_failures(World& w, int n) {
  for (int i = 0; i < n; ++i) assert_true(w.throttle->record(kUser, Event::identity_failure()).ok());
}

// The user is blocked because of the file, until an administrator acts, and the reason says why.
void expect_blocked_by_file(World& w, const std::string& why) {
  auto v = w.throttle->check(kUser);
  assert_true(v.ok());
  assert_true(v->blocked);
  assert_int_equal(static_cast<int>(v->cause), static_cast<int>(Cause::unusable_state));
  assert_true(v->until == kUntilCleared);
  expect_contains(v->reason, "the throttle state of alice " + why);
  expect_contains(v->reason, "until an administrator clears it");
  // Recording does not help either, and writes nothing.
  auto r = w.throttle->record(kUser, Event::reset_succeeded());
  assert_true(r.ok());
  assert_true(r->blocked);
  assert_true(r->until == kUntilCleared);
  expect_error(w.throttle->counts(kUser), ErrorCode::CorruptRecord);
  expect_error(w.throttle->clear_method(kUser, Method::totp), ErrorCode::CorruptRecord);
}

void expect_usable_after_clear(World& w) {
  assert_true(w.throttle->clear(kUser).ok());
  auto v = w.throttle->check(kUser);
  assert_true(v.ok());
  assert_false(v->blocked);
  record_failures(w, 1);
  assert_int_equal(w.throttle->counts(kUser)->in_window[at(Window::identity_failure)], 1);
  struct stat st {};
  assert_int_equal(::lstat(w.path().c_str(), &st), 0);
  assert_true(S_ISREG(st.st_mode));
  assert_int_equal(st.st_mode & 07777, 0600);
}

}  // namespace

static void test_the_file_is_root_only_and_fixed_size(void** state) {
  auto& w = world(state);
  record_failures(w, 1);
  struct stat st {};
  assert_int_equal(::lstat(w.path().c_str(), &st), 0);
  assert_true(S_ISREG(st.st_mode));
  assert_int_equal(st.st_mode & 07777, 0600);
  assert_int_equal(st.st_uid, ::geteuid());
  assert_int_equal(st.st_size, kStateFileSize);
  record_failures(w, 3);
  assert_int_equal(::lstat(w.path().c_str(), &st), 0);
  assert_int_equal(st.st_size, kStateFileSize);
}

static void test_state_survives_a_restart(void** state) {
  auto& w = world(state);
  record_failures(w, 5);
  for (int i = 0; i < 42; ++i) assert_true(w.throttle->record(kUser, Event::method_failure(Method::sms)).ok());
  w.now += 3600;
  w.restart();
  auto v = w.throttle->check(kUser);
  assert_true(v->blocked);
  assert_int_equal(v->until, kStart + kDay);
  auto c = w.throttle->counts(kUser);
  assert_int_equal(c->in_window[at(Window::identity_failure)], 5);
  assert_int_equal(c->method_failures[at(Method::sms)], 42);
  // and keeps counting from there
  assert_true(w.throttle->record(kUser, Event::validation()).ok());
  w.restart();
  assert_int_equal(w.throttle->counts(kUser)->in_window[at(Window::validation)], 1);
}

static void test_fifty_concurrent_processes_count_exactly_fifty(void** state) {
  auto& w = world(state);
  w.policy.identity_failure.blocking_count = 200;  // large enough to see every count
  w.restart();
  int barrier[2];
  assert_int_equal(::pipe(barrier), 0);
  constexpr int kProcesses = 50;
  std::vector<pid_t> children;
  for (int i = 0; i < kProcesses; ++i) {
    const pid_t pid = ::fork();
    assert_true(pid >= 0);
    if (pid == 0) {
      ::close(barrier[1]);
      char c;
      // Everyone leaves this read together: at end-of-file, when the parent closes its end.
      while (::read(barrier[0], &c, 1) < 0 && errno == EINTR) {
      }
      const bool ok = w.throttle->record(kUser, Event::identity_failure()).ok() &&
                      w.throttle->record(kUser, Event::method_failure(Method::questions)).ok();
      ::_exit(ok ? 0 : 1);
    }
    children.push_back(pid);
  }
  ::close(barrier[0]);
  ::close(barrier[1]);  // go
  int failed = 0;
  for (pid_t pid : children) {
    int status = 0;
    assert_int_equal(::waitpid(pid, &status, 0), pid);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) ++failed;
  }
  assert_int_equal(failed, 0);
  auto c = w.throttle->counts(kUser);
  assert_int_equal(c->in_window[at(Window::identity_failure)], kProcesses);
  assert_int_equal(c->method_failures[at(Method::questions)], kProcesses);
  assert_int_equal(c->stored_events, kProcesses);
}

// A file removed as expired (Throttle::remove_expired) while another process waits for its
// lock: the waiter counts in a new file, and its event is not lost with the old one.
static void test_a_writer_waiting_on_a_removed_file_starts_again(void** state) {
  auto& w = world(state);
  assert_true(w.throttle->record(kUser, Event::delivery()).ok());
  int go[2];
  assert_int_equal(::pipe(go), 0);
  // Forked before the parent takes the lock: a child holding a copy of that descriptor would
  // keep the lock alive after the parent lets go.
  const pid_t pid = ::fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    ::close(go[1]);
    char c;
    while (::read(go[0], &c, 1) < 0 && errno == EINTR) {
    }
    ::_exit(w.throttle->record(kUser, Event::identity_failure()).ok() ? 0 : 1);
  }
  ::close(go[0]);
  UniqueFd dir(::open(w.dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  auto held = LockedState::open(dir.get(), kUser, false);
  assert_int_equal(static_cast<int>(held.status()), static_cast<int>(LockedState::Status::ok));
  ::close(go[1]);  // go
  // Wait until the child is blocked on the lock (/proc/locks marks a waiter with "->").
  bool waiting = false;
  for (long spins = 0; !waiting && spins < 500'000; ++spins) {
    std::ifstream locks("/proc/locks");
    std::string line;
    while (std::getline(locks, line))
      if (line.find("-> FLOCK") != std::string::npos) waiting = true;
    if (!waiting) ::sched_yield();
  }
  assert_true(waiting);
  assert_int_equal(held.remove(), 0);
  int status = 0;
  assert_int_equal(::waitpid(pid, &status, 0), pid);
  assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  const auto counts = w.throttle->counts(kUser);
  assert_true(counts.ok());
  assert_int_equal(counts->stored_events, 1);  // the new file: the child's event alone
  assert_int_equal(counts->in_window[static_cast<std::size_t>(Window::identity_failure)], 1);
}

static void test_the_newest_events_are_kept_within_the_bound(void** state) {
  auto& w = world(state);
  w.policy.delivery = {static_cast<std::uint32_t>(kMaxEvents), 1000, 60};
  w.restart();
  for (int i = 0; i < 300; ++i) {
    w.now = kStart + i;
    assert_true(w.throttle->record(kUser, Event::delivery()).ok());
  }
  auto c = w.throttle->counts(kUser);
  assert_int_equal(c->stored_events, kMaxEvents);
  assert_int_equal(c->in_window[at(Window::delivery)], kMaxEvents);
  // Kept: the events at kStart+52 .. kStart+299. At kStart+1060 those after kStart+60 count.
  w.now = kStart + 1060;
  assert_int_equal(w.throttle->counts(kUser)->in_window[at(Window::delivery)], 299 - 60);
  // Expired events are dropped at the next write.
  assert_true(w.throttle->record(kUser, Event::identity_failure()).ok());
  c = w.throttle->counts(kUser);
  assert_int_equal(c->stored_events, 299 - 60 + 1);
  w.restart();
  assert_int_equal(w.throttle->counts(kUser)->in_window[at(Window::delivery)], 299 - 60);
}

// --- crashes -----------------------------------------------------------------------------------

static void test_a_torn_write_loses_only_the_last_event(void** state) {
  auto& w = world(state);
  record_failures(w, 5);  // writes alternate: the fifth (blocking) state is in the first slot
  record_failures(w, 1);  // the sixth in the second
  damage(w.path(), static_cast<off_t>(kSlotSize + 200), 100);
  auto c = w.throttle->counts(kUser);
  assert_true(c.ok());
  assert_int_equal(c->in_window[at(Window::identity_failure)], 5);
  auto v = w.throttle->check(kUser);
  assert_true(v->blocked);  // still blocked by the intact copy
  assert_int_equal(static_cast<int>(v->cause), static_cast<int>(Cause::identity_failure));
  // The next write replaces the damaged copy.
  record_failures(w, 1);
  assert_int_equal(w.throttle->counts(kUser)->in_window[at(Window::identity_failure)], 6);
}

static void test_a_torn_first_write_leaves_an_empty_state(void** state) {
  auto& w = world(state);
  // What a crash while the first event was written can leave: the file sized with zeros and a
  // partly written first slot.
  std::string bytes(kStateFileSize, '\0');
  std::fill_n(bytes.begin(), 300, '\x5a');
  write_bytes(w.path(), bytes);
  auto v = w.throttle->check(kUser);
  assert_false(v->blocked);
  record_failures(w, 1);
  assert_int_equal(w.throttle->counts(kUser)->in_window[at(Window::identity_failure)], 1);
}

static void test_both_copies_damaged_blocks(void** state) {
  auto& w = world(state);
  record_failures(w, 2);
  damage(w.path(), 200, 10);
  damage(w.path(), static_cast<off_t>(kSlotSize + 200), 10);
  expect_blocked_by_file(w, "is damaged (first copy: checksum mismatch; second copy: checksum mismatch)");
  expect_usable_after_clear(w);
}

static void test_an_empty_first_copy_beside_a_damaged_second_blocks(void** state) {
  auto& w = world(state);
  std::string bytes(kStateFileSize, '\0');
  std::fill_n(bytes.begin() + kSlotSize, 300, '\x5a');
  write_bytes(w.path(), bytes);
  expect_blocked_by_file(w, "is damaged (first copy: unexpectedly empty; second copy: not a throttle record)");
}

// --- unsafe or foreign files -------------------------------------------------------------------

static void test_garbage_blocks(void** state) {
  auto& w = world(state);
  std::string bytes(kStateFileSize, '\0');
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>(i * 7 + 3);
  write_bytes(w.path(), bytes);
  expect_blocked_by_file(w, "is damaged");
  assert_true(read_bytes(w.path()) == bytes);  // nothing was written
  expect_usable_after_clear(w);
}

static void test_a_file_of_the_wrong_size_blocks(void** state) {
  auto& w = world(state);
  write_bytes(w.path(), "alice 0 failures\n");
  expect_blocked_by_file(w, "has the wrong size (17 bytes instead of 8192)");
  expect_usable_after_clear(w);
  record_failures(w, 3);
  std::string bytes = read_bytes(w.path());
  bytes.pop_back();  // a truncated real file
  write_bytes(w.path(), bytes);
  expect_blocked_by_file(w, "has the wrong size (8191 bytes instead of 8192)");
  expect_usable_after_clear(w);
}

static void test_a_readable_file_blocks(void** state) {
  auto& w = world(state);
  record_failures(w, 1);
  assert_int_equal(::chmod(w.path().c_str(), 0644), 0);
  const std::string before = read_bytes(w.path());
  expect_blocked_by_file(w, "is accessible to group or others");
  assert_true(read_bytes(w.path()) == before);
  expect_usable_after_clear(w);  // it was replaced, not reused
}

static void test_a_file_owned_by_someone_else_blocks(void** state) {
  auto& w = world(state);
  if (::geteuid() != 0) skip();  // only root can give a file away
  record_failures(w, 1);
  assert_int_equal(::chown(w.path().c_str(), 65534, 65534), 0);
  expect_blocked_by_file(w, "is not owned by root");
  expect_usable_after_clear(w);
}

static void test_a_symlink_blocks_and_is_never_followed(void** state) {
  auto& w = world(state);
  const std::string target = w.dir + "/target";
  write_bytes(target, "do not touch\n");
  assert_int_equal(::symlink(target.c_str(), w.path().c_str()), 0);
  expect_blocked_by_file(w, "is a symbolic link");
  assert_str(read_bytes(target), "do not touch\n");
  expect_usable_after_clear(w);  // the link is removed, its target kept
  assert_str(read_bytes(target), "do not touch\n");
}

static void test_a_dangling_symlink_creates_nothing(void** state) {
  auto& w = world(state);
  const std::string target = w.dir + "/created-through-link";
  assert_int_equal(::symlink(target.c_str(), w.path().c_str()), 0);
  expect_blocked_by_file(w, "is a symbolic link");
  assert_false(std::filesystem::exists(target));
}

static void test_a_hard_link_blocks(void** state) {
  auto& w = world(state);
  record_failures(w, 1);
  assert_int_equal(::link(w.path().c_str(), (w.dir + "/other").c_str()), 0);
  expect_blocked_by_file(w, "has more than one name");
  expect_usable_after_clear(w);
}

static void test_a_fifo_or_directory_blocks_without_hanging(void** state) {
  auto& w = world(state);
  assert_int_equal(::mkfifo(w.path().c_str(), 0600), 0);
  expect_blocked_by_file(w, "is not a regular file");
  expect_usable_after_clear(w);
  assert_int_equal(::unlink(w.path().c_str()), 0);
  assert_int_equal(::mkdir(w.path().c_str(), 0700), 0);
  expect_blocked_by_file(w, "is not a regular file");
  expect_usable_after_clear(w);
}

static void test_names_with_a_slash_reach_no_other_file(void** state) {
  auto& w = world(state);
  assert_int_equal(::mkdir((w.dir + "/sub").c_str(), 0700), 0);
  expect_error(w.throttle->record("sub/alice", Event::identity_failure()), ErrorCode::InvalidUserName);
  expect_error(w.throttle->record("../alice", Event::identity_failure()), ErrorCode::InvalidUserName);
  assert_true(std::filesystem::is_empty(w.dir + "/sub"));
}

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_the_file_is_root_only_and_fixed_size, setup, teardown),
      cmocka_unit_test_setup_teardown(test_state_survives_a_restart, setup, teardown),
      cmocka_unit_test_setup_teardown(test_fifty_concurrent_processes_count_exactly_fifty, setup, teardown),
      cmocka_unit_test_setup_teardown(test_a_writer_waiting_on_a_removed_file_starts_again, setup, teardown),
      cmocka_unit_test_setup_teardown(test_the_newest_events_are_kept_within_the_bound, setup, teardown),
      cmocka_unit_test_setup_teardown(test_a_torn_write_loses_only_the_last_event, setup, teardown),
      cmocka_unit_test_setup_teardown(test_a_torn_first_write_leaves_an_empty_state, setup, teardown),
      cmocka_unit_test_setup_teardown(test_both_copies_damaged_blocks, setup, teardown),
      cmocka_unit_test_setup_teardown(test_an_empty_first_copy_beside_a_damaged_second_blocks, setup, teardown),
      cmocka_unit_test_setup_teardown(test_garbage_blocks, setup, teardown),
      cmocka_unit_test_setup_teardown(test_a_file_of_the_wrong_size_blocks, setup, teardown),
      cmocka_unit_test_setup_teardown(test_a_readable_file_blocks, setup, teardown),
      cmocka_unit_test_setup_teardown(test_a_file_owned_by_someone_else_blocks, setup, teardown),
      cmocka_unit_test_setup_teardown(test_a_symlink_blocks_and_is_never_followed, setup, teardown),
      cmocka_unit_test_setup_teardown(test_a_dangling_symlink_creates_nothing, setup, teardown),
      cmocka_unit_test_setup_teardown(test_a_hard_link_blocks, setup, teardown),
      cmocka_unit_test_setup_teardown(test_a_fifo_or_directory_blocks_without_hanging, setup, teardown),
      cmocka_unit_test_setup_teardown(test_names_with_a_slash_reach_no_other_file, setup, teardown),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
