// libsodium must be initialised before use (it picks implementations and opens the RNG).
#pragma once

namespace sspr::daemon::crypto {

// Calls sodium_init() once per process; later calls are free. Throws std::runtime_error if
// libsodium cannot start (no usable random source), which nothing here can work around.
void ensure_sodium();

}  // namespace sspr::daemon::crypto
