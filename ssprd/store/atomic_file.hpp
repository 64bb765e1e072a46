// Replace a file so that a crash at any moment leaves either the old or the new content:
// write a temp file beside it, fsync, rename over, fsync the directory.
#pragma once

#include <ctime>
#include <string>
#include <string_view>
#include <sys/types.h>

namespace sspr::daemon {

// `name` is a plain file name inside the directory `dir_fd`. The file ends up owned by us
// with `mode`. Returns 0 or a negative errno; on failure no temp file is left behind.
int write_file_atomically(int dir_fd, const std::string& name, std::string_view content, mode_t mode) noexcept;

// Removes the temporary files of writes a crash interrupted (".<name>.<16 hex digits>") from
// `dir_fd`, those last written before `started_before` (this process's start: a write begun
// since is alive). Safe beside running writers. Returns how many were removed.
int remove_interrupted_writes(int dir_fd, std::time_t started_before) noexcept;

}  // namespace sspr::daemon
