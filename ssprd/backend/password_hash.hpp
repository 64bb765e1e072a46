// New password hashes for /etc/shadow, and checks against existing ones, with libxcrypt.
#pragma once

#include "backend/login_defs.hpp"
#include "result.hpp"
#include "secret.hpp"

#include <cstddef>
#include <string>
#include <string_view>

namespace sspr::daemon::backend {

// libxcrypt's CRYPT_MAX_PASSPHRASE_SIZE (512) counts the terminating NUL, so 511 bytes is the
// longest passphrase crypt_rn accepts; bounding it also bounds the work a caller can ask for.
inline constexpr std::size_t kMaxPasswordBytes = 511;

// A fresh salt from libxcrypt's own entropy (crypt_gensalt_ra with no random bytes given),
// hashed with crypt_rn, then checked: it must have the policy's prefix, pass crypt_checksalt,
// and verify against the password, so a broken libcrypt never makes us write a hash nobody can
// log in with. InvalidArgument for an empty password, one over kMaxPasswordBytes or one with a
// NUL byte (C strings would silently truncate it); Internal if libxcrypt fails.
Result<std::string> hash_password(const Secret& password, const HashPolicy& policy);

// A shadow hash field an administrator set so that no password works: '!' in front (passwd -l,
// usermod -L, an account never given a password) or '*' (no password logins).
constexpr bool is_locked_hash(std::string_view hash) noexcept {
  return !hash.empty() && (hash.front() == '!' || hash.front() == '*');
}

// True only if `hash` is a usable hash (not empty, not locked with '!' or '*') and the password
// hashes to it. The comparison takes time that depends on the lengths only.
bool password_matches(const Secret& password, std::string_view hash) noexcept;

}  // namespace sspr::daemon::backend
