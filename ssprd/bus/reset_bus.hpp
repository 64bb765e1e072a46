// Bus glue of password reset: Manager.StartReset, and the Session objects under
// /io/sspr/reset1/session/<id>, which exist only for the connection that started them.
#pragma once

#include "bus_context.hpp"
#include "bus_names.hpp"

#include <systemd/sd-bus.h>

namespace sspr::daemon {

int method_start_reset(sd_bus_message* m, void* userdata, sd_bus_error* error) noexcept;
int method_change_password(sd_bus_message* m, void* userdata, sd_bus_error* error) noexcept;
int method_unlock_reset(sd_bus_message* m, void* userdata, sd_bus_error* error) noexcept;

extern const sd_bus_vtable kSessionVtable[];
// Registers the session fallback vtable; `context` must outlive the slot.
int add_session_objects(sd_bus* bus, BusContext& context, sd_bus_slot** slot) noexcept;

}  // namespace sspr::daemon
