// The daemon's root-only 32-byte master key. Through per-purpose subkeys (subkey.hpp) it seals
// TOTP secrets and keys the digests of recovery and one-time codes, so losing or replacing it
// makes every stored TOTP secret and recovery code unusable: it is created once, never replaced.
#pragma once

#include "result.hpp"
#include "secret.hpp"

#include <cstddef>
#include <string>

namespace sspr::daemon::crypto {

inline constexpr std::size_t kSecretKeySize = 32;
inline constexpr const char* kSecretKeyFile = "secret.key";     // in the state directory
inline constexpr const char* kSecretKeyCredential = "sspr.key";  // systemd credential name

// If $CREDENTIALS_DIRECTORY/sspr.key exists (LoadCredential= and friends), uses it. Otherwise
// reads secret.key in the state directory, creating it if absent: random bytes written to a
// temp file (O_EXCL, 0600) in the same directory, fsynced, then hard-linked into place so a
// key another process created first is never replaced, then the directory fsynced.
// Either file must be a regular file (not a symlink) owned by our euid, with no group or
// other permission bits, and exactly 32 bytes long.
// On any problem: ErrorCode::Internal, and `problem` says what is wrong and how to fix it.
Result<Secret> load_or_create_key(int state_dir_fd, std::string& problem);

}  // namespace sspr::daemon::crypto
