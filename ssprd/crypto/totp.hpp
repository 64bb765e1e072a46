// TOTP (RFC 6238) through liboath: secrets, what authenticator apps are given, verification
// with a one-step window and replay protection.
#pragma once

#include "secret.hpp"

#include <cstddef>
#include <cstdint>
#include <ctime>
#include <optional>
#include <string_view>

namespace sspr::daemon::crypto {

enum class TotpAlgorithm { sha1, sha256, sha512 };

// The defaults are what every authenticator app supports; other values exist for the RFC
// vectors and for apps that can do more.
struct TotpParams {
  unsigned digits = 6;   // 6..8 (what liboath generates)
  unsigned period = 30;  // seconds, kMinTotpPeriod..kMaxTotpPeriod
  TotpAlgorithm algorithm = TotpAlgorithm::sha1;
};

inline constexpr unsigned kMinTotpPeriod = 15;
inline constexpr unsigned kMaxTotpPeriod = 300;
// RFC 4226 asks for at least 128 bits; 64 bytes is the SHA-512 block the RFC vectors use.
inline constexpr std::size_t kMinTotpSecret = 16;
inline constexpr std::size_t kMaxTotpSecret = 64;
inline constexpr std::size_t kNewTotpSecret = 20;  // 160 bits, RFC 4226's recommendation
inline constexpr std::size_t kMaxTotpIssuer = 64;
inline constexpr std::size_t kMaxTotpAccount = 128;

bool valid_totp_params(const TotpParams& params) noexcept;

// kNewTotpSecret random bytes.
Secret new_totp_secret();

// RFC 4648 base32, upper case, no padding: what authenticator apps accept for manual entry.
// Empty if the secret's size is outside kMinTotpSecret..kMaxTotpSecret.
Secret base32_secret(const Secret& secret);

// otpauth://totp/ISSUER:ACCOUNT?secret=...&issuer=ISSUER&algorithm=SHA1&digits=6&period=30,
// issuer and account percent-encoded (RFC 3986 unreserved characters kept). It contains the
// secret, hence a Secret. Empty if issuer or account is empty, too long (kMaxTotpIssuer,
// kMaxTotpAccount), not UTF-8, or contains ':' (the label separator) or control characters,
// or if the secret or params are invalid. The bounds keep the URI under the QR input bound.
Secret otpauth_uri(std::string_view issuer, std::string_view account, const Secret& secret, const TotpParams& params);

// The time step the code belongs to, or nullopt. Accepted: exactly params.digits ASCII digits
// that match the code of step-1, step or step+1 (one step of clock drift either way), where
// step = now / period, and only for a step later than last_used_step, so a code is never
// accepted twice and nothing older than an accepted code is accepted afterwards. If a code
// matches several eligible steps, the earliest is returned. The caller stores the result as
// the new last_used_step. Comparisons are constant time.
std::optional<std::uint64_t> verify_totp(const Secret& secret, std::string_view code, std::time_t now,
                                         const TotpParams& params, std::optional<std::uint64_t> last_used_step);

// The code at time `now` (for tests and diagnostics). Empty on invalid input.
Secret totp_code_at(const Secret& secret, std::time_t now, const TotpParams& params);

}  // namespace sspr::daemon::crypto
