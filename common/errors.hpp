// The single error table: D-Bus error name <-> errno <-> PAM code <-> user message.
// ssprd replies with these names; pam_sspr.so maps a received name back to a PAM code and the
// text the user sees. Nothing else in the project invents an error name or a user message.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace sspr {

enum class ErrorCode : std::uint8_t {
  // sspr's own errors (io.sspr.reset1.Error.*)
  NoSuchUser,
  InvalidUserName,
  InvalidArgument,
  RegistrationRequired,
  InteractionRequired,
  CorruptRecord,
  NotPermitted,
  NotEnrolled,
  BadCode,
  ChallengeExpired,
  TooManyAttempts,
  RateLimited,
  LowPasswordQuality,
  PasswordReused,
  AuthtokLockBusy,
  BackendUnavailable,
  DeliveryFailed,
  NoSuchSession,
  TooManySessions,
  StepUpRequired,
  StepUpBlocked,
  ChangeBlocked,
  RecordChanged,
  MethodNotOffered,
  InvalidAddress,
  InvalidAnswers,
  Internal,
  PasswordTooYoung,
  AccountLocked,
  PasswordExpired,
  // errors the bus itself produces (org.freedesktop.DBus.Error.*)
  AccessDenied,
  ServiceUnknown,
  NameHasNoOwner,
  NoReply,
  Timeout,
  Disconnected,
};

enum class ErrorOrigin : std::uint8_t { sspr, bus };

// What an error means for a conversation (pam_sspr's and the sspr command's flows).
enum class Consequence : std::uint8_t {
  retry,    // the user may try again or choose otherwise (a wrong code, a refused address)
  refusal,  // this attempt ends: the user is told why and refused (a block, an ended session)
  failure,  // ssprd or what it depends on failed: a service error, logged as one
};

struct ErrorInfo {
  ErrorCode code;
  ErrorOrigin origin;
  std::string_view bus_name;  // full D-Bus error name
  int errno_value;            // positive errno; the sd-bus errno map for sspr's own names
  int pam_code;               // what the PAM module returns by default
  bool service_unavailable;   // the daemon could not be reached at all
  std::string_view message;   // what a user (or admin reading a log) is told
  Consequence consequence;
  // The reply's own message is the text for the user (a block says for how long, a refused
  // password why): shown escaped instead of `message`.
  bool user_text;
  // A new password was refused for a reason another password can fix (quality, history): the
  // user may try again in the same reset or change.
  bool another_password_may_pass;
};

// Every row, in ErrorCode order.
std::span<const ErrorInfo> error_table() noexcept;

const ErrorInfo& error_info(ErrorCode code) noexcept;
// nullptr when the name is not in the table.
const ErrorInfo* error_by_bus_name(std::string_view name) noexcept;

}  // namespace sspr
