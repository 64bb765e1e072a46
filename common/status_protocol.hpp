// The status socket: the login's one question — must this user register now? — asked of ssprd
// on a Unix socket of its own instead of the system bus, as systemd-userdbd answers NSS over
// varlink rather than D-Bus: one request, one reply, no broker in between, the caller's uid from
// the socket (SO_PEERCRED). It is root's only (mode 0600 in a root-only directory); every
// other call, and this one when the socket cannot be used, goes over the system bus.
// Wire format, varlink's: one JSON object ended by a NUL byte each way. The error names are the
// error table's (errors.hpp), as on the bus.
//   -> {"method":"io.sspr.Status.GetRegistrationStatus","parameters":{"user":"alice"}}\0
//   <- {"parameters":{"user":"alice","registered":true,...}}\0
//   <- {"error":"io.sspr.reset1.Error.NoSuchUser","parameters":{}}\0
#pragma once

#include "errors.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sspr::status {

inline constexpr const char* kDefaultSocketPath = "/run/sspr/io.sspr.Status";
inline constexpr std::string_view kMethod = "io.sspr.Status.GetRegistrationStatus";
// The longest message either way, its NUL included; a longer one is refused unread.
inline constexpr std::size_t kMaxMessage = 4096;

// What GetRegistrationStatus answers (the fields of the bus method's reply; client::Status).
struct Answer {
  std::string user;
  bool registered = false;
  bool must_register = false;
  std::string reason;
  bool reconfirm_due = false;
  bool can_skip = false;
  std::uint32_t skips_left = 0;
  std::uint64_t skip_deadline_usec = 0;
  bool action_needed() const noexcept { return must_register && (!registered || reconfirm_due); }
};

// A reply as read: the answer, or the error row it names (nullptr with `error_name` set: not
// an error of the table).
struct Reply {
  std::optional<Answer> answer;
  const ErrorInfo* error = nullptr;
  std::string error_name;
};

// Messages as sent, the NUL included.
std::string request(std::string_view user);
std::string reply(const Answer& answer);
std::string error_reply(ErrorCode code);

// Messages as received, without their NUL. nullopt: not a message of this protocol (not JSON,
// another method, a field missing or of the wrong type, too long); a request's user is only
// bounded here (kMaxUserNameLength), the daemon judges it as any other.
std::optional<std::string> parse_request(std::string_view message);
std::optional<Reply> parse_reply(std::string_view message);

}  // namespace sspr::status
