// The one bus name, object path and interface set of sspr. The trailing "1" is the major
// API version: an incompatible change gets a new name, never a silent break.
#pragma once

namespace sspr::bus {

inline constexpr const char* kServiceName = "io.sspr.reset1";
inline constexpr const char* kManagerPath = "/io/sspr/reset1";
inline constexpr const char* kManagerInterface = "io.sspr.reset1.Manager";
inline constexpr const char* kErrorPrefix = "io.sspr.reset1.Error.";

}  // namespace sspr::bus
