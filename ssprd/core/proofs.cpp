#include "proofs.hpp"

namespace sspr::daemon {

bool Proofs::check_code(const std::string& user, RegistrationRecord& record, MethodType type,
                        const Secret& response) const {
  if (type == MethodType::totp && record.totp) {
    const auto step = verifier_.totp_step(*record.totp, response, clock_());
    if (!step) return false;
    record.totp->last_step = *step;  // spent: this code, and any older one, never passes again
    return store_.save(user, record) == 0;
  }
  if (type == MethodType::recovery_codes && record.recovery_codes)
    return verifier_.consume_recovery_code(*record.recovery_codes, response) && store_.save(user, record) == 0;
  return false;
}

Result<Done> Proofs::count(Purpose purpose, const std::string& user, std::string_view method, bool proven,
                           ErrorCode refusal) {
  const auto throttled = throttle::method_from_string(method);  // none for a password
  const bool reset = purpose == Purpose::reset;
  if (!proven) {
    const auto after = throttle_.record(user, throttle::Event::identity_failure());
    if (throttled) (void)throttle_.record(user, throttle::Event::method_failure(*throttled));
    audit_.record(reset ? AuditEvent::reset_step_failed : AuditEvent::step_up_failed, user,
                  {{"method", std::string(method)}});
    return after && !after->blocked ? refusal : ErrorCode::RateLimited;
  }
  if (throttled) (void)throttle_.record(user, throttle::Event::method_succeeded(*throttled));
  audit_.record(reset ? AuditEvent::reset_step_passed : AuditEvent::step_up_passed, user,
                {{"method", std::string(method)}});
  return Done{};
}

}  // namespace sspr::daemon
