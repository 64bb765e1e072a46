// ssprd's process skeleton: event loop, bus connection, name ownership, readiness, shutdown.
#pragma once

#include "config.hpp"

#include <string>

namespace sspr::daemon {

// Runs until SIGTERM/SIGINT or bus disconnect. Returns the process exit status.
int run_daemon(const Config& config);

// The introspection XML of the Manager object, produced from the real vtable without any
// bus daemon (a private socketpair connection). Empty on failure.
std::string introspect_manager();

}  // namespace sspr::daemon
