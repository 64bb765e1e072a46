// set_password_hash on real files in a throwaway directory: exactly one line changes, metadata
// is kept, refusals and failures at every I/O step leave the file byte-for-byte as it was with
// no temp file left and the locks released, and concurrent writers lose no update.
#include "shadow_test_support.hpp"

#include <sys/xattr.h>

using namespace sspr;
using namespace sspr::daemon::backend;
using namespace shadow_test;
using namespace std::chrono_literals;

namespace {

sspr::Result<sspr::daemon::backend::Done> set(const EtcDir& dir, const std::string& user,
                                              const std::string& hash = kNewHash, const FileOps& ops = FileOps{}) {
  return set_password_hash(dir.paths, user, hash, kToday, 1000ms, ops);
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t pos = 0;
  for (std::size_t eol; (eol = text.find('\n', pos)) != std::string::npos; pos = eol + 1)
    lines.push_back(text.substr(pos, eol - pos));
  lines.push_back(text.substr(pos));  // after the last newline ("" if the file ends with one)
  return lines;
}

std::size_t lines_differing(const std::string& a, const std::string& b) {
  const auto x = split_lines(a), y = split_lines(b);
  assert_int_equal(x.size(), y.size());
  std::size_t n = 0;
  for (std::size_t i = 0; i < x.size(); ++i) n += x[i] != y[i];
  return n;
}

// Fault injection: each fake fails its step once with the errno set here.
int fail_errno = EIO;
ssize_t failing_write(int, const void*, size_t) {
  errno = fail_errno;
  return -1;
}
int failing_fsync(int) {
  errno = fail_errno;
  return -1;
}
int failing_rename(int, const char*, int, const char*) {
  errno = fail_errno;
  return -1;
}
// Writes at most 7 bytes per call, and is interrupted once before the first byte.
bool interrupted = false;
ssize_t dribbling_write(int fd, const void* data, size_t size) {
  if (!interrupted) {
    interrupted = true;
    errno = EINTR;
    return -1;
  }
  return ::write(fd, data, std::min<size_t>(size, 7));
}
ssize_t zero_write(int, const void*, size_t) { return 0; }

}  // namespace

static void test_fixtures_exactly_one_line_changes(void**) {
  const auto mixed = slurp(kFixtures + "mixed");
  for (const char* user : {"alice", "bob", "eve", "zed"}) {
    EtcDir dir(mixed);
    expect_ok(set(dir, user));
    const auto after = dir.content();
    assert_true(after == slurp(kFixtures + "mixed." + user));
    assert_int_equal(lines_differing(mixed, after), 1);
    // The lock file of shadow-utils is gone; lckpwdf's lock file stays, as glibc leaves it.
    expect_entries(dir, {".pwd.lock", "shadow"});
  }
}

static void test_hundred_thousand_entries(void**) {
  std::string content = "# generated\n";
  for (int i = 0; i < 100000; ++i)
    content += "user" + std::to_string(i) + ":$y$j9T$salt" + std::to_string(i) +
               "$hashhashhashhashhashhashhashhashhashhashhas:19000:0:99999:7:::\n";
  EtcDir dir(content);
  expect_ok(set(dir, "user54321"));
  const std::string old_line =
      "user54321:$y$j9T$salt54321$hashhashhashhashhashhashhashhashhashhashhas:19000:0:99999:7:::\n";
  std::string expected = content;
  expected.replace(expected.find(old_line), old_line.size(), "user54321:" + kNewHash + ":20000:0:99999:7:::\n");
  const auto after = dir.content();
  assert_true(after == expected);
  assert_int_equal(lines_differing(content, after), 1);
}

static void test_owner_group_mode_and_xattrs_kept(void**) {
  struct Case {
    uid_t uid;
    gid_t gid;
    mode_t mode;
  };
  // Debian's root:shadow 0640 and Fedora's root:root 0000.
  for (const Case c : {Case{0, 42, 0640}, Case{0, 0, 0000}, Case{1234, 5678, 0604}}) {
    EtcDir dir(slurp(kFixtures + "mixed"));
    assert_int_equal(chown(dir.shadow().c_str(), c.uid, c.gid), 0);
    assert_int_equal(chmod(dir.shadow().c_str(), c.mode), 0);
    const bool xattrs = setxattr(dir.shadow().c_str(), "user.sspr-test", "kept", 4, 0) == 0;
    struct stat before {};
    assert_int_equal(stat(dir.shadow().c_str(), &before), 0);
    expect_ok(set(dir, "alice"));
    struct stat after {};
    assert_int_equal(stat(dir.shadow().c_str(), &after), 0);
    assert_true(after.st_ino != before.st_ino);  // a new file was renamed into place
    assert_int_equal(after.st_uid, c.uid);
    assert_int_equal(after.st_gid, c.gid);
    assert_int_equal(after.st_mode & 07777, c.mode);
    if (xattrs) {
      char value[16] = {};
      assert_int_equal(getxattr(dir.shadow().c_str(), "user.sspr-test", value, sizeof value), 4);
      assert_str(value, "kept");
    }
    assert_true(dir.content() == slurp(kFixtures + "mixed.alice"));
  }
}

static void test_refusals_leave_file_unchanged(void**) {
  const auto mixed = slurp(kFixtures + "mixed");
  EtcDir dir(mixed);
  // Checked before any lock or file is touched.
  expect_code(set(dir, "alice", "$6$a:b"), ErrorCode::InvalidArgument);
  expect_code(set(dir, "alice", "$6$ab\n"), ErrorCode::InvalidArgument);
  expect_code(set(dir, "al:ice"), ErrorCode::InvalidUserName);
  expect_code(set_password_hash(dir.paths, "alice", kNewHash, -1, 0ms), ErrorCode::InvalidArgument);
  ShadowPaths escaping = dir.paths;
  escaping.file = "../shadow";
  expect_code(set_password_hash(escaping, "alice", kNewHash, kToday, 0ms), ErrorCode::InvalidArgument);
  expect_entries(dir, {"shadow"});
  // Found out under the lock.
  expect_code(set(dir, "mallory"), ErrorCode::NoSuchUser);
  expect_code(set(dir, "nisuser"), ErrorCode::NoSuchUser);
  expect_code(set(dir, "carol"), ErrorCode::Internal);  // CRLF: field 9 is "\r"
  expect_code(set(dir, "dave"), ErrorCode::Internal);   // 2 fields
  expect_code(set(dir, "alice.old"), ErrorCode::NotPermitted);  // locked ("!" before the hash)
  assert_true(dir.content() == mixed);
  expect_entries(dir, {".pwd.lock", "shadow"});

  const auto duplicate = slurp(kFixtures + "duplicate");
  EtcDir dup(duplicate);
  expect_code(set(dup, "alice"), ErrorCode::Internal);
  assert_true(dup.content() == duplicate);
  expect_ok(set(dup, "bob"));  // the other users can still be changed

  EtcDir missing;
  expect_code(set(missing, "alice"), ErrorCode::BackendUnavailable);
  EtcDir linked;
  put(linked.file("real"), mixed);
  assert_int_equal(symlink("real", linked.shadow().c_str()), 0);
  expect_code(set(linked, "alice"), ErrorCode::BackendUnavailable);  // O_NOFOLLOW
  assert_true(slurp(linked.file("real")) == mixed);
  ShadowPaths no_dir = missing.paths;
  no_dir.dir = missing.path + "/absent";
  expect_code(set_password_hash(no_dir, "alice", kNewHash, kToday, 0ms), ErrorCode::BackendUnavailable);
}

static void test_failure_at_each_step_leaves_file_unchanged(void**) {
  const auto mixed = slurp(kFixtures + "mixed");
  FileOps write_fails, fsync_fails, rename_fails, zero_writes;
  write_fails.write = failing_write;
  fsync_fails.fsync = failing_fsync;
  rename_fails.renameat = failing_rename;
  zero_writes.write = zero_write;
  for (const int error : {EIO, ENOSPC, EDQUOT, EROFS}) {
    fail_errno = error;
    for (const FileOps* ops : {&write_fails, &fsync_fails, &rename_fails, &zero_writes}) {
      EtcDir dir(mixed);
      assert_int_equal(chmod(dir.shadow().c_str(), 0640), 0);
      expect_code(set(dir, "alice", kNewHash, *ops), ErrorCode::BackendUnavailable);
      assert_true(dir.content() == mixed);
      expect_entries(dir, {".pwd.lock", "shadow"});  // no temp file, no shadow.lock
      // Both locks were released: a call that may not wait at all succeeds.
      expect_ok(set_password_hash(dir.paths, "alice", kNewHash, kToday, 0ms));
      assert_true(dir.content() == slurp(kFixtures + "mixed.alice"));
    }
  }
}

static void test_directory_fsync_failure(void**) {
  // The rename has happened: readers see the new file, but it may not survive a power cut, so
  // the answer is an error. No temp file is left and the locks are released.
  const auto mixed = slurp(kFixtures + "mixed");
  EtcDir dir(mixed);
  FileOps ops;
  ops.fsync_dir = failing_fsync;
  fail_errno = EIO;
  expect_code(set(dir, "alice", kNewHash, ops), ErrorCode::BackendUnavailable);
  assert_true(dir.content() == slurp(kFixtures + "mixed.alice"));
  expect_entries(dir, {".pwd.lock", "shadow"});
  expect_ok(set_password_hash(dir.paths, "bob", kNewHash, kToday, 0ms));
}

static void test_short_and_interrupted_writes(void**) {
  EtcDir dir(slurp(kFixtures + "mixed"));
  FileOps ops;
  ops.write = dribbling_write;
  interrupted = false;
  expect_ok(set(dir, "zed", kNewHash, ops));
  assert_true(interrupted);
  assert_true(dir.content() == slurp(kFixtures + "mixed.zed"));
}

static void test_leftovers_of_killed_writers_are_removed(void**) {
  EtcDir dir(slurp(kFixtures + "mixed"));
  const std::string dead = std::to_string(dead_pid());
  for (const std::string& name :
       std::vector<std::string>{"shadow.ssprAbC123", "shadow.ssprzzzzzz", "shadow.lock." + dead})
    put(dir.file(name), "x");
  // Not ours, or a live process's: kept.
  const std::string live = std::to_string(getppid());
  for (const std::string& name : std::vector<std::string>{"shadow.ssprAbC12", "shadow.sspr-bC123", "shadow-",
                                                          "shadow.lock." + live, "shadow.lock.x"})
    put(dir.file(name), "x");
  expect_ok(set(dir, "alice"));
  expect_entries(dir, {".pwd.lock", "shadow", "shadow.ssprAbC12", "shadow.sspr-bC123", "shadow-", "shadow.lock." + live,
                       "shadow.lock.x"});
  assert_true(dir.content() == slurp(kFixtures + "mixed.alice"));
}

static void test_concurrent_writers_lose_no_update(void**) {
  // Eight processes change eight users at once; each must wait for the others, re-read, and
  // keep their changes.
  std::string content;
  for (int i = 0; i < 8; ++i) content += "u" + std::to_string(i) + ":old:19000:0:99999:7:::\n";
  EtcDir dir(content);
  std::vector<pid_t> children;
  for (int i = 0; i < 8; ++i) {
    const pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
      const auto r =
          set_password_hash(dir.paths, "u" + std::to_string(i), "$6$new" + std::to_string(i), kToday, 10000ms);
      _exit(r.ok() ? 0 : 1);
    }
    children.push_back(pid);
  }
  for (const pid_t pid : children) {
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  std::string expected;
  for (int i = 0; i < 8; ++i)
    expected += "u" + std::to_string(i) + ":$6$new" + std::to_string(i) + ":20000:0:99999:7:::\n";
  assert_str(dir.content(), expected);
  expect_entries(dir, {".pwd.lock", "shadow"});
}

int main() {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_fixtures_exactly_one_line_changes),
                                     cmocka_unit_test(test_hundred_thousand_entries),
                                     cmocka_unit_test(test_owner_group_mode_and_xattrs_kept),
                                     cmocka_unit_test(test_refusals_leave_file_unchanged),
                                     cmocka_unit_test(test_failure_at_each_step_leaves_file_unchanged),
                                     cmocka_unit_test(test_directory_fsync_failure),
                                     cmocka_unit_test(test_short_and_interrupted_writes),
                                     cmocka_unit_test(test_leftovers_of_killed_writers_are_removed),
                                     cmocka_unit_test(test_concurrent_writers_lose_no_update)};
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
