// Bus handlers of the registration methods of io.sspr.reset1.Manager (the vtable is in
// manager_bus.cpp). Each: read and bound the arguments, establish the caller from the bus,
// resolve the target user (root: anyone; others: themselves), call Registration, reply.
#pragma once

#include <systemd/sd-bus.h>

namespace sspr::daemon {

int method_get_registration(sd_bus_message* m, void* userdata, sd_bus_error* error) noexcept;
int method_get_directory_contacts(sd_bus_message* m, void* userdata, sd_bus_error* error) noexcept;
int method_begin_totp(sd_bus_message* m, void* userdata, sd_bus_error* error) noexcept;
int method_confirm_totp(sd_bus_message* m, void* userdata, sd_bus_error* error) noexcept;
int method_begin_contact(sd_bus_message* m, void* userdata, sd_bus_error* error) noexcept;
int method_confirm_contact(sd_bus_message* m, void* userdata, sd_bus_error* error) noexcept;
int method_get_security_questions(sd_bus_message* m, void* userdata, sd_bus_error* error) noexcept;
int method_set_security_questions(sd_bus_message* m, void* userdata, sd_bus_error* error) noexcept;
int method_regenerate_recovery_codes(sd_bus_message* m, void* userdata, sd_bus_error* error) noexcept;
int method_remove_method(sd_bus_message* m, void* userdata, sd_bus_error* error) noexcept;
int method_skip_registration(sd_bus_message* m, void* userdata, sd_bus_error* error) noexcept;
int method_confirm_registration(sd_bus_message* m, void* userdata, sd_bus_error* error) noexcept;
int method_step_up(sd_bus_message* m, void* userdata, sd_bus_error* error) noexcept;

}  // namespace sspr::daemon
