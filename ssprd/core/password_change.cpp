#include "password_change.hpp"

#include "errors.hpp"
#include "password_quality.hpp"

namespace sspr::daemon {

Result<Done> PasswordChange::change(const UserAccount& user, const Secret& current, Secret new_password,
                                    std::string& reason, WriteDone done) {
  const auto verdict = throttle_.check(user.name);
  if (!verdict || verdict->blocked) return ErrorCode::RateLimited;
  const auto quality = check_password_quality(new_password, user.name, &current,
                                              {config_.pwquality_config, config_.banned_words_file});
  if (!quality.ok) {
    reason = quality.reason;
    return ErrorCode::LowPasswordQuality;
  }
  // The current password is checked on the worker (crypt is slow on purpose), then written.
  const std::string name = user.name;
  const bool queued = writer_.write(
      name, std::move(new_password),
      [this, name, done = std::move(done)](Result<Done> written, std::string user_text) {
        if (written) {
          audit_.record(AuditEvent::change_done, name);
          notices_.to_user(name, "password changed");
        } else if (written.error() == ErrorCode::BadCode) {
          (void)throttle_.record(name, throttle::Event::identity_failure());
          audit_.record(AuditEvent::change_failed, name, {{"reason", "wrong current password"}});
        } else {
          audit_.record(AuditEvent::change_failed, name, {{"reason", std::string(error_info(written.error()).bus_name)}});
        }
        done(std::move(written), std::move(user_text));
      },
      Secret(current.reveal()));
  if (!queued) return ErrorCode::RateLimited;
  return Done{};
}

}  // namespace sspr::daemon
