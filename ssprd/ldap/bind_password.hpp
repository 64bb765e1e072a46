// The service account's password, read from a root-only file at every call, so a rotated
// password needs no restart and the password never sits in sspr.conf.
#pragma once

#include "secret.hpp"

#include <optional>
#include <string>

namespace sspr::ldap {

// read_credential_file() (common/credential_file.hpp), with the problem prefixed by
// "bind_password_file PATH: ".
std::optional<Secret> read_bind_password(const std::string& path, std::string& problem);

}  // namespace sspr::ldap
