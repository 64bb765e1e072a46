// Removing files a killed writer left behind in a directory (lock pid files, temp files). The
// callers decide what is stale and call this only while holding the lock that makes it so.
#pragma once


#include <functional>
#include <string_view>

namespace sspr::daemon::backend {

// Unlinks every regular file in `dir_fd` whose name `is_stale` accepts. Best effort: a file
// that cannot be removed is logged and left. Returns how many were removed.
int remove_stale_files(int dir_fd, const std::function<bool(std::string_view name)>& is_stale) noexcept;

// True when `text` is a decimal pid of a process that does not exist (kill(pid, 0) -> ESRCH).
bool names_dead_process(std::string_view text) noexcept;

}  // namespace sspr::daemon::backend
