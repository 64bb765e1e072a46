// The Manager object on the bus: its vtable and the status handler (read arguments, establish
// the caller, call the logic, reply). The registration handlers are in registration_bus.cpp.
#pragma once

#include "bus_context.hpp"

#include <systemd/sd-bus.h>

namespace sspr::daemon {

extern const sd_bus_vtable kManagerVtable[];

// Registers the Manager object; `context` must outlive the slot.
int add_manager_object(sd_bus* bus, BusContext& context, sd_bus_slot** slot) noexcept;

}  // namespace sspr::daemon
