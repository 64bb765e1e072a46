// What BeginTotp returns (signature "sss"), on both sides of the bus: an authenticator-app
// secret offered for registration. All three carry the secret: they go back once, to the
// registering user, are shown once, never logged, and wiped when dropped.
#pragma once

#include "secret.hpp"

namespace sspr {

struct TotpOffer {
  Secret secret_base32;
  Secret otpauth_uri;
  Secret qr_text;
};

}  // namespace sspr
