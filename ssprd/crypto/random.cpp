#include "crypto/random.hpp"

#include "crypto/scratch_buffer.hpp"
#include "crypto/sodium_init.hpp"

#include <sodium.h>
#include <stdexcept>

namespace sspr::daemon::crypto {

Secret random_digits(unsigned count) {
  if (count > kMaxRandomDigits) throw std::invalid_argument("too many random digits requested");
  ensure_sodium();
  ScratchBuffer digits(count);
  for (unsigned i = 0; i < count; ++i) digits.push_back(static_cast<char>('0' + randombytes_uniform(10)));
  return digits.to_secret();
}

Secret random_bytes(std::size_t n) {
  if (n > kMaxRandomBytes) throw std::invalid_argument("too many random bytes requested");
  ensure_sodium();
  ScratchBuffer bytes(n);
  randombytes_buf(bytes.data(), n);
  bytes.set_size(n);
  return bytes.to_secret();
}

}  // namespace sspr::daemon::crypto
