// Single-use recovery codes: printed once, stored only as keyed digests of their canonical form.
#pragma once

#include "secret.hpp"

#include <optional>
#include <string_view>
#include <vector>

namespace sspr::daemon::crypto {

// Crockford's base32 digits: no I, L, O or U, so nothing on paper is ambiguous.
inline constexpr std::string_view kRecoveryAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
inline constexpr unsigned kMaxRecoveryCodes = 32;
inline constexpr std::size_t kMaxRecoveryInput = 64;  // bytes a user may type

// `count` distinct codes (1..kMaxRecoveryCodes, else std::invalid_argument), each 10 random
// alphabet characters (50 bits) formatted XXXXX-XXXXX. This is also the canonical form.
std::vector<Secret> generate_recovery_codes(unsigned count = 10);

// What a user typed, in the canonical XXXXX-XXXXX form: upper-cased, spaces and dashes
// dropped, O read as 0 and I, L as 1 (Crockford's decoding rules). nullopt unless exactly 10
// alphabet characters remain (or the input exceeds kMaxRecoveryInput).
std::optional<Secret> canonical_recovery_code(std::string_view input);

}  // namespace sspr::daemon::crypto
