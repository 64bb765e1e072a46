#include "backend/shadow_lock.hpp"

#include "backend/stale_files.hpp"
#include "log.hpp"
#include "text.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <optional>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

namespace sspr::daemon::backend {
namespace {

using Clock = std::chrono::steady_clock;

enum class Attempt { acquired, busy, failed };

// Pause between tries: 1 ms doubling to 64 ms, never past the deadline, so a waiting reset
// costs next to no CPU yet notices a released lock quickly.
class Backoff {
 public:
  explicit Backoff(Clock::time_point deadline) noexcept : deadline_(deadline) {}
  // False once the deadline has passed: give up.
  bool pause() {
    const auto now = Clock::now();
    if (now >= deadline_) return false;
    std::this_thread::sleep_for(std::min<Clock::duration>(step_, deadline_ - now));
    step_ = std::min(step_ * 2, std::chrono::milliseconds(64));
    return true;
  }

 private:
  Clock::time_point deadline_;
  std::chrono::milliseconds step_{1};
};

Attempt try_pwd_lock(int fd) noexcept {
  struct flock lock {};
  lock.l_type = F_WRLCK;
  lock.l_whence = SEEK_SET;  // l_start = l_len = 0: the whole file, as lckpwdf()
  if (::fcntl(fd, F_OFD_SETLK, &lock) == 0) return Attempt::acquired;
  if (errno == EAGAIN || errno == EACCES || errno == EINTR) return Attempt::busy;
  log_errno(LOG_ERR, -errno, "cannot lock the password files");
  return Attempt::failed;
}

// shadow-utils writes "<pid>\0"; a newline instead of the NUL is accepted too.
std::optional<pid_t> parse_lock_pid(std::string_view text) noexcept {
  text = text.substr(0, text.find('\0'));
  if (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  if (text.empty() || text.size() > 10) return std::nullopt;
  long pid = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    pid = pid * 10 + (c - '0');
  }
  if (pid <= 0 || pid > 0x7fffffff) return std::nullopt;
  return static_cast<pid_t>(pid);
}

// The pid file must have exactly the two links (itself and the lock) after link() succeeded;
// anything else means link() lied (old NFS) or someone else's file: treat as not ours.
bool link_count_ok(int dir_fd, const std::string& mine) noexcept {
  struct stat st {};
  return ::fstatat(dir_fd, mine.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && st.st_nlink == 2;
}

// One acquisition of the link lock. The pid file is written once and retried with link() until
// the deadline (shadow-utils rewrites it per try, once a second; we retry more often), and
// removed when done, whatever the outcome.
class LinkLocker {
 public:
  LinkLocker(int dir_fd, const std::string& lock)
      : dir_fd_(dir_fd), lock_(lock), mine_(lock + "." + std::to_string(self_)) {}
  LinkLocker(const LinkLocker&) = delete;
  LinkLocker& operator=(const LinkLocker&) = delete;
  ~LinkLocker() {
    if (written_) ::unlinkat(dir_fd_, mine_.c_str(), 0);
  }

  Attempt attempt() {
    if (!written_ && !(written_ = write_pid_file())) return Attempt::failed;
    return link_or_break_stale();
  }

 private:
  bool write_pid_file() {
    const UniqueFd fd(
        ::openat(dir_fd_, mine_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600));
    if (!fd) {
      log_errno(LOG_ERR, -errno, "cannot create lock file %s", escape_untrusted(mine_).c_str());
      return false;
    }
    const std::string text = std::to_string(self_) + '\0';
    const ssize_t n = ::write(fd.get(), text.data(), text.size());
    if (n != static_cast<ssize_t>(text.size()) || ::fdatasync(fd.get()) < 0) {
      log_errno(LOG_ERR, n < 0 ? -errno : -EIO, "cannot write lock file %s", escape_untrusted(mine_).c_str());
      ::unlinkat(dir_fd_, mine_.c_str(), 0);
      return false;
    }
    return true;
  }

  Attempt link_once() {
    if (::linkat(dir_fd_, mine_.c_str(), dir_fd_, lock_.c_str(), 0) == 0)
      return link_count_ok(dir_fd_, mine_) ? Attempt::acquired : Attempt::busy;
    if (errno == EEXIST) return Attempt::busy;
    log_errno(LOG_ERR, -errno, "cannot link %s", escape_untrusted(lock_).c_str());
    return Attempt::failed;
  }

  Attempt link_or_break_stale() {
    const Attempt first = link_once();
    if (first != Attempt::busy) return first;

    const UniqueFd fd(::openat(dir_fd_, lock_.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY));
    if (!fd) {
      if (errno == ENOENT) return Attempt::busy;  // released meanwhile: try again
      log_errno(LOG_ERR, -errno, "cannot read %s", escape_untrusted(lock_).c_str());
      return Attempt::failed;
    }
    char buffer[32];
    const ssize_t n = ::read(fd.get(), buffer, sizeof buffer - 1);
    const auto pid = n > 0 ? parse_lock_pid(std::string_view(buffer, static_cast<std::size_t>(n))) : std::nullopt;
    if (!pid) {
      if (!warned_invalid_) {
        log_warning("%s does not hold a process id; it blocks password changes until an administrator removes it",
                    escape_untrusted(lock_).c_str());
        warned_invalid_ = true;
      }
      return Attempt::busy;
    }
    if (*pid != self_ && (::kill(*pid, 0) == 0 || errno != ESRCH)) return Attempt::busy;

    // Stale. We hold lckpwdf's lock, as does every other stale-lock breaker, so nobody can
    // replace the lock between our read and this unlink.
    log_notice("removing stale %s of process %d", escape_untrusted(lock_).c_str(), static_cast<int>(*pid));
    if (::unlinkat(dir_fd_, lock_.c_str(), 0) < 0 && errno != ENOENT) {
      log_errno(LOG_ERR, -errno, "cannot remove stale %s", escape_untrusted(lock_).c_str());
      return Attempt::failed;
    }
    return link_once();
  }

  int dir_fd_;
  const pid_t self_ = ::getpid();
  std::string lock_;
  std::string mine_;
  bool written_ = false;
  bool warned_invalid_ = false;
};

// "<lock>.<pid>" of a dead process: a writer was killed between creating and removing it.
void remove_stale_pid_files(int dir_fd, const std::string& lock) {
  const std::string prefix = lock + ".";
  remove_stale_files(dir_fd, [&](std::string_view name) {
    return name.size() > prefix.size() && name.substr(0, prefix.size()) == prefix &&
           names_dead_process(name.substr(prefix.size()));
  });
}

}  // namespace

Result<ShadowLock> ShadowLock::acquire(int dir_fd, const std::string& pwd_lock, const std::string& lock_file,
                                       std::chrono::milliseconds wait) {
  const auto deadline = Clock::now() + std::max(wait, std::chrono::milliseconds(0));
  // Our own descriptor of the directory, so the lock can be released whatever the caller closes.
  UniqueFd own_dir(::fcntl(dir_fd, F_DUPFD_CLOEXEC, 3));
  if (!own_dir) {
    log_errno(LOG_ERR, -errno, "cannot duplicate a directory descriptor");
    return ErrorCode::BackendUnavailable;
  }

  // glibc's lckpwdf() opens it the same way (and leaves the file in place).
  UniqueFd pwd(::openat(dir_fd, pwd_lock.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600));
  if (!pwd) {
    log_errno(LOG_ERR, -errno, "cannot open %s", escape_untrusted(pwd_lock).c_str());
    return ErrorCode::BackendUnavailable;
  }
  Backoff backoff(deadline);
  for (;;) {
    const Attempt a = try_pwd_lock(pwd.get());
    if (a == Attempt::acquired) break;
    if (a == Attempt::failed) return ErrorCode::BackendUnavailable;
    if (!backoff.pause()) {
      log_warning("%s is locked by another program; giving up after %lld ms", escape_untrusted(pwd_lock).c_str(),
                  static_cast<long long>(wait.count()));
      return ErrorCode::AuthtokLockBusy;
    }
  }

  remove_stale_pid_files(dir_fd, lock_file);
  LinkLocker locker(dir_fd, lock_file);  // its pid file is gone when this function returns
  for (;;) {
    const Attempt a = locker.attempt();
    if (a == Attempt::acquired) return ShadowLock(std::move(own_dir), std::move(pwd), lock_file);
    if (a == Attempt::failed) return ErrorCode::BackendUnavailable;
    if (!backoff.pause()) {
      log_warning("%s is held by another program; giving up after %lld ms", escape_untrusted(lock_file).c_str(),
                  static_cast<long long>(wait.count()));
      return ErrorCode::AuthtokLockBusy;
    }
  }
}

ShadowLock::ShadowLock(UniqueFd dir, UniqueFd pwd_lock_fd, std::string lock_file) noexcept
    : dir_(std::move(dir)), pwd_lock_fd_(std::move(pwd_lock_fd)), lock_file_(std::move(lock_file)) {}

ShadowLock::~ShadowLock() {
  if (!dir_) return;  // moved from
  if (::unlinkat(dir_.get(), lock_file_.c_str(), 0) < 0)
    log_errno(LOG_ERR, -errno, "cannot remove %s", escape_untrusted(lock_file_).c_str());
  pwd_lock_fd_.reset();  // drops the fcntl lock
}

}  // namespace sspr::daemon::backend
