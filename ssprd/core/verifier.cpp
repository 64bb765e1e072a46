#include "verifier.hpp"

#include "crypto/digest.hpp"
#include "crypto/recovery_codes.hpp"
#include "crypto/sealed.hpp"
#include "crypto/subkey.hpp"
#include "crypto/totp.hpp"

#include <algorithm>

namespace sspr::daemon {
namespace {

constexpr const char* kCodeDomain = "contact-confirmation";
constexpr const char* kRecoveryDomain = "recovery-code";
constexpr const char* kDecoyDomain = "decoy-profile";

}  // namespace

crypto::TotpParams totp_params(const TotpMethod& m) {
  crypto::TotpParams p;
  p.digits = m.digits;
  p.period = m.period;
  p.algorithm = m.algorithm == "SHA256"   ? crypto::TotpAlgorithm::sha256
                : m.algorithm == "SHA512" ? crypto::TotpAlgorithm::sha512
                                          : crypto::TotpAlgorithm::sha1;
  return p;
}

std::string Verifier::decoy_digest(std::string_view name) const {
  return crypto::keyed_digest(digest_key_, kDecoyDomain, Secret(name));
}

Verifier::Verifier(const Secret& master_key)
    : sealing_key_(crypto::derive_subkey(master_key, crypto::KeyPurpose::sealing)),
      digest_key_(crypto::derive_subkey(master_key, crypto::KeyPurpose::digest)) {}

std::optional<std::uint64_t> Verifier::totp_step(const TotpMethod& method, const Secret& code, std::int64_t now) const {
  const auto secret = crypto::unseal(sealing_key_, method.sealed_secret);
  if (!secret) return std::nullopt;
  return crypto::verify_totp(*secret, code.reveal(), static_cast<std::time_t>(now), totp_params(method), method.last_step);
}

bool Verifier::consume_recovery_code(RecoveryCodesMethod& method, const Secret& code) const {
  const auto canonical = crypto::canonical_recovery_code(code.reveal());
  if (!canonical) return false;
  auto& digests = method.digests;
  const auto it = std::find_if(digests.begin(), digests.end(), [&](const std::string& d) {
    return crypto::digest_matches(d, digest_key_, kRecoveryDomain, *canonical);
  });
  if (it == digests.end()) return false;
  digests.erase(it);
  return true;
}

std::string Verifier::recovery_code_digest(const Secret& canonical_code) const {
  return crypto::keyed_digest(digest_key_, kRecoveryDomain, canonical_code);
}

std::string Verifier::sent_code_digest(const Secret& code) const {
  return crypto::keyed_digest(digest_key_, kCodeDomain, code);
}

bool Verifier::sent_code_matches(const std::string& digest, const Secret& code) const {
  return crypto::digest_matches(digest, digest_key_, kCodeDomain, code);
}

}  // namespace sspr::daemon
