// The service account's password, read from a root-only file at every call, so a rotated
// password needs no restart and the password never sits in sspr.conf.
#pragma once

#include "secret.hpp"

#include <optional>
#include <string>

namespace sspr::ldap {

inline constexpr std::size_t kMaxBindPasswordBytes = 1024;

// The file's content without one trailing "\n" (or "\r\n"). nullopt, with `problem` saying
// exactly what to fix, if it is not a regular file, is a symlink, is not owned by root (the
// user ssprd runs as: geteuid()), has any group or other permission bit, is empty, holds a
// NUL or is larger than kMaxBindPasswordBytes.
std::optional<Secret> read_bind_password(const std::string& path, std::string& problem);

}  // namespace sspr::ldap
