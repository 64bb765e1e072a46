#include "reset_session.hpp"

#include <algorithm>

namespace sspr::daemon {

ResetSession::ResetSession(std::string user, std::vector<MethodType> usable, unsigned required, std::int64_t now,
                           std::string owner, bool real, uid_t owner_uid, Origin origin)
    : user_(std::move(user)),
      owner_(std::move(owner)),
      owner_uid_(owner_uid),
      origin_(std::move(origin)),
      real_(real),
      usable_(std::move(usable)),  // a decoy's are its decoy profile's: refused alike
      required_(required),
      expires_(now + kSessionLifetime) {
  // A session that can never be satisfied stays in `proving` until it expires: it looks the
  // same from outside as one that can (anti-enumeration).
}

unsigned ResetSession::remaining() const noexcept {
  const auto proven = static_cast<unsigned>(proven_.size());
  return required_ > proven ? required_ - proven : 0;
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
  // A decoy never proves anything, whatever a caller managed to make of it.
  if (state_ != SessionState::proving || !real_) return;
  if (std::find(proven_.begin(), proven_.end(), method) == proven_.end()) proven_.push_back(method);
  if (proven_.size() >= required_) state_ = SessionState::verified;
}

void ResetSession::code_issued(MethodType method, std::string digest, std::int64_t expires) {
  codes_[method] = SentCode{std::move(digest), expires, 0, false};
}

void ResetSession::code_delivered(MethodType method, std::string_view digest, bool ok) {
  const auto it = codes_.find(method);
  if (it == codes_.end() || it->second.digest != digest) return;  // replaced meanwhile
  if (ok)
    it->second.sent = true;
  else
    codes_.erase(it);
}

Result<Done> ResetSession::spend_code(MethodType method, std::int64_t now, unsigned max_tries,
                                      const std::function<bool(std::string_view digest)>& matches) {
  const auto it = codes_.find(method);
  if (it == codes_.end() || !it->second.sent) return ErrorCode::NotPermitted;  // no code was sent for it
  if (it->second.expires <= now) {
    codes_.erase(it);
    return ErrorCode::ChallengeExpired;
  }
  if (matches(it->second.digest)) {
    codes_.erase(it);  // single use
    return Done{};
  }
  if (++it->second.tries >= max_tries) {
    codes_.erase(it);
    return ErrorCode::TooManyAttempts;
  }
  return ErrorCode::BadCode;
}

}  // namespace sspr::daemon
