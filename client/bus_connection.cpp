#include "bus_connection.hpp"

#include <cerrno>
#include <cstdlib>
#include <string_view>

namespace sspr::client {

int open_system_bus(std::uint64_t timeout_usec, BusPtr& out) noexcept {
  static constexpr const char* kDefaultSystemBus = "unix:path=/run/dbus/system_bus_socket";
  sd_bus* raw = nullptr;
  int r = sd_bus_new(&raw);
  if (r < 0) return r;
  BusPtr bus(raw);
  const char* address = secure_getenv("DBUS_SYSTEM_BUS_ADDRESS");
  if ((r = sd_bus_set_address(bus.get(), address && *address ? address : kDefaultSystemBus)) < 0) return r;
  if ((r = sd_bus_set_bus_client(bus.get(), 1)) < 0) return r;
  if ((r = sd_bus_set_trusted(bus.get(), 1)) < 0) return r;  // we only talk to the system bus
  // No method of ours passes file descriptors: one less step in the handshake of every login.
  if ((r = sd_bus_negotiate_fds(bus.get(), 0)) < 0) return r;
  if ((r = sd_bus_set_method_call_timeout(bus.get(), timeout_usec)) < 0) return r;
  if ((r = sd_bus_start(bus.get())) < 0) return r;
  out = std::move(bus);
  return 0;
}

ErrorCode error_code_of(const BusError& error, int r) noexcept {
  if (error.is_set()) {
    if (const ErrorInfo* info = error_by_bus_name(error.name())) return info->code;
    if (std::string_view(error.name()) == "org.freedesktop.DBus.Error.UnknownObject") return ErrorCode::NoSuchSession;
    // Activation failures (Spawn.*, systemd's UnitMasked, ...) and any other name the bus or
    // systemd may invent: ssprd is not there to answer.
    return ErrorCode::ServiceUnknown;
  }
  return r == -ETIMEDOUT ? ErrorCode::Timeout : ErrorCode::ServiceUnknown;
}

}  // namespace sspr::client
