// Password reset: sessions in which a user proves registered methods and then sets a new
// password, once. Each session belongs to the bus connection that started it. No sd-bus in
// here (reset_bus.cpp is the glue); the slow part (hashing, the shadow write) runs on a worker.
#pragma once

#include "accounts.hpp"
#include "async/worker.hpp"
#include "audit.hpp"
#include "decoy_throttle.hpp"
#include "proofs.hpp"
#include "config.hpp"
#include "manager.hpp"
#include "messenger.hpp"
#include "notices.hpp"
#include "backend/password_backend.hpp"
#include "registration_store.hpp"
#include "reset_session.hpp"
#include "result.hpp"
#include "throttle/throttle.hpp"
#include "verifier.hpp"

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace sspr::daemon {

struct OfferedMethod {
  MethodType type;
  std::string masked_destination;
};

struct StartedReset {
  std::string id;  // 128 random bits, hex
  std::vector<OfferedMethod> methods;
  unsigned required = 1;
};

struct VerifyOutcome {
  bool verified = false;  // enough methods proven: SetPassword may follow
  unsigned remaining = 0;
};

// The end of a password write, on the event loop: the outcome and, when a directory refused
// the new password, why (for the user).
using WriteDone = std::function<void(Result<Done>, std::string user_text)>;

class ResetService {
 public:
  ResetService(const Config& config, const RegistrationStore& store, const Verifier& verifier, AuditLog& audit,
               throttle::Throttle& throttle, Worker& worker, Messenger& messenger,
               const PasswordBackends& passwords, UserLookup by_name = lookup_user_by_name,
               Clock clock = system_clock_now);

  // Anyone may start a reset for a user name; what proves the right to finish it are the
  // methods. A name that is unknown or has nothing registered gets a session that looks the
  // same (one authenticator app) and can never verify.
  Result<StartedReset> start(const std::string& owner, std::string_view user);
  bool exists(const std::string& id, const std::string& owner) const;
  // E-mail or SMS: sends a code to the registered destination; `done` gets the masked
  // destination, or DeliveryFailed. A new code voids the previous one.
  Result<Done> send_code(const std::string& id, const std::string& owner, std::string_view method,
                         std::function<void(Result<std::string>)> done);
  Result<VerifyOutcome> verify(const std::string& id, const std::string& owner, std::string_view method,
                               const Secret& response);
  // Security questions: a random subset of the user's, kept until answered wrongly.
  Result<std::vector<std::string>> questions(const std::string& id, const std::string& owner);
  // Answers in the order asked; checked (Argon2id) on the worker, `done` runs on the loop.
  Result<Done> verify_answers(const std::string& id, const std::string& owner, std::vector<Secret> answers,
                              std::function<void(Result<VerifyOutcome>)> done);
  // Checks quality at once (a refusal leaves the session usable, with the reason in
  // `reason`); then hashes and writes on the worker and calls `done` on the event loop.
  Result<Done> set_password(const std::string& id, const std::string& owner, Secret new_password,
                            std::string& reason, WriteDone done);
  Result<Done> cancel(const std::string& id, const std::string& owner);

  // A user who knows the password changes it: the current one is checked (a wrong one is an
  // identity failure for the throttle), the new one must pass the quality check (`reason`
  // says why not), then it is written like a reset's. `done` is called on the event loop.
  Result<Done> change_password(const UserAccount& user, const Secret& current, Secret new_password,
                               std::string& reason, WriteDone done);
  // The text a RateLimited refusal carries for `user`: how long the block lasts, or that an
  // administrator must lift it (the table's text when the user is not blocked).
  std::string block_notice(const std::string& user) const;
  // The user a session is for (empty if there is no such session for `owner`).
  std::string session_user(const std::string& id, const std::string& owner) const;
  // Ends every reset block of `user` (an administrator's decision; audited).
  Result<Done> unlock(const std::string& user, const std::string& by);
  void forget_owner(const std::string& owner);

 private:
  struct SentCode {
    std::string digest;
    std::int64_t expires = 0;
    unsigned tries = 0;
    bool sent = false;
  };
  struct Entry {
    std::string owner;
    bool real = false;  // false: the decoy session of an unknown or unregistered user
    ResetSession session;
    std::map<MethodType, SentCode> codes;
    std::vector<std::size_t> asked;  // indexes of the questions asked now
  };
  Result<VerifyOutcome> finish_proof(Entry& entry, MethodType type, bool ok, ErrorCode refusal);
  bool check_sent_code(Entry& entry, MethodType type, const Secret& response, ErrorCode& refusal);
  // Hashes and writes on the worker; `done` runs on the loop with the outcome.
  // With `current`, the job first checks it against the shadow file (BadCode if wrong).
  bool write_password(const std::string& user, Secret password, WriteDone done,
                      std::optional<Secret> current = std::nullopt);
  Entry* find(const std::string& id, const std::string& owner);

  const Config& config_;
  const RegistrationStore& store_;
  const Verifier& verifier_;
  AuditLog& audit_;
  throttle::Throttle& throttle_;
  Worker& worker_;
  Messenger& messenger_;
  const PasswordBackends& passwords_;
  UserLookup by_name_;
  Clock clock_;
  std::map<std::string, std::unique_ptr<Entry>> sessions_;
  DecoyThrottle decoys_;
  Proofs proofs_;
  Notices notices_;
};

}  // namespace sspr::daemon
