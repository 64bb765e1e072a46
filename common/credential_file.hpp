// Files that hold a credential for ssprd (the SMTP password, the directory service account's
// password): a regular file owned by the user reading it (root) that nobody else may read,
// read at each use so a rotated credential needs no restart.
#pragma once

#include "secret.hpp"

#include <optional>
#include <string>

namespace sspr {

inline constexpr std::size_t kMaxCredentialBytes = 1024;

// The file's content without one trailing line break ("\n" or "\r\n"). nullopt, with
// `problem` saying what is wrong in words for an admin (without the path: the caller names the
// setting), when the file cannot be opened, is not a regular file, is not owned by us or is
// open to group or others, is empty, holds a NUL byte, or exceeds kMaxCredentialBytes. A
// symlink is refused (it could point the check at one file and the admin's intent at another).
std::optional<Secret> read_credential_file(const std::string& path, std::string& problem);

}  // namespace sspr
