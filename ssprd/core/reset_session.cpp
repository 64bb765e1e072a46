#include "reset_session.hpp"

#include <algorithm>

namespace sspr::daemon {

ResetSession::ResetSession(std::string user, std::vector<MethodType> usable, unsigned required, std::int64_t now)
    : user_(std::move(user)), usable_(std::move(usable)), required_(required), expires_(now + kSessionLifetime) {
  // A session that can never be satisfied stays in `proving` until it expires: it looks the
  // same from outside as one that can (anti-enumeration).
}

Result<Done> ResetSession::admit(SessionCall call, std::int64_t now) const {
  if (now >= expires_) return ErrorCode::NoSuchSession;
  if (!call_permitted(state_, call)) return ErrorCode::NotPermitted;
  return Done{};
}

Result<Done> ResetSession::admit_method(SessionCall call, MethodType method, std::int64_t now) const {
  auto admitted = admit(call, now);
  if (!admitted) return admitted;
  if (std::find(usable_.begin(), usable_.end(), method) == usable_.end()) return ErrorCode::NotEnrolled;
  // Each method proves once: two methods means two different ones.
  if (std::find(proven_.begin(), proven_.end(), method) != proven_.end()) return ErrorCode::NotPermitted;
  return Done{};
}

void ResetSession::method_proven(MethodType method) {
  if (state_ != SessionState::proving) return;
  if (std::find(proven_.begin(), proven_.end(), method) == proven_.end()) proven_.push_back(method);
  if (proven_.size() >= required_) state_ = SessionState::verified;
}

}  // namespace sspr::daemon
