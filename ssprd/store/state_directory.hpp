// The root-only state directory. Opened once at start; everything below it is reached with
// *at() calls relative to this descriptor, never through a path a user could redirect.
#pragma once

#include "handle.hpp"

#include <string>

namespace sspr::daemon {

// Creates `path` (mode 0700) if missing, then opens it and checks that it is a directory
// owned by us with no group/other access. Returns the descriptor, or an invalid one with
// `problem` set to a sentence saying what is wrong and how to fix it.
UniqueFd open_state_directory(const std::string& path, std::string& problem);

// Opens (creating if needed, mode 0700) the subdirectory `name` of `parent`, with the same checks.
UniqueFd open_private_subdirectory(int parent_fd, const char* name, std::string& problem);

}  // namespace sspr::daemon
