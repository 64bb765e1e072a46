// Random secrets (one-time codes, keys) from libsodium's CSPRNG.
#pragma once

#include "secret.hpp"

#include <cstddef>

namespace sspr::daemon::crypto {

inline constexpr unsigned kMaxRandomDigits = 64;
inline constexpr std::size_t kMaxRandomBytes = 4096;

// `count` decimal digits, each drawn with randombytes_uniform(10), which has no modulo bias.
// Throws std::invalid_argument above kMaxRandomDigits.
Secret random_digits(unsigned count);

// `n` random bytes. Throws std::invalid_argument above kMaxRandomBytes.
Secret random_bytes(std::size_t n);

}  // namespace sspr::daemon::crypto
