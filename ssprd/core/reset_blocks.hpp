// Who may not reset now, how the user is told, and the administrator's unlock. A real user's
// block is the persistent throttle's; an unknown or unregistered name has a decoy block
// (DecoyThrottle) that looks the same, so a block never tells whether an account exists.
#pragma once

#include "audit.hpp"
#include "decoy_throttle.hpp"
#include "manager.hpp"
#include "result.hpp"
#include "throttle/throttle.hpp"

#include <cstdint>
#include <string>

namespace sspr::daemon {

class ResetBlocks {
 public:
  ResetBlocks(const Config& config, throttle::Throttle& throttle, AuditLog& audit, UserLookup by_name, Clock clock);

  // The decoy side: is the name that has no real session blocked, and count one failure
  // (true when it is blocked after it).
  bool decoy_blocked(const std::string& name, std::int64_t now) const;
  bool decoy_failed(const std::string& name, std::int64_t now);

  // The text a RateLimited refusal carries for `user`: how long the block lasts, or that an
  // administrator must lift it (the table's text when the user is not blocked).
  std::string notice(const std::string& user) const;
  // Ends every reset block of `user`: an administrator's decision, so root only (the bus
  // policy says so too); audited with who did it.
  Result<Done> unlock(uid_t caller, const std::string& user);

 private:
  throttle::Throttle& throttle_;
  AuditLog& audit_;
  UserLookup by_name_;
  Clock clock_;
  DecoyThrottle decoys_;
};

}  // namespace sspr::daemon
