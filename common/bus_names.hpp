// The one bus name, object path and interface set of sspr. The trailing "1" is the major
// API version: an incompatible change gets a new name, never a silent break.
#pragma once

namespace sspr::bus {

inline constexpr const char* kServiceName = "io.sspr.reset1";
inline constexpr const char* kManagerPath = "/io/sspr/reset1";
inline constexpr const char* kManagerInterface = "io.sspr.reset1.Manager";
// A reset session: /io/sspr/reset1/session/<id>, which exists only for the connection that
// started it (Manager.StartReset returns the path).
inline constexpr const char* kSessionPathPrefix = "/io/sspr/reset1/session";
inline constexpr const char* kSessionInterface = "io.sspr.reset1.Session";
// The unit D-Bus activation starts (systemd/io.sspr.reset1.service.in); pam_sspr reads its
// state when ssprd is not running, to step aside at once when it cannot start.
inline constexpr const char* kUnitName = "ssprd.service";

}  // namespace sspr::bus
