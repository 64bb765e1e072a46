#include "crypto/totp.hpp"

#include "crypto/random.hpp"
#include "crypto/scratch_buffer.hpp"

#include <cstdlib>
#include <liboath/oath.h>
#include <limits>
#include <new>
#include <stdexcept>
#include <string>
#include <unistr.h>

namespace sspr::daemon::crypto {
namespace {

constexpr unsigned kMaxDigits = 8;
// "otpauth://totp/" issuer ":" account "?secret=" base32 "&issuer=" issuer, the names up to 3x
// when percent-encoded, plus 64 for "&algorithm=SHA512&digits=8&period=300" (37).
constexpr std::size_t kMaxUri = 15 + 3 * kMaxTotpIssuer + 1 + 3 * kMaxTotpAccount + 8 + (kMaxTotpSecret * 8 + 4) / 5 +
                                8 + 3 * kMaxTotpIssuer + 64;
static_assert(kMaxUri <= 1024, "an otpauth URI must fit the QR renderer's input bound");

void ensure_oath() {
  // oath_init is not reference-counted here: initialised once for the process, never undone.
  static const int rc = oath_init();
  if (rc != OATH_OK) throw std::runtime_error("liboath could not be initialised");
}

int oath_flags(TotpAlgorithm algorithm) noexcept {
  switch (algorithm) {
    case TotpAlgorithm::sha256: return OATH_TOTP_HMAC_SHA256;
    case TotpAlgorithm::sha512: return OATH_TOTP_HMAC_SHA512;
    case TotpAlgorithm::sha1: break;
  }
  return 0;
}

const char* algorithm_name(TotpAlgorithm algorithm) noexcept {
  switch (algorithm) {
    case TotpAlgorithm::sha256: return "SHA256";
    case TotpAlgorithm::sha512: return "SHA512";
    case TotpAlgorithm::sha1: break;
  }
  return "SHA1";
}

bool usable(const Secret& secret, const TotpParams& params) noexcept {
  return valid_totp_params(params) && secret.size() >= kMinTotpSecret && secret.size() <= kMaxTotpSecret;
}

// The code of one time step into `out` (capacity >= kMaxDigits). Preconditions: usable().
bool code_for_step(const Secret& secret, std::uint64_t step, const TotpParams& params, ScratchBuffer& out) {
  // step * period must be a time_t; steps that far out are never genuine.
  if (step > static_cast<std::uint64_t>(std::numeric_limits<std::time_t>::max()) / params.period) return false;
  char otp[kMaxDigits + 1] = {};
  const auto at = static_cast<std::time_t>(step * params.period);
  const int rc = oath_totp_generate2(secret.c_str(), secret.size(), at, params.period, OATH_TOTP_DEFAULT_START_TIME,
                                     params.digits, oath_flags(params.algorithm), otp);
  out.set_size(0);
  if (rc == OATH_OK) out.append(std::string_view(otp, params.digits));
  secure_wipe(otp, sizeof otp);
  return rc == OATH_OK;
}

bool all_digits(std::string_view s) noexcept {
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

bool acceptable_label_part(std::string_view s, std::size_t max) noexcept {
  if (s.empty() || s.size() > max) return false;
  if (u8_check(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()) != nullptr) return false;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == ':' || u < 0x20 || u == 0x7f) return false;
  }
  return true;
}

// RFC 3986: everything but the unreserved characters is percent-encoded, byte by byte.
void append_percent_encoded(ScratchBuffer& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    const bool unreserved = (u >= 'A' && u <= 'Z') || (u >= 'a' && u <= 'z') || (u >= '0' && u <= '9') || u == '-' ||
                            u == '.' || u == '_' || u == '~';
    if (unreserved) {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 0x0f]);
    }
  }
}

}  // namespace

bool valid_totp_params(const TotpParams& params) noexcept {
  return params.digits >= 6 && params.digits <= kMaxDigits && params.period >= kMinTotpPeriod &&
         params.period <= kMaxTotpPeriod &&
         (params.algorithm == TotpAlgorithm::sha1 || params.algorithm == TotpAlgorithm::sha256 ||
          params.algorithm == TotpAlgorithm::sha512);
}

Secret new_totp_secret() { return random_bytes(kNewTotpSecret); }

Secret base32_secret(const Secret& secret) {
  if (secret.size() < kMinTotpSecret || secret.size() > kMaxTotpSecret) return Secret();
  ensure_oath();
  char* encoded = nullptr;
  std::size_t length = 0;
  if (oath_base32_encode(secret.c_str(), secret.size(), &encoded, &length) != OATH_OK || encoded == nullptr)
    throw std::bad_alloc();  // the only way encoding valid input fails
  // Apps want no padding (Google's key URI format); '=' only ever trails.
  std::size_t unpadded = length;
  while (unpadded > 0 && encoded[unpadded - 1] == '=') --unpadded;
  Secret result(std::string_view(encoded, unpadded));
  secure_wipe(encoded, length);
  std::free(encoded);
  return result;
}

Secret otpauth_uri(std::string_view issuer, std::string_view account, const Secret& secret, const TotpParams& params) {
  if (!acceptable_label_part(issuer, kMaxTotpIssuer) || !acceptable_label_part(account, kMaxTotpAccount) ||
      !usable(secret, params))
    return Secret();
  const Secret base32 = base32_secret(secret);
  ScratchBuffer uri(kMaxUri);
  uri.append("otpauth://totp/");
  append_percent_encoded(uri, issuer);
  uri.push_back(':');
  append_percent_encoded(uri, account);
  uri.append("?secret=");
  uri.append(base32.reveal());
  uri.append("&issuer=");
  append_percent_encoded(uri, issuer);
  uri.append("&algorithm=");
  uri.append(algorithm_name(params.algorithm));
  uri.append("&digits=");
  uri.append(std::to_string(params.digits));
  uri.append("&period=");
  uri.append(std::to_string(params.period));
  return uri.to_secret();
}

std::optional<std::uint64_t> verify_totp(const Secret& secret, std::string_view code, std::time_t now,
                                         const TotpParams& params, std::optional<std::uint64_t> last_used_step) {
  if (!usable(secret, params) || now < 0) return std::nullopt;
  if (code.size() != params.digits || !all_digits(code)) return std::nullopt;
  ensure_oath();

  const std::uint64_t current = static_cast<std::uint64_t>(now) / params.period;
  const std::uint64_t first = current == 0 ? 0 : current - 1;
  std::optional<std::uint64_t> matched;
  ScratchBuffer expected(kMaxDigits);
  // Every candidate is computed and compared, so timing does not tell which step matched.
  for (std::uint64_t step = first; step <= current + 1; ++step) {
    if (!code_for_step(secret, step, params, expected)) continue;
    const bool equal = constant_time_equal(expected.view(), code);
    const bool fresh = !last_used_step.has_value() || step > *last_used_step;
    if (equal && fresh && !matched) matched = step;
  }
  return matched;
}

Secret totp_code_at(const Secret& secret, std::time_t now, const TotpParams& params) {
  if (!usable(secret, params) || now < 0) return Secret();
  ensure_oath();
  ScratchBuffer code(kMaxDigits);
  if (!code_for_step(secret, static_cast<std::uint64_t>(now) / params.period, params, code)) return Secret();
  return code.to_secret();
}

}  // namespace sspr::daemon::crypto
