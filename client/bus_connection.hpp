// Opening the system bus for pam_sspr and the sspr command: like sd_bus_open_system(), but
// with the method-call timeout set before the connection starts (so Hello is bounded too),
// and the address taken with secure_getenv() (a setuid caller's environment cannot redirect it).
#pragma once

#include "errors.hpp"
#include "handle.hpp"

#include <cstdint>

namespace sspr::client {

int open_system_bus(std::uint64_t timeout_usec, BusPtr& out) noexcept;

// What a failed call (negative `r`, `error` possibly set) means, in the error table's terms:
// a vanished object is NoSuchSession, no answer Timeout, and no connection or an error name that
// is not in the table (an activation failure, say) ServiceUnknown.
ErrorCode error_code_of(const BusError& error, int r) noexcept;

}  // namespace sspr::client
