// One implementation per proof, used by step-up and by reset alike: an app code or a recovery
// code is checked against what the user registered and spent when right (an app code's time
// step can never pass again, a recovery code is gone), and every proof's outcome is counted by
// the persistent throttle and audited in one place. A rule added to a proof (a replay check, a
// throttle, an audit field) is written here once.
#pragma once

#include "audit.hpp"
#include "audit_budget.hpp"
#include "origin.hpp"
#include "record.hpp"
#include "registration_store.hpp"
#include "result.hpp"
#include "throttle/throttle.hpp"
#include "verifier.hpp"

#include <functional>
#include <string>
#include <string_view>

namespace sspr::daemon {

class Proofs {
 public:
  using Clock = std::function<std::int64_t()>;
  // What a proof is for: its audit events.
  enum class Purpose { step_up, reset };

  Proofs(const RegistrationStore& store, const Verifier& verifier, throttle::Throttle& throttle, AuditLog& audit,
         Clock clock)
      : store_(store), verifier_(verifier), throttle_(throttle), audit_(audit), clock_(std::move(clock)) {}

  // An app code (totp) or a recovery code against `loaded` (the user's record, as read, under
  // the user's lock): true when it proves, the code then spent and the record saved (a proof
  // that cannot be spent does not count). A method the user does not have is simply a failed
  // proof. When another host wrote the record since it was read (RecordChanged: it may have
  // spent this very code), the record is read again and the code checked again, a few times.
  // `loaded` and `response` belong to the awaiting frame.
  Task<bool> check_code(std::string user, LoadedRecord& loaded, MethodType type, const Secret& response) const;
  static constexpr int kWriteAttempts = 4;

  // Counts the outcome of a proof of `method` ("totp", "email", "password", ...) from `origin`:
  // a failure is an identity failure there (and toward the user's ceiling) and, for a
  // registered method, a method failure; a success clears the method's failures. Audited for
  // `purpose`. A failure returns `refusal`, or `blocked` when it is the one that blocks.
  // Where a reset's failed proofs are audited: coalesced per origin (audit_budget.hpp).
  void set_attempts_audit(AuditBudget* budget) { attempts_ = budget; }

  Result<Done> count(Purpose purpose, const std::string& user, const Origin& origin, std::string_view method,
                     bool proven, ErrorCode refusal = ErrorCode::BadCode, ErrorCode blocked = ErrorCode::RateLimited);

 private:
  const RegistrationStore& store_;
  const Verifier& verifier_;
  throttle::Throttle& throttle_;
  AuditLog& audit_;
  Clock clock_;
  AuditBudget* attempts_ = nullptr;
};

}  // namespace sspr::daemon
