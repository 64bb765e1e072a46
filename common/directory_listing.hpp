// The names of the regular files in a directory reached through its descriptor (the state
// directory and its subdirectories are never reached by path).
#pragma once

#include <string>
#include <vector>

namespace sspr {

// Regular files (and entries whose type the file system does not say) in `dir_fd`, in
// directory order; empty if the directory cannot be read. `dir_fd`'s own offset is untouched.
std::vector<std::string> regular_files_in(int dir_fd);

}  // namespace sspr
