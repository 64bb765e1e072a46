// The seam between registration logic and delivery: how a code or a notice reaches a user's
// e-mail address or phone. The daemon implements it with the delivery queue (SMTP, SMS
// webhook); unit tests with a recorder.
#pragma once

#include "record.hpp"
#include "secret.hpp"

#include <functional>
#include <string>

namespace sspr::daemon {

class Messenger {
 public:
  virtual ~Messenger() = default;
  // Sends a one-time code to `destination` over `channel` (email or sms). `done(true)` once it
  // was handed to the server, `done(false)` if it could not be; always called later, on the
  // event loop. Returns false if the request cannot even be queued.
  virtual bool send_code(MethodType channel, const std::string& destination, const std::string& user,
                         const Secret& code, unsigned valid_minutes, std::function<void(bool)> done) = 0;
  // A decoy's code (core/decoys.hpp): nothing is sent, but `done` is called as send_code's
  // would be: later, after about as long as a real delivery over `channel` took lately, with
  // its outcome. False when send_code would refuse at once (the channel unusable, the queue full).
  virtual bool send_decoy(MethodType channel, std::function<void(bool)> done) = 0;
  // Tells the user that their security info changed ("if this wasn't you..."). Best effort:
  // false when it was not queued (codes come first: delivery/notice_quota.hpp).
  virtual bool send_notice(MethodType channel, const std::string& destination, const std::string& user,
                           const std::string& event) = 0;
  // Tells an administrator's address that `event` happened to the account `user` (an admin
  // reset their password). Best effort, as send_notice; e-mail only.
  virtual bool send_admin_notice(const std::string& destination, const std::string& user, const std::string& event) = 0;
};

}  // namespace sspr::daemon
