// Who may not reset now, how the user is told, and the administrator's unlock. A real user's
// block is the persistent throttle's; an unknown or unregistered name has a decoy block
// (DecoyThrottle) that looks the same, so a block never tells whether an account exists.
// Blocks stop the origin the failures came from (origin.hpp); only a ceiling across origins
// stops everyone, for decoys as for real users.
#pragma once

#include "audit.hpp"
#include "decoy_throttle.hpp"
#include "errors.hpp"
#include "manager.hpp"
#include "origin.hpp"
#include "result.hpp"
#include "throttle/throttle.hpp"

#include <cstdint>
#include <string>

namespace sspr::daemon {

// A failed guess of the current password in a change counts here, apart from resets: a block
// of resets never stops a change with the right password, and a change's block says so.
std::string change_throttle_name(const std::string& user);

class ResetBlocks {
 public:
  ResetBlocks(const Config& config, throttle::Throttle& throttle, AuditLog& audit, UserLookup by_name, Clock clock);

  // The decoy side: is the name that has no real session blocked at this origin, and count one
  // failure (true when it is blocked after it).
  bool decoy_blocked(const std::string& name, const Origin& origin, std::int64_t now) const;
  bool decoy_failed(const std::string& name, const Origin& origin, std::int64_t now);

  // The text a refusal for a block carries (`code`: RateLimited for a reset, StepUpBlocked,
  // ChangeBlocked): what is blocked, from where, for how long, or that an administrator must
  // lift it (the table's text when nothing is blocked now).
  std::string notice(ErrorCode code, const std::string& user, const Origin& origin) const;
  // Ends every block of `user`, at every origin: an administrator's decision, so root only
  // (the bus policy says so too); audited with who did it.
  Result<Done> unlock(uid_t caller, const std::string& user);

 private:
  throttle::Throttle& throttle_;
  AuditLog& audit_;
  UserLookup by_name_;
  Clock clock_;
  DecoyThrottle decoys_;         // per name and origin, as the throttle's origins
  DecoyThrottle decoy_ceiling_;  // per name, as the throttle's ceiling
};

}  // namespace sspr::daemon
