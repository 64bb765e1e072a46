// Who is calling: taken only from the bus's own credentials for the sender.
#pragma once

#include <sys/types.h>
#include <systemd/sd-bus.h>

namespace sspr::daemon {

// The sender's effective uid as the bus daemon saw it when the sender connected. Credentials
// that sd-bus would have to "augment" from /proc (racy, spoofable through PID reuse) are refused.
// Returns 0 and sets *uid, or a negative errno (-EPERM when the uid is not trustworthy).
int query_caller_uid(sd_bus_message* message, uid_t* uid) noexcept;

}  // namespace sspr::daemon
