// One password reset in progress: the object behind /io/sspr/reset1/session/<id>. It knows who
// started it (the creator's unique bus name: to anybody else it does not exist), whether it is
// real or the decoy of an unknown or unregistered name, which calls are allowed in which state
// (a closed table, as OpenSSH's monitor does it), which methods were proven, which codes were
// sent and which questions asked, how long it lives, and that the new password is set at most
// once. Pure logic: proving a method (core/proofs) and the bus object's glue sit around it.
#pragma once

#include "record.hpp"
#include "origin.hpp"
#include "result.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

namespace sspr::daemon {

enum class SessionState {
  proving,    // methods are being proven
  verified,   // enough methods proven: the new password may be set, once
  writing,    // the new password is being written; a directory may still refuse it
  completed,  // the password was set
  failed,     // too many failures, a failed write, cancelled, or its caller left
};

enum class SessionCall { send_code, verify, get_questions, verify_answers, set_password, cancel };

// The closed table: is `call` allowed in `state`? Everything not listed is refused.
constexpr bool call_permitted(SessionState state, SessionCall call) noexcept {
  switch (state) {
    case SessionState::proving:
      return call == SessionCall::send_code || call == SessionCall::verify || call == SessionCall::get_questions ||
             call == SessionCall::verify_answers || call == SessionCall::cancel;
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

class ResetSession : public std::enable_shared_from_this<ResetSession> {
 public:
  // `usable`: the user's methods that may prove identity now (registered, past cooling-off,
  // not disabled); `required`: how many distinct methods must be proven (1 or 2). `real`
  // false: a decoy, which looks the same from outside and can never verify. `owner` is the
  // creator's unique bus name, `owner_uid` its uid (what a caller's sessions are counted by),
  // `origin` where its failures count (origin.hpp).
  ResetSession(std::string user, std::vector<MethodType> usable, unsigned required, std::int64_t now,
               std::string owner = {}, bool real = true, uid_t owner_uid = 0, Origin origin = {"login-local"});

  const std::string& user() const noexcept { return user_; }
  const std::string& owner() const noexcept { return owner_; }
  uid_t owner_uid() const noexcept { return owner_uid_; }
  const Origin& origin() const noexcept { return origin_; }
  bool real() const noexcept { return real_; }
  SessionState state() const noexcept { return state_; }
  std::int64_t expires() const noexcept { return expires_; }
  const std::vector<MethodType>& usable() const noexcept { return usable_; }
  const std::vector<MethodType>& proven() const noexcept { return proven_; }
  unsigned required() const noexcept { return required_; }
  // Methods still to prove before SetPassword.
  unsigned remaining() const noexcept;

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
  // Cancelled, or its caller left: whoever still holds it can do nothing with it.
  void cancel() noexcept { state_ = SessionState::failed; }

  // Codes sent by e-mail or SMS, one per method: kept as a digest until used, expired, tried
  // too often, or replaced by a new one (which voids the previous).
  void code_issued(MethodType method, std::string digest, std::int64_t expires);
  // The delivery of the code with `digest` ended; a failed one withdraws it (if still current).
  void code_delivered(MethodType method, std::string_view digest, bool ok);
  void code_withdrawn(MethodType method) { codes_.erase(method); }
  // Spends the sent code of `method` if `matches` its digest (single use). Refusals: no code
  // sent (NotPermitted), expired (ChallengeExpired), wrong (BadCode), wrong `max_tries` times
  // (TooManyAttempts, the code is void).
  Result<Done> spend_code(MethodType method, std::int64_t now, unsigned max_tries,
                          const std::function<bool(std::string_view digest)>& matches);

  // The security questions asked now (indexes into the user's), kept until answered.
  const std::vector<std::size_t>& asked() const noexcept { return asked_; }
  void ask(std::vector<std::size_t> questions) { asked_ = std::move(questions); }
  // Right or wrong, answers are checked once: the next attempt gets a new subset.
  std::vector<std::size_t> take_asked() { return std::exchange(asked_, {}); }

 private:
  struct SentCode {
    std::string digest;
    std::int64_t expires = 0;
    unsigned tries = 0;
    bool sent = false;
  };

  std::string user_;
  std::string owner_;
  uid_t owner_uid_;
  Origin origin_;
  bool real_;
  std::vector<MethodType> usable_;
  std::vector<MethodType> proven_;
  unsigned required_;
  std::int64_t expires_;
  SessionState state_ = SessionState::proving;
  std::map<MethodType, SentCode> codes_;
  std::vector<std::size_t> asked_;
};

}  // namespace sspr::daemon
