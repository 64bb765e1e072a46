// The state of one password reset: which calls are allowed in which state (a closed table, as
// OpenSSH's monitor does it), which methods were proven, how long it lives, and that the new
// password is set at most once. Pure logic: the bus object (owned by the creator's unique bus
// name) and the verification of each method sit around it.
#pragma once

#include "record.hpp"
#include "result.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace sspr::daemon {

enum class SessionState {
  proving,    // methods are being proven
  verified,   // enough methods proven: the new password may be set, once
  writing,    // the new password is being written; a directory may still refuse it
  completed,  // the password was set
  failed,     // too many failures, a failed write, or cancelled
};

enum class SessionCall { send_code, verify, set_password, cancel };

// The closed table: is `call` allowed in `state`? Everything not listed is refused.
constexpr bool call_permitted(SessionState state, SessionCall call) noexcept {
  switch (state) {
    case SessionState::proving:
      return call == SessionCall::send_code || call == SessionCall::verify || call == SessionCall::cancel;
    case SessionState::verified:
      return call == SessionCall::set_password || call == SessionCall::cancel;
    case SessionState::writing:
    case SessionState::completed:
    case SessionState::failed:
      return false;
  }
  return false;
}

inline constexpr std::int64_t kSessionLifetime = 15 * 60;

class ResetSession {
 public:
  // `usable`: the user's methods that may prove identity now (registered, past cooling-off,
  // not disabled); `required`: how many distinct methods must be proven (1 or 2).
  ResetSession(std::string user, std::vector<MethodType> usable, unsigned required, std::int64_t now);

  const std::string& user() const noexcept { return user_; }
  SessionState state() const noexcept { return state_; }
  std::int64_t expires() const noexcept { return expires_; }
  const std::vector<MethodType>& usable() const noexcept { return usable_; }
  const std::vector<MethodType>& proven() const noexcept { return proven_; }
  unsigned required() const noexcept { return required_; }

  // Refuses (without changing anything) a call the table does not allow now, a method the
  // session does not offer, or any call after expiry (NoSuchSession).
  Result<Done> admit(SessionCall call, std::int64_t now) const;
  Result<Done> admit_method(SessionCall call, MethodType method, std::int64_t now) const;

  // A method was proven; moves to `verified` when enough distinct methods are.
  void method_proven(MethodType method);
  // SetPassword was accepted: nothing but waiting until the write ends.
  void begin_write() noexcept { if (state_ == SessionState::verified) state_ = SessionState::writing; }
  // The directory refused the new password for a reason the user can fix (too short, in
  // history): another password may be tried in the same session.
  void write_refused() noexcept { if (state_ == SessionState::writing) state_ = SessionState::verified; }
  // After the password was set (or could not be): the session can do nothing more.
  void finish(bool succeeded) noexcept { state_ = succeeded ? SessionState::completed : SessionState::failed; }
  void cancel() noexcept { state_ = SessionState::failed; }

 private:
  std::string user_;
  std::vector<MethodType> usable_;
  std::vector<MethodType> proven_;
  unsigned required_;
  std::int64_t expires_;
  SessionState state_ = SessionState::proving;
};

}  // namespace sspr::daemon
