// Checks a proof against a registered method: a TOTP code (never the same time step twice), a
// recovery code (spent when used), a code that was sent. Shared by step-up before changes and
// by password reset, so both accept and spend proofs the same way. Holds the two subkeys.
#pragma once

#include "crypto/totp.hpp"
#include "record.hpp"
#include "secret.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace sspr::daemon {

// The crypto parameters of a stored authenticator-app registration.
crypto::TotpParams totp_params(const TotpMethod& method);

class Verifier {
 public:
  explicit Verifier(const Secret& master_key);

  // The matched time step, if `code` is right for step-1..step+1 and later than the last one used.
  std::optional<std::uint64_t> totp_step(const TotpMethod& method, const Secret& code, std::int64_t now) const;
  // True and the code removed from `method` if it is one of the unused codes.
  bool consume_recovery_code(RecoveryCodesMethod& method, const Secret& code) const;
  std::string recovery_code_digest(const Secret& canonical_code) const;
  // Sent codes are kept only as keyed digests.
  std::string sent_code_digest(const Secret& code) const;
  bool sent_code_matches(const std::string& digest, const Secret& code) const;
  // 64 hex digits that only this host's key gives for `name`: what a decoy shows for it.
  std::string decoy_digest(std::string_view name) const;

  const Secret& sealing_key() const noexcept { return sealing_key_; }

 private:
  Secret sealing_key_;
  Secret digest_key_;
};

}  // namespace sspr::daemon
