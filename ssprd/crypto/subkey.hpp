// One master key (secret_key.hpp), one subkey per purpose: sealing and digests never use the
// same key bytes, so no interaction between the two algorithms has to be reasoned about. The
// daemon derives each subkey once and passes it to seal()/unseal() and keyed_digest().
#pragma once

#include "secret.hpp"

namespace sspr::daemon::crypto {

enum class KeyPurpose { sealing, digest };

// crypto_kdf_derive_from_key (BLAKE2b) of the 32-byte master key with a fixed context per
// purpose. Throws std::invalid_argument if the master key is not 32 bytes.
Secret derive_subkey(const Secret& master_key, KeyPurpose purpose);

}  // namespace sspr::daemon::crypto
