// What the Manager object's handlers reach through their userdata.
#pragma once

#include "enrollment.hpp"
#include "handle.hpp"
#include "manager.hpp"

#include <map>
#include <string>

namespace sspr::daemon {

struct BusContext {
  Manager& manager;
  Enrollment* enrollment = nullptr;  // null only for --bus-introspect
  // Callers holding a step-up, watched so their grant dies with their connection.
  std::map<std::string, TrackPtr> tracked_callers;
};

}  // namespace sspr::daemon
