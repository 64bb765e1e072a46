// Both locks that guard the password files, taken the way the other writers take them, so no
// tool's change is silently reverted by ours (pam_unix takes only the first, shadow-utils both):
//
//  1. lckpwdf()'s lock: an fcntl write lock on the whole of <dir>/.pwd.lock. glibc's lckpwdf()
//     hard-codes /etc and waits in F_SETLKW under a 15 s alarm(); this is the same protocol on
//     an injected directory, as an open-file-description lock (F_OFD_SETLK), which conflicts
//     with glibc's classic record lock but, unlike it, is not dropped when some other
//     descriptor of the file in this process is closed, and excludes a second caller in the
//     same process too. It is polled with back-off rather than waited for under a signal.
//  2. shadow-utils' link lock (commonio do_lock_file): write "<pid>\0" to <lock>.<pid>,
//     fdatasync, link() it to <lock> (shadow.lock), and own the lock only if the pid file then
//     has two links. If <lock> exists and names a dead process (kill(pid, 0) fails with ESRCH),
//     or this process (a previous holder with our pid died: we hold lock 1, so nothing in this
//     process can hold lock 2), it is stale: unlink it and link again. Because every stale-lock
//     breaker (us, and shadow-utils, which also holds lckpwdf's lock) holds lock 1 first, two
//     breakers never race. A lock whose content is not a pid is left alone (shadow-utils does
//     the same), so it makes us wait and fail "busy" until an admin removes it.
//
// Order .pwd.lock then shadow.lock, as shadow-utils. One deadline bounds both waits; past it
// the answer is AuthtokLockBusy. The wait blocks the calling thread: ssprd must not run it on
// its event loop thread.
#pragma once

#include "handle.hpp"
#include "result.hpp"

#include <chrono>
#include <string>

namespace sspr::daemon::backend {

class ShadowLock {
 public:
  // `pwd_lock` and `lock_file` are names inside `dir_fd`. AuthtokLockBusy when the deadline
  // passes; BackendUnavailable when a lock file cannot be created or read. Leftover
  // "<lock_file>.<pid>" files of dead processes are removed once lock 1 is held.
  static Result<ShadowLock> acquire(int dir_fd, const std::string& pwd_lock, const std::string& lock_file,
                                    std::chrono::milliseconds wait);

  ShadowLock(ShadowLock&& other) noexcept = default;
  ShadowLock& operator=(ShadowLock&&) = delete;
  ShadowLock(const ShadowLock&) = delete;
  ShadowLock& operator=(const ShadowLock&) = delete;
  // Unlinks <lock_file>, then closes .pwd.lock (which drops the fcntl lock): reverse order.
  ~ShadowLock();

 private:
  ShadowLock(UniqueFd dir, UniqueFd pwd_lock_fd, std::string lock_file) noexcept;

  UniqueFd dir_;  // invalid once moved from
  UniqueFd pwd_lock_fd_;
  std::string lock_file_;
};

}  // namespace sspr::daemon::backend
