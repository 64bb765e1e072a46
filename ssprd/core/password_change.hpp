// A user who knows the password changes it (the ChangePassword call; pam_sspr's password
// phase and `sspr passwd`): the current password is checked where it lives, a wrong one counts
// as an identity failure in the throttle, the new one must pass the quality check, and it is
// written like a reset's. The user hears about it on every registered channel.
#pragma once

#include "async/user_locks.hpp"
#include "audit.hpp"
#include "config.hpp"
#include "manager.hpp"
#include "notices.hpp"
#include "password_writer.hpp"
#include "result.hpp"
#include "throttle/throttle.hpp"

#include <string>

namespace sspr::daemon {

class PasswordChange {
 public:
  PasswordChange(const Config& config, throttle::Throttle& throttle, AuditLog& audit, Notices& notices,
                 PasswordWriter& writer, UserLocks& locks)
      : config_(config), throttle_(throttle), audit_(audit), notices_(notices), writer_(writer), locks_(locks) {}

  // Refuses at once a blocked user or a weak new password (the outcome's user_text says why);
  // otherwise checks the current password and writes the new one on the worker.
  Task<PasswordOutcome> change(UserAccount user, Secret current, Secret new_password);

 private:
  const Config& config_;
  throttle::Throttle& throttle_;
  AuditLog& audit_;
  Notices& notices_;
  PasswordWriter& writer_;
  UserLocks& locks_;
};

}  // namespace sspr::daemon
