// Reads the local shadow file: whether a user is a local account, and whether a password is
// theirs (a change, and step-up before changing security info). Read-only.
#pragma once

#include "secret.hpp"

#include <cstdint>
#include <string>

namespace sspr::daemon {

// True only if `user` has a usable shadow hash and `password` matches it. A locked ("!") or
// empty hash never matches.
// `shadow_directory` holds the shadow file ([reset] shadow_directory; /etc normally).
bool verify_local_password(const std::string& shadow_directory, const std::string& user,
                           const Secret& password) noexcept;

// True if the shadow file has a line for `user` (whatever its hash): a local account.
bool has_local_entry(const std::string& shadow_directory, const std::string& user) noexcept;

// The method and parameters of `user`'s current hash, without the hash itself ("$y$j9T$salt",
// "$6$rounds=N$salt"); empty when there is no line or no such part.
std::string local_hash_setting(const std::string& shadow_directory, const std::string& user) noexcept;

// Why `user`'s local account may not have its password reset, or "" when it may: locked or
// disabled (the hash starts with '!' or '*'), or expired (shadow field 8, on `today_days` or
// before). A reset must never undo an administrator's lock.
std::string local_reset_refusal(const std::string& shadow_directory, const std::string& user,
                                std::int64_t today_days) noexcept;

}  // namespace sspr::daemon
