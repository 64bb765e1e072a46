// Helpers shared by the bus glue files: errors from the table, and the guard that keeps
// exceptions from crossing into sd-bus.
#pragma once

#include "errors.hpp"
#include "log.hpp"

#include <cerrno>
#include <new>
#include <systemd/sd-bus.h>

namespace sspr::daemon {

// Fills `error` from the table row of `code`; returns the negative errno sd-bus expects.
inline int set_bus_error(sd_bus_error* error, ErrorCode code) noexcept {
  const auto& info = error_info(code);
  return sd_bus_error_set(error, info.bus_name.data(), info.message.data());
}

// Runs a bus handler body; any escaping exception becomes an error reply, never a crash.
template <class Body>
int guard_bus_call(const char* what, sd_bus_error* error, Body&& body) noexcept {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    log_error("%s: out of memory", what);
    return -ENOMEM;
  } catch (const std::exception& e) {
    log_error("%s failed: %s", what, e.what());
    return set_bus_error(error, ErrorCode::Internal);
  } catch (...) {
    log_error("%s failed with an unknown exception", what);
    return set_bus_error(error, ErrorCode::Internal);
  }
}

}  // namespace sspr::daemon
