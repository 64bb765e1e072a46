#include "backend/shadow_file.hpp"

#include "backend/shadow_edit.hpp"
#include "backend/shadow_lock.hpp"
#include "backend/stale_files.hpp"
#include "handle.hpp"
#include "log.hpp"
#include "secret.hpp"
#include "text.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <new>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <vector>

namespace sspr::daemon::backend {
namespace {

// A shadow file with 100,000 entries is ~10 MiB; anything past this is not a shadow file.
constexpr off_t kMaxShadowSize = off_t{256} << 20;
constexpr std::size_t kTempRandomChars = 6;
constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

bool plain_name(const std::string& name) noexcept {
  return !name.empty() && name != "." && name != ".." && name.find('/') == std::string::npos;
}

bool is_temp_name(std::string_view name, const std::string& file) noexcept {
  const std::size_t prefix = file.size() + kTempInfix.size();
  if (name.size() != prefix + kTempRandomChars || name.substr(0, file.size()) != file ||
      name.substr(file.size(), kTempInfix.size()) != kTempInfix)
    return false;
  return name.substr(prefix).find_first_not_of(kAlphabet) == std::string_view::npos;
}

// Empty if the kernel gives no random bytes (it blocks until it can, so only on EINTR).
std::string temp_name(const std::string& file) {
  unsigned char random[kTempRandomChars];
  if (::getrandom(random, sizeof random, 0) != static_cast<ssize_t>(sizeof random)) return {};
  std::string name = file + std::string(kTempInfix);
  for (const unsigned char r : random) name += kAlphabet[r % kAlphabet.size()];
  return name;
}

struct WipeOnExit {
  std::string& text;
  ~WipeOnExit() { secure_wipe(text.data(), text.size()); }
};

// Removes the temp file unless it was renamed into place.
class TempFile {
 public:
  TempFile(int dir_fd, std::string name) noexcept : dir_fd_(dir_fd), name_(std::move(name)) {}
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  ~TempFile() {
    if (!name_.empty()) ::unlinkat(dir_fd_, name_.c_str(), 0);
  }
  const char* name() const noexcept { return name_.c_str(); }
  void committed() noexcept { name_.clear(); }

 private:
  int dir_fd_;
  std::string name_;
};

ErrorCode io_error(int negative_errno, const char* what, const std::string& name) {
  log_errno(LOG_ERR, negative_errno, "%s %s", what, escape_untrusted(name).c_str());
  return ErrorCode::BackendUnavailable;
}

Result<std::string> read_all(int fd, const std::string& name) {
  struct stat st {};
  if (::fstat(fd, &st) < 0) return io_error(-errno, "cannot stat", name);
  if (!S_ISREG(st.st_mode)) return io_error(-EINVAL, "not a regular file:", name);
  if (st.st_size > kMaxShadowSize) return io_error(-EFBIG, "refusing to rewrite", name);
  std::string text;
  text.reserve(static_cast<std::size_t>(st.st_size));
  char buffer[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return io_error(-errno, "cannot read", name);
    if (n == 0) return text;
    text.append(buffer, static_cast<std::size_t>(n));
    if (text.size() > static_cast<std::size_t>(kMaxShadowSize)) return io_error(-EFBIG, "refusing to rewrite", name);
  }
}

std::vector<char> get_xattr(int fd, const char* name) {
  for (;;) {
    const ssize_t size = ::fgetxattr(fd, name, nullptr, 0);
    if (size < 0) return {};
    std::vector<char> value(static_cast<std::size_t>(size));
    const ssize_t got = ::fgetxattr(fd, name, value.data(), value.size());
    if (got >= 0) {
      value.resize(static_cast<std::size_t>(got));
      return value;
    }
    if (errno != ERANGE) return {};  // ERANGE: it grew meanwhile, ask again
  }
}

// Extended attributes carry the SELinux label (security.selinux) and ACLs: a shadow file that
// loses its label makes logins fail under an enforcing policy. Writing security.selinux with
// fsetxattr is what libselinux's fsetfilecon does. If setting one fails but the new file
// already has the same value (a label inherited from the directory), that is fine.
bool copy_xattrs(int from, int to, const std::string& name) {
  ssize_t size = ::flistxattr(from, nullptr, 0);
  if (size < 0 && errno == ENOTSUP) return true;  // no xattrs on this file system
  std::vector<char> names;
  while (size > 0) {
    names.resize(static_cast<std::size_t>(size));
    size = ::flistxattr(from, names.data(), names.size());
    if (size >= 0) names.resize(static_cast<std::size_t>(size));
    if (size >= 0 || errno != ERANGE) break;
    size = ::flistxattr(from, nullptr, 0);
  }
  if (size < 0) {
    io_error(-errno, "cannot list extended attributes of", name);
    return false;
  }
  for (std::size_t pos = 0; pos < names.size();) {
    const char* attr = names.data() + pos;
    pos += std::strlen(attr) + 1;
    const auto value = get_xattr(from, attr);
    if (::fsetxattr(to, attr, value.data(), value.size(), 0) == 0) continue;
    const int error = errno;
    if (get_xattr(to, attr) == value) continue;
    log_errno(LOG_ERR, -error, "cannot copy extended attribute %s of %s", escape_untrusted(attr).c_str(),
              escape_untrusted(name).c_str());
    return false;
  }
  return true;
}

Result<Done> write_replacement(int dir_fd, const std::string& file, const struct stat& old, int old_fd,
                               std::string_view content, const FileOps& ops) {
  UniqueFd fd;
  std::string name;
  for (int tries = 0; tries < 100 && !fd; ++tries) {
    name = temp_name(file);
    if (name.empty()) continue;
    // 0600 until it has the original's owner and mode.
    fd.reset(::openat(dir_fd, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600));
    if (!fd && errno != EEXIST) break;
  }
  if (!fd) return io_error(name.empty() ? -EAGAIN : -errno, "cannot create a temp file beside", file);
  TempFile temp(dir_fd, name);

  if (::fchown(fd.get(), old.st_uid, old.st_gid) < 0) return io_error(-errno, "cannot set the owner of", name);
  if (!copy_xattrs(old_fd, fd.get(), file)) return ErrorCode::BackendUnavailable;
  // After the owner (chown may clear mode bits) and the ACL xattrs (which rewrite the mode).
  if (::fchmod(fd.get(), old.st_mode & 07777) < 0) return io_error(-errno, "cannot set the mode of", name);

  for (std::size_t done = 0; done < content.size();) {
    const ssize_t n = ops.write(fd.get(), content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return io_error(n < 0 ? -errno : -EIO, "cannot write", name);
    done += static_cast<std::size_t>(n);
  }
  if (ops.fsync(fd.get()) < 0) return io_error(-errno, "cannot fsync", name);
  if (::close(fd.release()) < 0) return io_error(-errno, "cannot close", name);
  if (ops.renameat(dir_fd, temp.name(), dir_fd, file.c_str()) < 0)
    return io_error(-errno, "cannot rename the new file over", file);
  temp.committed();
  // The rename is durable only once the directory is.
  if (ops.fsync_dir(dir_fd) < 0) {
    log_errno(LOG_ERR, -errno, "the new %s is in place but fsync of its directory failed: it may not survive a crash",
              escape_untrusted(file).c_str());
    return ErrorCode::BackendUnavailable;
  }
  return Done{};
}

Result<Done> set_password_hash_locked(int dir_fd, const ShadowPaths& paths, const std::string& user,
                                      const std::string& new_hash, std::int64_t today_days, const FileOps& ops) {
  remove_stale_files(dir_fd, [&](std::string_view name) { return is_temp_name(name, paths.file); });

  const UniqueFd old_fd(::openat(dir_fd, paths.file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY));
  if (!old_fd) return io_error(-errno, "cannot open", paths.file);
  struct stat old {};
  if (::fstat(old_fd.get(), &old) < 0) return io_error(-errno, "cannot stat", paths.file);
  auto content = read_all(old_fd.get(), paths.file);
  if (!content) return content.error();

  // Every user's hash passes through these buffers: wipe them rather than leave them in freed memory.
  const WipeOnExit wipe_old{*content};
  std::string problem;
  auto updated = replace_shadow_entry(*content, user, new_hash, today_days, problem);
  if (!updated) {
    log_error("cannot set the password of %s in %s: %s", user.c_str(), escape_untrusted(paths.file).c_str(),
              problem.c_str());
    return updated.error();
  }
  const WipeOnExit wipe_new{*updated};
  return write_replacement(dir_fd, paths.file, old, old_fd.get(), *updated, ops);
}

}  // namespace

Result<Done> set_password_hash(const ShadowPaths& paths, const std::string& user, const std::string& new_hash,
                               std::int64_t today_days, std::chrono::milliseconds lock_wait, const FileOps& ops) {
  try {
    std::string problem;
    if (const auto checked = check_entry_request(user, new_hash, today_days, problem); !checked) {
      log_error("refusing to set a password hash: %s", problem.c_str());
      return checked.error();
    }
    if (!plain_name(paths.file) || !plain_name(paths.lock_file) || !plain_name(paths.pwd_lock)) {
      log_error("shadow file and lock names must be plain file names");
      return ErrorCode::InvalidArgument;
    }
    const UniqueFd dir(::open(paths.dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dir) return io_error(-errno, "cannot open directory", paths.dir);

    const auto lock = ShadowLock::acquire(dir.get(), paths.pwd_lock, paths.lock_file, lock_wait);
    if (!lock) return lock.error();
    return set_password_hash_locked(dir.get(), paths, user, new_hash, today_days, ops);
  } catch (const std::bad_alloc&) {
    log_error("out of memory while setting a password hash");
    return ErrorCode::Internal;
  }
}

}  // namespace sspr::daemon::backend
