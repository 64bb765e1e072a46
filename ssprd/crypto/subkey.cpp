#include "crypto/subkey.hpp"

#include "crypto/scratch_buffer.hpp"
#include "crypto/sodium_init.hpp"

#include <sodium.h>
#include <stdexcept>

namespace sspr::daemon::crypto {

static_assert(crypto_kdf_KEYBYTES == 32 && crypto_kdf_CONTEXTBYTES == 8);

Secret derive_subkey(const Secret& master_key, KeyPurpose purpose) {
  if (master_key.size() != crypto_kdf_KEYBYTES) throw std::invalid_argument("master key must be 32 bytes");
  ensure_sodium();
  // Contexts are exactly crypto_kdf_CONTEXTBYTES characters; changing one changes every
  // stored sealed secret or digest, so they are fixed forever.
  const char* context = purpose == KeyPurpose::sealing ? "ssprseal" : "ssprdgst";
  ScratchBuffer subkey(32);
  const auto* master = reinterpret_cast<const unsigned char*>(master_key.c_str());
  crypto_kdf_derive_from_key(subkey.bytes(), 32, 1, context, master);
  subkey.set_size(32);
  return subkey.to_secret();
}

}  // namespace sspr::daemon::crypto
