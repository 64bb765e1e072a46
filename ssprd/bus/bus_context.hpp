// What the Manager object's handlers reach through their userdata.
#pragma once

#include "bus_auth.hpp"
#include "registration.hpp"
#include "handle.hpp"
#include "manager.hpp"
#include "password_change.hpp"
#include "reset.hpp"
#include "reset_blocks.hpp"

#include <map>
#include <string>

namespace sspr::daemon {

struct BusContext {
  Manager& manager;
  Registration* registration = nullptr;  // null only for --bus-introspect
  ResetService* reset = nullptr;     // null only for --bus-introspect
  PasswordChange* change = nullptr;  // null only for --bus-introspect
  ResetBlocks* blocks = nullptr;     // null only for --bus-introspect
  // Callers holding a step-up or a reset session, watched so both die with their connection.
  std::map<std::string, TrackPtr> tracked_callers;
  // The uids of recent callers, asked of the bus once per connection (caller_first.hpp).
  CallerUids caller_uids;
};

// Starts watching the sender of `m` (once per unique name), so what it holds (a step-up, reset
// sessions) ends when it leaves the bus. False when it cannot be watched: it has already left.
bool track_caller(BusContext& ctx, sd_bus_message* m, const std::string& sender);

}  // namespace sspr::daemon
