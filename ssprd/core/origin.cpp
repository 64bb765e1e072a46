#include "origin.hpp"

#include "throttle/throttle.hpp"

#include <sodium.h>

namespace sspr::daemon {

Origin Origin::local_user(uid_t uid) { return {"uid-" + std::to_string(uid)}; }

Origin Origin::login(std::string_view remote_host) {
  if (remote_host.empty()) return {"login-local"};
  const std::string plain = "host-" + std::string(remote_host);
  if (throttle::usable_origin_key(plain)) return {plain};
  unsigned char digest[8];
  crypto_generichash(digest, sizeof digest, reinterpret_cast<const unsigned char*>(remote_host.data()),
                     remote_host.size(), nullptr, 0);
  char hex[sizeof digest * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  return {std::string("host-") + hex};
}

Origin Origin::of_caller(uid_t uid, std::string_view remote_host) {
  return uid == 0 ? login(remote_host) : local_user(uid);
}

}  // namespace sspr::daemon
