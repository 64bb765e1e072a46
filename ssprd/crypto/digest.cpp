#include "crypto/digest.hpp"

#include "crypto/sodium_init.hpp"

#include <new>
#include <sodium.h>
#include <stdexcept>

namespace sspr::daemon::crypto {
namespace {

constexpr std::size_t kDigestBytes = crypto_generichash_BYTES;  // 32: BLAKE2b-256
constexpr auto kOpsLimit = crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE;
constexpr auto kMemLimit = crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE;

static_assert(kMaxAnswerHash + 1 == crypto_pwhash_argon2id_STRBYTES);

void check_digest_inputs(const Secret& key, std::string_view domain) {
  if (key.size() != 32) throw std::invalid_argument("digest key must be 32 bytes");
  if (domain.empty() || domain.size() > kMaxDigestDomain || domain.find('\0') != std::string_view::npos)
    throw std::invalid_argument("bad digest domain");
}

// crypto_pwhash_* want a NUL-terminated string of bounded length.
bool plausible_hash(std::string_view hash) {
  return !hash.empty() && hash.size() <= kMaxAnswerHash && hash.find('\0') == std::string_view::npos;
}

}  // namespace

std::string keyed_digest(const Secret& key, std::string_view domain, const Secret& value) {
  check_digest_inputs(key, domain);
  ensure_sodium();
  crypto_generichash_state state;
  unsigned char digest[kDigestBytes];
  const unsigned char separator = 0;
  crypto_generichash_init(&state, reinterpret_cast<const unsigned char*>(key.c_str()), key.size(), sizeof digest);
  crypto_generichash_update(&state, reinterpret_cast<const unsigned char*>(domain.data()), domain.size());
  crypto_generichash_update(&state, &separator, 1);
  crypto_generichash_update(&state, reinterpret_cast<const unsigned char*>(value.c_str()), value.size());
  crypto_generichash_final(&state, digest, sizeof digest);
  secure_wipe(&state, sizeof state);  // holds key-derived material

  char hex[kDigestBytes * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  return std::string(hex, kDigestBytes * 2);
}

bool digest_matches(std::string_view expected_hex, const Secret& key, std::string_view domain, const Secret& value) {
  const std::string actual = keyed_digest(key, domain, value);
  return constant_time_equal(actual, expected_hex);
}

std::string hash_answer(const Secret& normalized) {
  ensure_sodium();
  char hash[crypto_pwhash_argon2id_STRBYTES] = {};
  // The only failure crypto_pwhash_str reports for valid limits is running out of memory.
  if (crypto_pwhash_argon2id_str(hash, normalized.c_str(), normalized.size(), kOpsLimit, kMemLimit) != 0)
    throw std::bad_alloc();
  return std::string(hash);
}

bool verify_answer(std::string_view hash, const Secret& normalized) {
  if (!plausible_hash(hash)) return false;
  ensure_sodium();
  const std::string terminated(hash);
  return crypto_pwhash_argon2id_str_verify(terminated.c_str(), normalized.c_str(), normalized.size()) == 0;
}

bool answer_hash_needs_rehash(std::string_view hash) {
  if (!plausible_hash(hash)) return true;
  ensure_sodium();
  const std::string terminated(hash);
  return crypto_pwhash_argon2id_str_needs_rehash(terminated.c_str(), kOpsLimit, kMemLimit) != 0;
}

}  // namespace sspr::daemon::crypto
