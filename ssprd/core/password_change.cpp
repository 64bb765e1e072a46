#include "password_change.hpp"

#include "errors.hpp"
#include "password_quality.hpp"
#include "reset_blocks.hpp"

namespace sspr::daemon {

Task<PasswordOutcome> PasswordChange::change(UserAccount user, Secret current, Secret new_password) {
  // One change per user at a time, from the throttle's check to the failure it may record: a
  // guess waits for the one before it to count, so no burst of guesses slips under the limit.
  const auto held = co_await locks_.lock(user.name);
  // Its own count, apart from resets: a reset blocked by somebody else's failures never stops
  // a change with the right password (nor the login, which is pam_unix's).
  const auto verdict = throttle_.check(change_throttle_name(user.name));
  if (!verdict || verdict->blocked) co_return PasswordOutcome{ErrorCode::ChangeBlocked, {}};
  const auto quality = check_password_quality(new_password, user.name, &current,
                                              {config_.pwquality_config, config_.banned_words_file});
  if (!quality.ok) co_return PasswordOutcome{ErrorCode::LowPasswordQuality, quality.reason};
  // The current password is checked on the worker (crypt is slow on purpose), then written.
  auto written = co_await writer_.write(user.name, std::move(new_password), std::move(current));
  if (written.result) {
    audit_.record(AuditEvent::change_done, user.name);
    notices_.to_user(user.name, "password changed");
  } else if (written.result.error() == ErrorCode::BadCode) {
    (void)throttle_.record(change_throttle_name(user.name), throttle::Event::identity_failure());
    audit_.record(AuditEvent::change_failed, user.name, {{"reason", "wrong current password"}});
  } else if (written.result.error() != ErrorCode::RateLimited) {
    audit_.record(AuditEvent::change_failed, user.name,
                  {{"reason", std::string(error_info(written.result.error()).bus_name)}});
  }
  co_return written;
}

}  // namespace sspr::daemon
