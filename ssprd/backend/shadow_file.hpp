// Setting one user's password hash in /etc/shadow the safe way: both password-file locks, the
// file re-read under them, one line changed and every other byte kept, written to a temp file
// with the original's owner, group, mode and extended attributes (which include the SELinux
// label), fsync, rename over, fsync of the directory — and only then success.
#pragma once

#include "result.hpp"

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <unistd.h>

namespace sspr::daemon::backend {

using sspr::Done;  // the shared one from result.hpp

// Everything is opened relative to `dir`, so tests point it at a temp directory.
struct ShadowPaths {
  std::string dir = "/etc";
  std::string file = "shadow";
  std::string lock_file = "shadow.lock";  // shadow-utils' link lock
  std::string pwd_lock = ".pwd.lock";     // lckpwdf()'s fcntl lock
};

// The I/O steps whose failure must leave the old file in place; tests replace them to fail.
struct FileOps {
  ssize_t (*write)(int fd, const void* data, size_t size) = [](int fd, const void* data, size_t size) {
    return ::write(fd, data, size);
  };
  int (*fsync)(int fd) = [](int fd) { return ::fsync(fd); };
  int (*renameat)(int old_dir, const char* old_name, int new_dir,
                  const char* new_name) = [](int old_dir, const char* old_name, int new_dir, const char* new_name) {
    return ::renameat(old_dir, old_name, new_dir, new_name);
  };
  int (*fsync_dir)(int fd) = [](int fd) { return ::fsync(fd); };
};

// The temp file is "<file>.sspr" + 6 random letters/digits. Such files, and lock pid files of
// dead processes, are leftovers of a writer that was killed; the next call removes them once it
// holds both locks (only a lock holder creates them, so none can be in use then).
inline constexpr std::string_view kTempInfix = ".sspr";

// Sets field 2 (hash) and field 3 (sp_lstchg = today_days, days since 1970-01-01) of `user`'s
// entry. Blocks up to `lock_wait` for the locks: do not call it on the event loop thread.
// Errors (nothing is changed unless the rename happened; see below):
//   InvalidUserName, InvalidArgument  the request (see check_entry_request), before locking
//   AuthtokLockBusy                   a lock stayed held for lock_wait
//   NoSuchUser                        no entry for the user
//   Internal                          the user has two entries, or a malformed one
//   BackendUnavailable                any I/O error; the temp file is removed
// If only the final directory fsync fails, the new file is already in place (readers and
// logins see the new hash) but may not survive a power cut; the answer is still
// BackendUnavailable, because success promises durability. The locks are released on every
// path.
Result<Done> set_password_hash(const ShadowPaths& paths, const std::string& user, const std::string& new_hash,
                               std::int64_t today_days, std::chrono::milliseconds lock_wait,
                               const FileOps& ops = FileOps{});

}  // namespace sspr::daemon::backend
