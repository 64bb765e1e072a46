#include "crypto/recovery_codes.hpp"

#include "crypto/scratch_buffer.hpp"
#include "crypto/sodium_init.hpp"

#include <sodium.h>
#include <stdexcept>

namespace sspr::daemon::crypto {
namespace {

constexpr std::size_t kGroup = 5;
constexpr std::size_t kCharacters = 2 * kGroup;

constexpr std::uint32_t kAlphabetSize = 32;
static_assert(kRecoveryAlphabet.size() == kAlphabetSize);

// Writes the 10 characters as XXXXX-XXXXX.
void append_formatted(ScratchBuffer& out, std::string_view characters) {
  out.append(characters.substr(0, kGroup));
  out.push_back('-');
  out.append(characters.substr(kGroup));
}

}  // namespace

std::vector<Secret> generate_recovery_codes(unsigned count) {
  if (count == 0 || count > kMaxRecoveryCodes) throw std::invalid_argument("bad number of recovery codes");
  ensure_sodium();
  std::vector<Secret> codes;
  codes.reserve(count);
  while (codes.size() < count) {
    ScratchBuffer characters(kCharacters);
    for (std::size_t i = 0; i < kCharacters; ++i)
      characters.push_back(kRecoveryAlphabet[randombytes_uniform(kAlphabetSize)]);
    ScratchBuffer formatted(kCharacters + 1);
    append_formatted(formatted, characters.view());
    Secret code = formatted.to_secret();
    // A repeat (chance about 2^-44 per set) would make two printed codes one; draw again.
    bool repeated = false;
    for (const auto& other : codes) repeated = repeated || other.equals(code);
    if (!repeated) codes.push_back(std::move(code));
  }
  return codes;
}

std::optional<Secret> canonical_recovery_code(std::string_view input) {
  if (input.size() > kMaxRecoveryInput) return std::nullopt;
  ScratchBuffer characters(kCharacters);
  for (char c : input) {
    if (c == ' ' || c == '-') continue;
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (c == 'O') c = '0';
    if (c == 'I' || c == 'L') c = '1';
    if (kRecoveryAlphabet.find(c) == std::string_view::npos || characters.size() == kCharacters) return std::nullopt;
    characters.push_back(c);
  }
  if (characters.size() != kCharacters) return std::nullopt;
  ScratchBuffer formatted(kCharacters + 1);
  append_formatted(formatted, characters.view());
  return formatted.to_secret();
}

}  // namespace sspr::daemon::crypto
