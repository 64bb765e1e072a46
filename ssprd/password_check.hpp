// Checks a local user's current password against /etc/shadow (for step-up before changing
// security info). Read-only; the shadow backend that writes passwords comes with resets.
#pragma once

#include "secret.hpp"

#include <string>

namespace sspr::daemon {

// True only if `user` has a usable shadow hash and `password` matches it. A locked ("!") or
// empty hash never matches.
// `shadow_directory` holds the shadow file ([reset] shadow_directory; /etc normally).
bool verify_local_password(const std::string& shadow_directory, const std::string& user,
                           const Secret& password) noexcept;

}  // namespace sspr::daemon
