#include "crypto/sodium_init.hpp"

#include <sodium.h>
#include <stdexcept>

namespace sspr::daemon::crypto {

void ensure_sodium() {
  // A function-local static is initialised once even with concurrent callers.
  static const int rc = sodium_init();
  if (rc < 0) throw std::runtime_error("libsodium could not be initialised");
}

}  // namespace sspr::daemon::crypto
