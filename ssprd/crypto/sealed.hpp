// Authenticated encryption of small secrets at rest (TOTP secrets in registration records)
// as base64(nonce || crypto_secretbox_easy(plaintext)), original base64 alphabet with padding.
// `key` is 32 bytes used for nothing else: the daemon derives it from its master key with
// derive_subkey(master, KeyPurpose::sealing) (subkey.hpp).
// XSalsa20-Poly1305 with a random 192-bit nonce: at that size random nonces never collide in
// practice, so no counter has to be kept on disk.
#pragma once

#include "secret.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace sspr::daemon::crypto {

// Bound on the sealed text; everything longer is refused unread.
inline constexpr std::size_t kMaxSealedSize = 4096;
// The largest plaintext whose sealed form fits kMaxSealedSize (base64 of 24 + 16 + n bytes).
inline constexpr std::size_t kMaxSealedPlaintext = kMaxSealedSize / 4 * 3 - 24 - 16;

// Throws std::invalid_argument if the key is not 32 bytes or the plaintext is longer than
// kMaxSealedPlaintext: both are programming errors, not data errors.
std::string seal(const Secret& key, std::string_view plaintext);

// nullopt on anything but an intact text sealed with this key: bad base64, wrong size,
// tampering, wrong key.
std::optional<Secret> unseal(const Secret& key, std::string_view sealed);

}  // namespace sspr::daemon::crypto
