#include "crypto/sealed.hpp"

#include "crypto/scratch_buffer.hpp"
#include "crypto/sodium_init.hpp"

#include <sodium.h>
#include <stdexcept>
#include <vector>

namespace sspr::daemon::crypto {
namespace {

constexpr std::size_t kOverhead = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES;
constexpr int kVariant = sodium_base64_VARIANT_ORIGINAL;

static_assert(kMaxSealedPlaintext == kMaxSealedSize / 4 * 3 - kOverhead);
static_assert(crypto_secretbox_KEYBYTES == 32);

const unsigned char* key_bytes(const Secret& key) { return reinterpret_cast<const unsigned char*>(key.c_str()); }

}  // namespace

std::string seal(const Secret& key, std::string_view plaintext) {
  if (key.size() != crypto_secretbox_KEYBYTES) throw std::invalid_argument("sealing key must be 32 bytes");
  if (plaintext.size() > kMaxSealedPlaintext) throw std::invalid_argument("plaintext too large to seal");
  ensure_sodium();

  // nonce || MAC || ciphertext; none of it is secret, so a plain buffer will do.
  std::vector<unsigned char> box(kOverhead + plaintext.size());
  unsigned char* const nonce = box.data();
  randombytes_buf(nonce, crypto_secretbox_NONCEBYTES);
  const auto* message = reinterpret_cast<const unsigned char*>(plaintext.data());
  crypto_secretbox_easy(nonce + crypto_secretbox_NONCEBYTES, message, plaintext.size(), nonce, key_bytes(key));

  std::string text(sodium_base64_ENCODED_LEN(box.size(), kVariant), '\0');
  sodium_bin2base64(text.data(), text.size(), box.data(), box.size(), kVariant);
  text.resize(text.size() - 1);  // the encoded length counts the terminating NUL
  return text;
}

std::optional<Secret> unseal(const Secret& key, std::string_view sealed) {
  if (key.size() != crypto_secretbox_KEYBYTES || sealed.size() > kMaxSealedSize) return std::nullopt;
  ensure_sodium();

  std::vector<unsigned char> box(sealed.size() / 4 * 3 + 3);
  std::size_t box_size = 0;
  const char* end = nullptr;
  const int rc =
      sodium_base642bin(box.data(), box.size(), sealed.data(), sealed.size(), nullptr, &box_size, &end, kVariant);
  // `end` short of the input: trailing bytes that are not base64.
  if (rc != 0 || end != sealed.data() + sealed.size() || box_size < kOverhead) return std::nullopt;

  ScratchBuffer plain(box_size - kOverhead);
  if (crypto_secretbox_open_easy(plain.bytes(), box.data() + crypto_secretbox_NONCEBYTES,
                                 box_size - crypto_secretbox_NONCEBYTES, box.data(), key_bytes(key)) != 0)
    return std::nullopt;
  plain.set_size(box_size - kOverhead);
  return plain.to_secret();
}

}  // namespace sspr::daemon::crypto
