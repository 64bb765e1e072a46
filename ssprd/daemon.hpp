// ssprd's process skeleton: event loop, bus connection, name ownership, readiness, shutdown.
#pragma once

#include "config.hpp"

#include <string>
#include <string_view>

namespace sspr::daemon {

// Runs until SIGTERM/SIGINT or bus disconnect. Returns the process exit status.
int run_daemon(const Config& config);

// The introspection XML of an object serving `interface` (the Manager, or a reset Session),
// produced from the real vtable without any bus daemon (a private socketpair connection).
// Empty on failure or for an interface ssprd does not serve.
std::string introspect(std::string_view interface);

}  // namespace sspr::daemon
