// Test-side process helpers: start a program with an explicit environment and wait for its
// sd_notify("READY=1") on a private NOTIFY_SOCKET, so no test ever sleeps to synchronise.
#pragma once

#include <string>
#include <sys/types.h>
#include <vector>

namespace sspr::test {

struct Spawned {
  pid_t pid = -1;
  std::string error;  // empty on success
};

// Starts argv[0] with exactly `env`, stdout/stderr appended to `log_path` (if not empty),
// and waits up to `timeout_ms` for READY=1 on a notify socket in `runtime_dir`. If the
// program exits first, reports its exit status and the tail of the log. With `die_with_parent`
// the program gets SIGTERM when the calling process dies (a crashed test leaves nothing behind).
Spawned spawn_and_wait_ready(const std::vector<std::string>& argv, std::vector<std::string> env,
                             const std::string& runtime_dir, const std::string& log_path, int timeout_ms,
                             bool die_with_parent = true);

// Starts dbus-daemon with `config_file` and exactly `env` (its messages go to
// `config_file`.log); returns once it listens.
// `address` gets its address.
Spawned spawn_dbus_daemon(const std::string& dbus_daemon, const std::string& config_file, std::vector<std::string> env,
                          std::string& address);

// SIGTERM, then waits; returns the exit status (or 128+signal).
int terminate_and_wait(pid_t pid);

// Runs argv (no shell) and returns its stdout without the trailing newline; "" on failure.
std::string capture_output(const std::vector<std::string>& argv);

std::string read_file(const std::string& path);
void write_file(const std::string& path, const std::string& content, mode_t mode);

}  // namespace sspr::test
