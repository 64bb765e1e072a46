#include "reset.hpp"

#include "backend/faillock.hpp"
#include "crypto/answers.hpp"
#include "crypto/digest.hpp"
#include "crypto/random.hpp"
#include "crypto/recovery_codes.hpp"
#include "crypto/sealed.hpp"
#include "crypto/totp.hpp"
#include "delivery/addresses.hpp"
#include "errors.hpp"
#include "password_quality.hpp"
#include "policy.hpp"
#include "question_pool.hpp"
#include "user_name.hpp"

#include <algorithm>
#include <sodium.h>

namespace sspr::daemon {
namespace {

constexpr uid_t kNobody = 65534;



std::string random_id() {
  unsigned char bytes[16];
  randombytes_buf(bytes, sizeof bytes);
  char hex[sizeof bytes * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, bytes, sizeof bytes);
  return hex;
}

// The registered destination of a code method, if the record has one.
const ContactMethod* contact_of(const LoadedRecord& loaded, MethodType type) {
  if (loaded.state != RecordState::present) return nullptr;
  const auto& contact = type == MethodType::email ? loaded.record.email : loaded.record.sms;
  return contact ? &*contact : nullptr;
}

// An Argon2id hash no answer matches (nothing normalises to 64 random hex digits), for a
// decoy's answers to be checked against at a real check's cost. Made once, on a worker thread.
const std::string& unmatched_answer_hash() {
  static const std::string hash = [] {
    unsigned char noise[32];
    randombytes_buf(noise, sizeof noise);
    char hex[sizeof noise * 2 + 1];
    sodium_bin2hex(hex, sizeof hex, noise, sizeof noise);
    return crypto::hash_answer(Secret(std::string_view(hex)));
  }();
  return hash;
}

std::string masked(MethodType type, const std::string& address) {
  return type == MethodType::email ? delivery::mask_email(address) : delivery::mask_phone(address);
}

}  // namespace

ResetService::ResetService(const Config& config, Parts parts, UserLookup by_name, Clock clock)
    : config_(config),
      parts_(parts),
      by_name_(std::move(by_name)),
      clock_(std::move(clock)),
      proofs_(parts.store, parts.verifier, parts.throttle, parts.audit, clock_),
      attempts_audit_(parts.audit, clock_) {
  proofs_.set_attempts_audit(&attempts_audit_);
  // A registration as most are (an app and ten recovery codes), as stored: what a name that
  // has no record parses instead (start()).
  RegistrationRecord typical;
  TotpMethod app;
  app.sealed_secret = crypto::seal(parts.verifier.sealing_key(), crypto::new_totp_secret().reveal());
  app.last_step = 60'000'000;
  typical.totp = std::move(app);
  RecoveryCodesMethod codes;
  for (const auto& code : crypto::generate_recovery_codes(10))
    if (const auto canonical = crypto::canonical_recovery_code(code.reveal()))
      codes.digests.push_back(parts.verifier.recovery_code_digest(*canonical));
  typical.recovery_codes = std::move(codes);
  typical.first_registered = typical.last_confirmed = 1'800'000'000;
  typical_record_ = serialize_record(typical, "typical");
}

Result<Done> ResetService::count_try(const std::string& user, const Origin& origin, throttle::Event event) {
  const auto counted = parts_.throttle.record(user, origin.key, event);
  if (counted && !counted->blocked) return Done{};
  attempts_audit_.record(origin, AuditEvent::reset_blocked, user, {{"reason", counted ? counted->reason : "throttle"}});
  return ErrorCode::RateLimited;
}

Task<Result<StartedReset>> ResetService::start(std::string owner, uid_t owner_uid, Origin origin, std::string user) {
  if (!valid_user_name(user)) co_return ErrorCode::InvalidUserName;
  const std::int64_t now = clock_();
  std::erase_if(sessions_, [now](const auto& kv) { return kv.second->expires() <= now; });
  if (auto room = room_for(origin); !room) co_return room.error();
  const auto account = by_name_(user);
  const std::string name(user);
  const std::string digest = parts_.verifier.decoy_digest(name);

  // Every name does the same work, whatever it turns out to be, so that neither the reply nor
  // its time tells who exists: the throttle is read (an unknown name's twin), the record is
  // read, the account is checked for a lock.
  const auto verdict = account ? parts_.throttle.check(account->name, origin.key)
                               : parts_.throttle.check(decoy_twin(digest), kTwinOrigin);
  if (account && (!verdict || verdict->blocked)) {
    attempts_audit_.record(origin, AuditEvent::reset_blocked, account->name,
                           {{"reason", verdict ? verdict->reason : "throttle"}});
    co_return ErrorCode::RateLimited;
  }
  const LoadedRecord loaded = co_await parts_.store.load(name);
  // Reset fails closed when the record cannot be read (the directory is down), for every name.
  if (loaded.state == RecordState::unavailable) co_return ErrorCode::BackendUnavailable;
  // A name without a record parses one all the same (a registration like most), as reading a
  // record costs a parse.
  if (loaded.state == RecordState::absent) {
    std::string problem;
    (void)parse_record(typical_record_, "typical", problem);
  }
  const std::string refusal = co_await parts_.writer.reset_refusal(name);

  // Members of admin groups prove two methods (Entra's administrator policy), the second asked
  // after the first, as Entra does: the reply says the configured number for every name.
  // (An unknown name's groups are looked up too: the same work.)
  const UserAccount looked_up = account ? *account : UserAccount(name, kNobody, kNobody);
  const bool admin = is_administrator(config_, looked_up) && account;
  const unsigned required = admin ? 2u : config_.reset_methods_required;
  std::vector<MethodType> usable;
  if (account && loaded.state == RecordState::present)
    for (auto t : loaded.record.methods()) {
      // Admins never reset with security questions (Entra's administrator policy); a method
      // still in its cooling-off period does not count.
      if (t == MethodType::questions && admin) continue;
      if (loaded.record.times(t).usable_from > now) continue;
      // A method that failed [throttle] method_failure_limit times in a row is disabled until
      // an administrator runs `sspr unlock` (NIST SP 800-63B 5.2.2).
      const auto throttled = throttle::method_from_string(to_string(t));
      if (verdict && throttled &&
          std::find(verdict->disabled_methods.begin(), verdict->disabled_methods.end(), *throttled) !=
              verdict->disabled_methods.end())
        continue;
      usable.push_back(t);
    }
  // A locked, disabled or expired account is never reset (an administrator's decision): it
  // gets the decoy an unknown name gets, and the audit says why.
  if (account && !usable.empty() && !refusal.empty()) {
    attempts_audit_.record(origin, AuditEvent::reset_blocked, account->name, {{"reason", refusal}});
    usable.clear();
  }
  const bool real = account && !usable.empty();
  if (!real && parts_.blocks.decoy_blocked(name, origin, now)) co_return ErrorCode::RateLimited;
  if (auto room = room_for(origin); !room) co_return room.error();  // again: others started meanwhile

  StartedReset started;
  started.id = random_id();
  started.required = config_.reset_methods_required;
  if (real) {
    for (auto t : usable) {
      const ContactMethod* contact = t == MethodType::email || t == MethodType::sms ? contact_of(loaded, t) : nullptr;
      started.methods.push_back({t, contact ? masked(t, contact->address) : std::string()});
    }
  } else {
    // A decoy: a plausible registration of its own, the same for this name every time.
    const auto profile = decoy_of(digest);
    usable = profile.methods;
    for (auto t : usable) {
      const auto shown = profile.masked.find(t);
      started.methods.push_back({t, shown == profile.masked.end() ? std::string() : shown->second});
    }
  }
  sessions_.emplace(started.id, std::make_shared<ResetSession>(name, usable, required, now, owner, real, owner_uid, origin));
  attempts_audit_.record(origin, AuditEvent::reset_started, name,
                         {{"methods_required", std::to_string(started.required)}, {"origin", origin.key}});
  co_return started;
}

Result<Done> ResetService::count_check(const ResetSession& session, throttle::Event event) {
  if (session.real()) return count_try(session.user(), session.origin(), event);
  // A decoy makes the same write into its twin's state; its verdict means nothing.
  (void)parts_.throttle.record(decoy_twin(parts_.verifier.decoy_digest(session.user())), kTwinOrigin, event);
  return Done{};
}

DecoyProfile ResetService::decoy_of(const std::string& digest) const {
  return decoy_profile(digest, offered_methods(config_), config_, question_pool(config_).size());
}

ErrorCode ResetService::decoy_failure(ResetSession& session, MethodType type, ErrorCode refusal) {
  // The writes a real failure makes (proofs.cpp), into the name's twin state file; the block
  // itself is counted per name and origin in memory (ResetBlocks), as the real one is on disk.
  const std::string twin = decoy_twin(parts_.verifier.decoy_digest(session.user()));
  (void)parts_.throttle.record(twin, kTwinOrigin, throttle::Event::identity_failure());
  if (const auto method = throttle::method_from_string(to_string(type)))
    (void)parts_.throttle.record(twin, throttle::Event::method_failure(*method));
  attempts_audit_.record(session.origin(), AuditEvent::reset_step_failed, session.user(),
                      {{"method", to_string(type)}, {"origin", session.origin().key}});
  if (parts_.blocks.decoy_failed(session.user(), session.origin(), clock_())) return ErrorCode::RateLimited;
  return refusal;
}

Result<Done> ResetService::room_for(const Origin& origin) const {
  if (sessions_.size() >= kMaxSessions) return ErrorCode::TooManySessions;
  // Per origin — a local uid, or the remote host of a login (root's pam_sspr serves every
  // login prompt at once, so root itself is not one) — so that no origin reaches the cap above.
  const auto held = std::count_if(sessions_.begin(), sessions_.end(),
                                  [&origin](const auto& kv) { return kv.second->origin() == origin; });
  if (static_cast<std::size_t>(held) >= kMaxSessionsPerOrigin) return ErrorCode::TooManySessions;
  return Done{};
}

std::shared_ptr<ResetSession> ResetService::find(const std::string& id, const std::string& owner) const {
  const auto it = sessions_.find(id);
  if (it == sessions_.end() || it->second->owner() != owner) return nullptr;
  return it->second;
}

Task<Result<VerifyOutcome>> ResetService::verify(std::shared_ptr<ResetSession> held_session, std::string method,
                                                 Secret response) {
  auto& session = *held_session;
  const std::int64_t now = clock_();
  const auto type = method_type_from_string(method);
  if (!type || *type == MethodType::questions) co_return ErrorCode::InvalidArgument;  // questions: VerifyAnswers
  if (auto admitted = session.admit(SessionCall::verify, now); !admitted) {
    if (admitted.error() == ErrorCode::NoSuchSession) drop(session);  // expired: gone from the bus too
    co_return admitted.error();
  }
  if (auto admitted = session.admit_method(SessionCall::verify, *type, now); !admitted) co_return admitted.error();

  // A decoy does what a real session whose code was wrong does, and blocks after as many.
  const bool real = session.real();
  const auto& user = session.user();
  if (auto counted = count_check(session, throttle::Event::validation()); !counted) co_return counted.error();
  Result<Done> proven = ErrorCode::BadCode;
  if (*type == MethodType::email || *type == MethodType::sms) {
    proven = session.spend_code(*type, now, config_.code_max_tries, [&](std::string_view digest) {
      return parts_.verifier.sent_code_matches(std::string(digest), response);
    });
  } else {
    // A code is spent in the record: one change of it at a time.
    const auto held = co_await parts_.locks.lock(user);
    auto loaded = co_await parts_.store.load(user);
    if (loaded.state == RecordState::unavailable) co_return ErrorCode::BackendUnavailable;  // not a failed proof
    if (real && loaded.state == RecordState::present &&
        co_await proofs_.check_code(user, loaded, *type, response))
      proven = Done{};
  }
  if (!real) co_return decoy_failure(session, *type, proven ? ErrorCode::BadCode : proven.error());
  // Counted even if the session ended meanwhile: cancelling cannot hide a wrong guess.
  co_return finish_proof(session, *type, proven);
}

// Counts a proof for the throttle and the audit, and moves the session on (if it is still
// proving: one that ended meanwhile stays ended).
Result<VerifyOutcome> ResetService::finish_proof(ResetSession& session, MethodType type, Result<Done> proven) {
  const ErrorCode refusal = proven ? ErrorCode::BadCode : proven.error();
  if (auto counted =
          proofs_.count(Proofs::Purpose::reset, session.user(), session.origin(), to_string(type), proven.ok(), refusal);
      !counted)
    return counted.error();
  session.method_proven(type);
  return VerifyOutcome{session.state() == SessionState::verified, session.remaining()};
}

Task<Result<std::vector<std::string>>> ResetService::questions(std::shared_ptr<ResetSession> held_session) {
  auto& session = *held_session;
  const std::int64_t now = clock_();
  if (auto admitted = session.admit(SessionCall::get_questions, now); !admitted) co_return admitted.error();
  if (auto admitted = session.admit_method(SessionCall::get_questions, MethodType::questions, now); !admitted)
    co_return admitted.error();
  const auto loaded = co_await parts_.store.load(session.user());
  if (loaded.state == RecordState::unavailable) co_return ErrorCode::BackendUnavailable;
  // A decoy asks from the questions its profile registered, as a real session from the record.
  std::vector<std::string> items;
  if (session.real()) {
    if (loaded.state != RecordState::present || !loaded.record.questions) co_return ErrorCode::NotEnrolled;
    for (const auto& item : loaded.record.questions->items) items.push_back(item.question);
  } else {
    const auto pool = question_pool(config_);
    for (auto i : decoy_of(parts_.verifier.decoy_digest(session.user())).questions) items.push_back(pool[i]);
  }
  if (session.asked().empty()) {
    // A random subset, drawn without replacement (Fisher-Yates with the OS RNG).
    std::vector<std::size_t> order(items.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    for (std::size_t i = order.size(); i > 1; --i)
      std::swap(order[i - 1], order[randombytes_uniform(static_cast<std::uint32_t>(i))]);
    order.resize(std::min<std::size_t>(config_.reset_questions_asked, order.size()));
    session.ask(std::move(order));
  }
  std::vector<std::string> out;
  for (auto i : session.asked())
    if (i < items.size()) out.push_back(items[i]);
  co_return out;
}

Task<Result<VerifyOutcome>> ResetService::verify_answers(std::shared_ptr<ResetSession> held_session,
                                                         std::vector<Secret> answers) {
  auto& session = *held_session;
  const std::int64_t now = clock_();
  if (auto admitted = session.admit_method(SessionCall::verify_answers, MethodType::questions, now); !admitted)
    co_return admitted.error();
  if (session.asked().empty()) co_return ErrorCode::NotPermitted;  // ask for the questions first (or one is in flight)
  const std::string user = session.user();
  if (auto counted = count_check(session, throttle::Event::validation()); !counted) co_return counted.error();
  // Right or wrong, the next attempt gets a new subset; taken now, so a second call meanwhile
  // finds nothing asked.
  const auto asked = session.take_asked();
  const auto loaded = co_await parts_.store.load(user);
  if (loaded.state == RecordState::unavailable) co_return ErrorCode::BackendUnavailable;
  std::vector<std::string> hashes;
  if (session.real() && loaded.state == RecordState::present && loaded.record.questions && answers.size() == asked.size())
    for (auto i : asked)
      if (i < loaded.record.questions->items.size()) hashes.push_back(loaded.record.questions->items[i].answer_hash);
  // A decoy's answers are checked against a hash nothing matches, at the same cost.
  const bool decoy = !session.real();
  // Argon2id is slow on purpose: it runs on the worker, never on the event loop.
  auto given = std::make_shared<std::vector<Secret>>(std::move(answers));
  auto check = [given, hashes, decoy] {
    bool ok = decoy ? !given->empty() : !hashes.empty() && hashes.size() == given->size();
    for (std::size_t i = 0; ok && i < given->size(); ++i) {
      const auto normalized = crypto::normalize_answer((*given)[i].reveal());
      ok = normalized && crypto::verify_answer(decoy ? unmatched_answer_hash() : hashes[i], *normalized);
    }
    given->clear();
    return ok;
  };
  const auto right = co_await on_worker(parts_.worker, std::move(check));
  if (!right) co_return ErrorCode::RateLimited;  // the worker is full
  if (!session.real()) co_return decoy_failure(session, MethodType::questions, ErrorCode::BadCode);
  // Counted even if the session ended meanwhile: cancelling cannot hide a wrong guess.
  co_return finish_proof(session, MethodType::questions, *right ? Result<Done>(Done{}) : ErrorCode::BadCode);
}

Task<PasswordOutcome> ResetService::set_password(std::shared_ptr<ResetSession> held_session, Secret new_password) {
  auto& session = *held_session;
  if (auto admitted = session.admit(SessionCall::set_password, clock_()); !admitted)
    co_return PasswordOutcome{admitted.error(), {}};
  const std::string user = session.user();

  const auto verdict = check_password_quality(new_password, user, nullptr,
                                              {config_.pwquality_config, config_.banned_words_file});
  // The user may try another password in the same session.
  if (!verdict.ok) co_return PasswordOutcome{ErrorCode::LowPasswordQuality, verdict.reason};
  // While it is written, nothing else happens in the session; SetPassword succeeds once.
  session.begin_write();
  auto written = co_await parts_.writer.write(user, std::move(new_password));
  if (written.result) {
    session.finish(true);
    (void)parts_.throttle.record(user, session.origin().key, throttle::Event::reset_succeeded());
    // The password was reset, so earlier failed logins say nothing any more: a user locked
    // out by pam_faillock's tally logs in with the new password.
    backend::clear_faillock_tally(config_.faillock_directory, user);
    parts_.audit.record(AuditEvent::reset_done, user);
    parts_.notices.to_user(user, "password reset");
    parts_.notices.to_admins(user, "password reset");
  } else if (written.result.error() == ErrorCode::RateLimited) {
    session.write_refused();  // the worker was full: nothing was written, the session may try again
  } else {
    // A directory that refuses this password (too short, in its history) lets the user pick
    // another; any other failure ends the session.
    error_info(written.result.error()).another_password_may_pass ? session.write_refused() : session.finish(false);
    parts_.audit.record(AuditEvent::reset_failed, user,
                        {{"reason", std::string(error_info(written.result.error()).bus_name)}});
  }
  co_return written;
}

Task<Result<Done>> ResetService::send_code(std::shared_ptr<ResetSession> held_session, std::string method,
                                           std::function<void(Result<std::string>)> sent) {
  auto& session = *held_session;
  const auto type = method_type_from_string(method);
  if (!type || (*type != MethodType::email && *type != MethodType::sms)) co_return ErrorCode::InvalidArgument;
  const std::int64_t now = clock_();
  if (auto admitted = session.admit(SessionCall::send_code, now); !admitted) co_return admitted.error();
  if (auto admitted = session.admit_method(SessionCall::send_code, *type, now); !admitted) co_return admitted.error();
  const auto user = session.user();
  const auto loaded = co_await parts_.store.load(user);
  const ContactMethod* contact = contact_of(loaded, *type);
  if (contact == nullptr && session.real()) co_return ErrorCode::NotEnrolled;
  if (auto admitted = session.admit(SessionCall::send_code, clock_()); !admitted) co_return admitted.error();
  if (auto counted = count_check(session, throttle::Event::delivery()); !counted) co_return counted.error();
  Secret code = crypto::random_digits(config_.code_length);
  const std::string digest = parts_.verifier.sent_code_digest(code);
  session.code_issued(*type, digest, now + static_cast<std::int64_t>(config_.code_lifetime_minutes) * 60);
  // The reply: the address shown once the code went out, DeliveryFailed if it could not.
  auto delivered = [held = session.weak_from_this(), type = *type, digest, sent = std::move(sent)](std::string shown) {
    return [held, type, digest, sent, shown = std::move(shown)](bool ok) {
      if (const auto still = held.lock()) still->code_delivered(type, digest, ok);
      if (ok)
        sent(shown);
      else
        sent(ErrorCode::DeliveryFailed);
    };
  };
  bool queued = false;
  if (session.real()) {
    queued = parts_.messenger.send_code(*type, contact->address, user, code, config_.code_lifetime_minutes,
                                        delivered(masked(*type, contact->address)));
  } else {
    // A decoy's code goes nowhere: it is "sent" to the masked address its profile shows, as
    // long after and with the outcome of a recent real delivery, and like any code that was
    // never delivered to the caller, it never matches.
    const auto profile = decoy_of(parts_.verifier.decoy_digest(user));
    const auto found = profile.masked.find(*type);
    queued = parts_.messenger.send_decoy(*type, delivered(found == profile.masked.end() ? std::string() : found->second));
  }
  if (!queued) {
    session.code_withdrawn(*type);
    co_return ErrorCode::DeliveryFailed;
  }
  co_return Done{};
}

Result<Done> ResetService::cancel(ResetSession& session) {
  if (auto admitted = session.admit(SessionCall::cancel, clock_()); !admitted) return admitted.error();
  session.cancel();
  return Done{};
}

void ResetService::drop(const ResetSession& session) {
  std::erase_if(sessions_, [&](const auto& kv) { return kv.second.get() == &session; });
}

void ResetService::forget_owner(const std::string& owner) {
  std::erase_if(sessions_, [&](const auto& kv) {
    if (kv.second->owner() != owner) return false;
    kv.second->cancel();  // whoever still holds it (a check under way) can do nothing with it
    return true;
  });
}

}  // namespace sspr::daemon
