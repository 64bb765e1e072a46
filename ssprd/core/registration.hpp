// Registration of security info: adding and confirming each method, removal,
// recovery codes, skip and reconfirmation, with step-up before any change by the user,
// a cooling-off for changes, notices to every registered channel, and an audit event for
// every change. No sd-bus in here (registration_bus.cpp is the glue).
#pragma once

#include "async/task.hpp"
#include "async/user_locks.hpp"
#include "async/worker.hpp"
#include "audit.hpp"
#include "directory_contacts.hpp"
#include "manager.hpp"
#include "messenger.hpp"
#include "origin.hpp"
#include "proofs.hpp"
#include "record.hpp"
#include "registration_store.hpp"
#include "result.hpp"
#include "secret.hpp"
#include "throttle/throttle.hpp"
#include "totp_offer.hpp"
#include "verifier.hpp"

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace sspr::daemon {

// Who is asking: root (pam_sspr at login, admin tools) is trusted to act for the user; a user
// acting for itself must step up before any change, the first registration included.
struct Caller {
  uid_t uid = 0;
  std::string sender;  // unique bus name; step-up is bound to it
  // Where its failed proofs and sent codes count (a root caller is a login pam_sspr serves).
  Origin origin() const { return Origin::of_caller(uid); }
};

struct ContactOffer {
  std::string masked_destination;
  std::int64_t expires = 0;
};

struct RegisteredMethod {
  MethodType type;
  std::string masked_destination;  // e-mail/phone masked; empty for the others
  std::int64_t added = 0;
  std::int64_t usable_from = 0;
};

struct RegistrationDetails {
  std::vector<RegisteredMethod> methods;
  std::vector<MethodType> offered;
  std::uint32_t methods_required = 0;
  std::int64_t reconfirm_by = 0;  // 0: never (not registered, or reconfirm_days = 0)
};

// Every step that may wait (the store, a hash, a password check, the directory) is a
// coroutine (async/task.hpp): arguments are taken by value, the outcome is the task's value. A
// step that reads a record, decides and writes it back holds the user's lock across both.
class Registration {
 public:
  Registration(const Config& config, const RegistrationStore& store, const Verifier& verifier, AuditLog& audit,
             Messenger& messenger, throttle::Throttle& throttle, UserLocks& locks, Clock clock = system_clock_now);

  std::vector<MethodType> offered_methods() const;
  std::vector<std::string> question_pool() const;
  Task<Result<RegistrationDetails>> details(UserAccount user) const;

  Task<Result<TotpOffer>> begin_totp(Caller caller, UserAccount user);
  Task<Result<Done>> confirm_totp(Caller caller, UserAccount user, Secret code);

  // Validates, creates a code and hands it to the messenger: done when it is queued; `on_sent`
  // gets the delivery's outcome later (and is not called when this fails). An empty address
  // means "the one the directory keeps for me".
  Task<Result<Done>> begin_contact(Caller caller, UserAccount user, MethodType channel, std::string address,
                                   std::function<void(Result<ContactOffer>)> on_sent);
  Task<Result<Done>> confirm_contact(Caller caller, UserAccount user, MethodType channel, Secret code);

  // The answers are hashed on the worker (Argon2id is slow on purpose), then the record is read
  // again and written.
  Task<Result<Done>> set_questions(Caller caller, UserAccount user, std::vector<std::pair<std::string, Secret>> answers);
  Task<Result<std::vector<Secret>>> regenerate_recovery_codes(Caller caller, UserAccount user);
  Task<Result<Done>> remove_method(Caller caller, UserAccount user, MethodType type);

  // Skipping is a login decision: only root (pam_sspr at the login prompt) may take it.
  Task<Result<Grace>> skip_registration(Caller caller, UserAccount user);
  Task<Result<Done>> reconfirm(UserAccount user);

  // Proves the caller is the user with an already registered TOTP or recovery code, or with
  // the current password (checked by `password_check`, on the worker: crypt is slow on
  // purpose, a directory may be slower). Valid for this caller for 10 minutes. Failures are
  // identity failures for the persistent throttle (5 in 24 h block for 24 h). One password
  // check per user at a time.
  Task<Result<Done>> step_up(Caller caller, UserAccount user, std::string method, Secret response);
  void forget_caller(const std::string& sender);

  // Where slow work runs: the password check of a step-up, the hashing of security answers,
  // directory contacts (null: on the calling thread, as in unit tests).
  void set_worker(Worker* worker) { worker_ = worker; }
  // Runs on the worker's threads; must be thread-safe.
  using PasswordCheck = std::function<bool(const std::string& user, const Secret& password)>;
  void set_password_check(PasswordCheck check) { password_check_ = std::move(check); }

  // The e-mail address and mobile number an administrator keeps for the user elsewhere (the
  // directory's mail and mobile, [ldap] prefill_contacts), where valid. Offered at
  // registration; like any address they count only once confirmed with a code sent there.
  // Runs on the worker's threads.
  using DirectoryContactsLookup = std::function<DirectoryContacts(const std::string& user)>;
  void set_directory_contacts(DirectoryContactsLookup lookup) { directory_contacts_ = std::move(lookup); }
  // Looked up on the worker (a directory may be slow or hung).
  Task<DirectoryContacts> find_directory_contacts(UserAccount user) const;
  // Masked ("" when there is none, or the channel is not offered): what registration may offer.
  std::pair<std::string, std::string> masked_contacts(const DirectoryContacts& known) const;

 private:
  struct PendingTotp {
    Secret secret;
    std::int64_t expires = 0;
    unsigned tries = 0;
  };
  struct PendingContact {
    std::string address;
    std::string code_digest;
    std::int64_t expires = 0;
    unsigned tries = 0;
    bool sent = false;
  };

  Task<Result<LoadedRecord>> load_for_change(Caller caller, UserAccount user) const;
  Task<Result<Done>> send_contact_code(Caller caller, UserAccount user, MethodType channel, std::string address,
                                       std::function<void(Result<ContactOffer>)> on_sent);
  Result<Done> finish_step_up(const Caller& caller, const std::string& user, std::string_view method, bool proven);
  Task<Result<Done>> commit(UserAccount user, RegistrationRecord record, StoredVersion read, MethodType changed, bool removed,
                            std::vector<std::pair<MethodType, std::string>> notify_before);
  bool offered(MethodType type) const;
  void sweep_pending();

  const Config& config_;
  const RegistrationStore& store_;
  const Verifier& verifier_;
  AuditLog& audit_;
  Messenger& messenger_;
  throttle::Throttle& throttle_;  // persistent: code sends and failed proofs count across restarts
  UserLocks& locks_;
  Clock clock_;
  Proofs proofs_;
  PasswordCheck password_check_;
  Worker* worker_ = nullptr;
  std::set<std::string> password_checks_;  // users whose password is being checked
  DirectoryContactsLookup directory_contacts_;
  std::map<std::string, PendingTotp> pending_totp_;
  std::map<std::pair<std::string, MethodType>, PendingContact> pending_contacts_;
  std::map<std::pair<std::string, std::string>, std::int64_t> step_ups_;  // (sender, user) -> until
};

}  // namespace sspr::daemon
