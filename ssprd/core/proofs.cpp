#include "proofs.hpp"

namespace sspr::daemon {

Task<bool> Proofs::check_code(std::string user, LoadedRecord& loaded, MethodType type, const Secret& response) const {
  for (int attempt = 0; attempt < kWriteAttempts; ++attempt) {
    if (loaded.state != RecordState::present) co_return false;
    auto& record = loaded.record;
    bool proven = false;
    if (type == MethodType::totp && record.totp) {
      if (const auto step = verifier_.totp_step(*record.totp, response, clock_())) {
        record.totp->last_step = *step;  // spent: this code, and any older one, never passes again
        proven = true;
      }
    } else if (type == MethodType::recovery_codes && record.recovery_codes) {
      proven = verifier_.consume_recovery_code(*record.recovery_codes, response);
    }
    if (!proven) co_return false;
    const auto saved = co_await store_.save(user, record, loaded.version);
    if (saved) co_return true;
    if (saved.error() != ErrorCode::RecordChanged) co_return false;
    loaded = co_await store_.load(user);  // another host wrote it: what does it say now?
  }
  co_return false;
}

Result<Done> Proofs::count(Purpose purpose, const std::string& user, const Origin& origin, std::string_view method,
                           bool proven, ErrorCode refusal, ErrorCode blocked) {
  const auto throttled = throttle::method_from_string(method);  // none for a password
  const bool reset = purpose == Purpose::reset;
  if (!proven) {
    const auto after = throttle_.record(user, origin.key, throttle::Event::identity_failure());
    if (throttled) (void)throttle_.record(user, throttle::Event::method_failure(*throttled));
    if (reset && attempts_ != nullptr)
      attempts_->record(origin, AuditEvent::reset_step_failed, user, {{"method", std::string(method)}, {"origin", origin.key}});
    else
      audit_.record(reset ? AuditEvent::reset_step_failed : AuditEvent::step_up_failed, user,
                    {{"method", std::string(method)}, {"origin", origin.key}});
    return after && !after->blocked ? refusal : blocked;
  }
  if (throttled) (void)throttle_.record(user, throttle::Event::method_succeeded(*throttled));
  audit_.record(reset ? AuditEvent::reset_step_passed : AuditEvent::step_up_passed, user,
                {{"method", std::string(method)}});
  return Done{};
}

}  // namespace sspr::daemon
