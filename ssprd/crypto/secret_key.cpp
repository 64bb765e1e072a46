#include "crypto/secret_key.hpp"

#include "crypto/random.hpp"
#include "crypto/sodium_init.hpp"
#include "handle.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <optional>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

namespace sspr::daemon::crypto {
namespace {

// O_NOFOLLOW: a planted symlink must not redirect us. O_NONBLOCK: opening a FIFO planted under
// the name must not hang the daemon (it is then refused as not a regular file).
constexpr int kOpenFlags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;

// Where a key came from decides how an administrator fixes a bad one.
struct KeySource {
  std::string shown;  // what problem sentences call the file
  bool credential;
};

std::string how_to_fix(const KeySource& source) {
  if (source.credential)
    return "check the LoadCredential= or SetCredential= setting for sspr.key in ssprd.service; it must provide exactly "
           "the 32 bytes of the key";
  return "restore the key from a backup, or remove it to have a new one created (existing TOTP registrations and "
         "recovery codes then stop working)";
}

std::string open_problem(const KeySource& source, int error) {
  if (error == ELOOP) return source.shown + " is a symbolic link; " + how_to_fix(source);
  return source.shown + ": cannot open: " + std::strerror(error);
}

std::optional<Secret> read_key(int fd, const KeySource& source, std::string& problem) {
  struct stat st {};
  if (::fstat(fd, &st) < 0) {
    problem = source.shown + ": cannot stat: " + std::strerror(errno);
    return std::nullopt;
  }
  if (!S_ISREG(st.st_mode)) {
    problem = source.shown + " is not a regular file; " + how_to_fix(source);
    return std::nullopt;
  }
  if (st.st_uid != ::geteuid() || (st.st_mode & 077) != 0) {
    problem = source.shown +
              " must be owned by root with no access for group or others (chown root: and chmod 0600 it)";
    return std::nullopt;
  }
  if (st.st_size != static_cast<off_t>(kSecretKeySize)) {
    problem = source.shown + " is " + std::to_string(st.st_size) + " bytes long instead of 32; " + how_to_fix(source);
    return std::nullopt;
  }
  char bytes[kSecretKeySize];
  std::size_t done = 0;
  while (done < sizeof bytes) {
    const ssize_t n = ::read(fd, bytes + done, sizeof bytes - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      secure_wipe(bytes, sizeof bytes);
      problem = source.shown + ": cannot read: " + (n < 0 ? std::strerror(errno) : "the file shrank while being read");
      return std::nullopt;
    }
    done += static_cast<std::size_t>(n);
  }
  Secret key(std::string_view(bytes, sizeof bytes));
  secure_wipe(bytes, sizeof bytes);
  return key;
}

enum class Created { yes, lost_race, failed };

Created create_key(int dir_fd, std::optional<Secret>& key, std::string& problem) {
  ensure_sodium();
  // A random temp name: a leftover from a crash cannot block O_EXCL forever.
  std::uint64_t suffix = 0;
  randombytes_buf(&suffix, sizeof suffix);
  char temp[64];
  std::snprintf(temp, sizeof temp, ".%s.%016llx", kSecretKeyFile, static_cast<unsigned long long>(suffix));

  Secret fresh = random_bytes(kSecretKeySize);
  UniqueFd fd(::openat(dir_fd, temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!fd) {
    problem = std::string(kSecretKeyFile) + ": cannot create: " + std::strerror(errno);
    return Created::failed;
  }
  int error = 0;
  if (::fchmod(fd.get(), 0600) < 0) error = errno;  // exact mode whatever the umask
  std::size_t done = 0;
  while (error == 0 && done < fresh.size()) {
    const ssize_t n = ::write(fd.get(), fresh.c_str() + done, fresh.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) error = n < 0 ? errno : EIO;
    else done += static_cast<std::size_t>(n);
  }
  if (error == 0 && ::fsync(fd.get()) < 0) error = errno;
  if (::close(fd.release()) < 0 && error == 0) error = errno;
  // linkat, unlike renameat, fails with EEXIST instead of replacing a key that appeared meanwhile.
  if (error == 0 && ::linkat(dir_fd, temp, dir_fd, kSecretKeyFile, 0) < 0) error = errno;
  ::unlinkat(dir_fd, temp, 0);
  if (error == EEXIST) return Created::lost_race;
  if (error != 0) {
    problem = std::string(kSecretKeyFile) + ": cannot create: " + std::strerror(error);
    return Created::failed;
  }
  // The new name is durable only once the directory is; data sealed with a key that a crash
  // could take back would be lost.
  if (::fsync(dir_fd) < 0) {
    problem = std::string(kSecretKeyFile) + ": cannot sync the state directory after creating it: " +
              std::strerror(errno);
    return Created::failed;
  }
  key = std::move(fresh);
  return Created::yes;
}

// The key at `source`, from `fd` as open() left it (`open_errno` when it failed): the key, or
// Internal with the problem; nothing when there is no such file.
std::optional<Result<Secret>> key_at(const UniqueFd& fd, int open_errno, const KeySource& source,
                                     std::string& problem) {
  if (!fd) {
    if (open_errno == ENOENT) return std::nullopt;
    problem = open_problem(source, open_errno);
    return Result<Secret>(ErrorCode::Internal);
  }
  auto key = read_key(fd.get(), source, problem);
  if (!key) return Result<Secret>(ErrorCode::Internal);
  return Result<Secret>(std::move(*key));
}

}  // namespace

Result<Secret> load_or_create_key(int state_dir_fd, std::string& problem) {
  problem.clear();
  std::optional<Secret> key;

  const char* credentials = ::secure_getenv("CREDENTIALS_DIRECTORY");
  if (credentials != nullptr && *credentials != '\0') {
    const KeySource source{std::string(credentials) + "/" + kSecretKeyCredential, true};
    if (credentials[0] != '/') {
      problem =
          "CREDENTIALS_DIRECTORY is not an absolute path; ssprd must be started by systemd or with an absolute path";
      return ErrorCode::Internal;
    }
    const UniqueFd fd(::open(source.shown.c_str(), kOpenFlags));
    if (auto found = key_at(fd, errno, source, problem)) return std::move(*found);
  }

  const KeySource source{kSecretKeyFile, false};
  // Two rounds: if another process creates the key between our open and our link, read its key.
  for (int round = 0; round < 2; ++round) {
    const UniqueFd fd(::openat(state_dir_fd, kSecretKeyFile, kOpenFlags));
    if (auto found = key_at(fd, errno, source, problem)) return std::move(*found);
    switch (create_key(state_dir_fd, key, problem)) {
      case Created::yes: return std::move(*key);
      case Created::lost_race: continue;
      case Created::failed: return ErrorCode::Internal;
    }
  }
  problem = std::string(kSecretKeyFile) +
            " appears and disappears while ssprd reads it; stop whatever else writes the state directory and start "
            "ssprd again";
  return ErrorCode::Internal;
}

}  // namespace sspr::daemon::crypto
