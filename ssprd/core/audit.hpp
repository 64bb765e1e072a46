// Audit trail: one structured event per registration decision or change, to the journal (with
// a stable MESSAGE_ID per event type) and to a root-only JSON-lines file. Never a secret: only
// the event, the user, and fields the caller chose (method types, masked destinations, counts).
#pragma once

#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "handle.hpp"

namespace sspr::daemon {

enum class AuditEvent {
  method_registered,      // a method was added or replaced
  method_removed,
  registration_complete,  // the user now counts as registered
  registration_skipped,   // skipped at login within grace
  reconfirmed,            // the user confirmed the info is still right
  step_up_passed,
  step_up_failed,
  enrollment_failed,      // a confirmation code or TOTP code was wrong, expired, or tries ran out
  reset_started,
  reset_step_passed,
  reset_step_failed,
  reset_blocked,
  reset_done,
  reset_failed,
  change_done,
  change_failed,
  reset_unlocked,  // an administrator ended a user's reset block
  record_removed,  // the account had been gone for a week: its registration record went too
  attempts_suppressed,  // so many unauthenticated attempts from one origin: counted, not each recorded
};

const char* to_string(AuditEvent event) noexcept;
const char* message_id(AuditEvent event) noexcept;  // 32 hex digits, stable forever

using AuditField = std::pair<std::string_view, std::string>;

class AuditLog {
 public:
  // `path` empty: journal only. Otherwise the file is opened for appending (created 0600); its
  // directory is created 0700 if missing and must be root-owned and not writable by others.
  static std::unique_ptr<AuditLog> open(const std::string& path, std::string& problem);

  void record(AuditEvent event, std::string_view user, std::initializer_list<AuditField> fields = {}) noexcept;

 private:
  explicit AuditLog(UniqueFd file) : file_(std::move(file)) {}
  UniqueFd file_;
};

}  // namespace sspr::daemon
