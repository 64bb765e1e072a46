// The Manager object on the bus: vtable and thin handlers (read arguments, establish the
// caller, call Manager, reply).
#pragma once

#include "manager.hpp"

#include <systemd/sd-bus.h>

namespace sspr::daemon {

extern const sd_bus_vtable kManagerVtable[];

// Registers the Manager object; `manager` must outlive the slot.
int add_manager_object(sd_bus* bus, Manager& manager, sd_bus_slot** slot) noexcept;

}  // namespace sspr::daemon
