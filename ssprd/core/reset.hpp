// Password reset: sessions in which a user proves registered methods and then sets a new
// password, once. Each session (reset_session.hpp) belongs to the bus connection that started
// it and is resolved once per call by the bus glue (reset_bus.cpp), which hands it here. The
// slow parts (hashing answers, the password write) run on a worker; what ends later holds the
// session weakly, so a caller who left is never served.
#pragma once

#include "accounts.hpp"
#include "async/task.hpp"
#include "async/user_locks.hpp"
#include "async/worker.hpp"
#include "audit.hpp"
#include "audit_budget.hpp"
#include "config.hpp"
#include "decoys.hpp"
#include "manager.hpp"
#include "messenger.hpp"
#include "notices.hpp"
#include "password_writer.hpp"
#include "proofs.hpp"
#include "registration_store.hpp"
#include "reset_blocks.hpp"
#include "reset_session.hpp"
#include "result.hpp"
#include "throttle/throttle.hpp"
#include "verifier.hpp"

#include <functional>
#include <map>
#include <memory>
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

class ResetService {
 public:
  struct Parts {  // what a reset works with, owned by the daemon
    const RegistrationStore& store;
    const Verifier& verifier;
    AuditLog& audit;
    throttle::Throttle& throttle;
    Worker& worker;
    Messenger& messenger;
    PasswordWriter& writer;
    Notices& notices;
    ResetBlocks& blocks;
    UserLocks& locks;
  };
  ResetService(const Config& config, Parts parts, UserLookup by_name = lookup_user_by_name,
               Clock clock = system_clock_now);

  // Anyone may start a reset for a user name; what proves the right to finish it are the
  // methods. A name that cannot be reset gets a decoy session that looks and answers the same
  // (decoys.hpp) and can never verify. `owner` (a unique bus name, already watched so its
  // sessions end with it) and `owner_uid` started it, from `origin`: an origin (a local uid, a
  // login's remote host) holds at most kMaxSessionsPerOrigin live sessions, so no local user
  // and no network client can fill the table that everybody's resets need (TooManySessions).
  Task<Result<StartedReset>> start(std::string owner, uid_t owner_uid, Origin origin, std::string user);
  static constexpr std::size_t kMaxSessions = 1000;
  static constexpr std::size_t kMaxSessionsPerOrigin = 16;
  // The session `id` if `owner` started it (null otherwise: to anybody else it does not exist).
  std::shared_ptr<ResetSession> find(const std::string& id, const std::string& owner) const;

  // The session calls that read the user's record are coroutines (async/task.hpp); each holds
  // its session for as long as it runs.
  // E-mail or SMS: sends a code to the registered destination: done when it is queued; `sent`
  // gets the masked destination, or DeliveryFailed, later. A new code voids the previous one.
  Task<Result<Done>> send_code(std::shared_ptr<ResetSession> session, std::string method,
                               std::function<void(Result<std::string>)> sent);
  Task<Result<VerifyOutcome>> verify(std::shared_ptr<ResetSession> session, std::string method, Secret response);
  // Security questions: a random subset of the user's, kept until answered.
  Task<Result<std::vector<std::string>>> questions(std::shared_ptr<ResetSession> session);
  // Answers in the order asked; checked (Argon2id) on the worker.
  Task<Result<VerifyOutcome>> verify_answers(std::shared_ptr<ResetSession> session, std::vector<Secret> answers);
  // Checks quality at once (a refusal leaves the session usable; the outcome's user_text says
  // why), then hashes and writes on the worker. Once: the session writes, then it is done.
  Task<PasswordOutcome> set_password(std::shared_ptr<ResetSession> session, Secret new_password);
  Result<Done> cancel(ResetSession& session);

  // The caller left: its sessions end (anything still under way for them is not answered).
  void forget_owner(const std::string& owner);

 private:
  Result<VerifyOutcome> finish_proof(ResetSession& session, MethodType type, Result<Done> proven);
  // A refusal the throttle decides: counts a try, audits a block.
  Result<Done> count_try(const std::string& user, const Origin& origin, throttle::Event event);
  // count_try for the session's user; a decoy's the same write into its twin's state, never refused.
  Result<Done> count_check(const ResetSession& session, throttle::Event event);
  // The registration a decoy shows for the name whose Verifier::decoy_digest is `digest`.
  DecoyProfile decoy_of(const std::string& digest) const;
  // Counts a decoy's failed proof as proofs.cpp counts a real one: `refusal`, or RateLimited
  // when it is the one that blocks (per name and origin, ResetBlocks).
  ErrorCode decoy_failure(ResetSession& session, MethodType type, ErrorCode refusal);
  void drop(const ResetSession& session);
  // TooManySessions when the table, or `origin`'s share of it, is full.
  Result<Done> room_for(const Origin& origin) const;

  const Config& config_;
  Parts parts_;
  UserLookup by_name_;
  Clock clock_;
  std::map<std::string, std::shared_ptr<ResetSession>> sessions_;
  Proofs proofs_;
  AuditBudget attempts_audit_;  // unauthenticated attempts: coalesced per origin
  std::string typical_record_;  // what a name without a record parses (start())
};

}  // namespace sspr::daemon
