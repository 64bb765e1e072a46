#include "reset.hpp"

#include "backend/faillock.hpp"
#include "crypto/answers.hpp"
#include "crypto/digest.hpp"
#include "crypto/random.hpp"
#include "delivery/addresses.hpp"
#include "errors.hpp"
#include "log.hpp"
#include "password_quality.hpp"
#include "policy.hpp"
#include "user_name.hpp"

#include <algorithm>
#include <sodium.h>

namespace sspr::daemon {
namespace {

constexpr std::size_t kMaxSessions = 1000;

std::string random_id() {
  unsigned char bytes[16];
  randombytes_buf(bytes, sizeof bytes);
  char hex[sizeof bytes * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, bytes, sizeof bytes);
  return hex;
}

}  // namespace

ResetService::ResetService(const Config& config, const RegistrationStore& store, const Verifier& verifier, AuditLog& audit,
                           throttle::Throttle& throttle, Worker& worker, Messenger& messenger,
                           const PasswordBackends& passwords, UserLookup by_name, Clock clock)
    : config_(config),
      store_(store),
      verifier_(verifier),
      audit_(audit),
      throttle_(throttle),
      worker_(worker),
      messenger_(messenger),
      passwords_(passwords),
      by_name_(std::move(by_name)),
      clock_(std::move(clock)),
      decoys_(config.throttle_failed_proofs, std::int64_t{config.throttle_failed_proofs_window_minutes} * 60,
              std::int64_t{config.throttle_block_minutes} * 60),
      proofs_(store, verifier, throttle, audit, clock_),
      notices_(config, store, messenger, by_name_) {}

Result<StartedReset> ResetService::start(const std::string& owner, std::string_view user) {
  if (!valid_user_name(user)) return ErrorCode::InvalidUserName;
  if (sessions_.size() >= kMaxSessions) return ErrorCode::RateLimited;
  const std::int64_t now = clock_();
  const auto account = by_name_(user);
  const std::string name(user);

  unsigned required = config_.reset_methods_required;
  std::vector<MethodType> usable;
  LoadedRecord loaded;
  if (account) {
    const auto verdict = throttle_.check(account->name);
    if (!verdict || verdict->blocked) {
      audit_.record(AuditEvent::reset_blocked, account->name, {{"reason", verdict ? verdict->reason : "throttle"}});
      return ErrorCode::RateLimited;
    }
    // Members of admin groups always prove two methods (Entra's administrator policy).
    if (is_administrator(config_, *account)) required = 2;
    loaded = store_.load(account->name);
    // Reset fails closed when the record cannot be read (the directory is down).
    if (loaded.state == RecordState::unavailable) return ErrorCode::BackendUnavailable;
    if (loaded.state == RecordState::present)
      for (auto t : loaded.record.methods()) {
        // Admins never reset with security questions (Entra's administrator policy); a method
        // still in its cooling-off period does not count.
        if (t == MethodType::questions && is_administrator(config_, *account)) continue;
        if (loaded.record.times(t).usable_from > now) continue;
        usable.push_back(t);
      }
  }

  const bool real = account && !usable.empty();
  if (!real && decoys_.blocked_until(name, now) != 0) return ErrorCode::RateLimited;

  StartedReset started;
  started.id = random_id();
  started.required = required;
  if (real) {
    for (auto t : usable) {
      std::string masked;
      if (t == MethodType::email && loaded.record.email) masked = delivery::mask_email(loaded.record.email->address);
      if (t == MethodType::sms && loaded.record.sms) masked = delivery::mask_phone(loaded.record.sms->address);
      started.methods.push_back({t, masked});
    }
  }
  else
    started.methods.push_back({MethodType::totp, {}});  // a decoy: the same shape as a real one
  auto entry = std::make_unique<Entry>(
      Entry{owner, real, ResetSession(name, real ? usable : std::vector<MethodType>{}, required, now), {}, {}});
  sessions_.emplace(started.id, std::move(entry));
  audit_.record(AuditEvent::reset_started, name, {{"methods_required", std::to_string(required)}});
  return started;
}

ResetService::Entry* ResetService::find(const std::string& id, const std::string& owner) {
  const auto it = sessions_.find(id);
  if (it == sessions_.end() || it->second->owner != owner) return nullptr;
  return it->second.get();
}

bool ResetService::exists(const std::string& id, const std::string& owner) const {
  const auto it = sessions_.find(id);
  return it != sessions_.end() && it->second->owner == owner;
}

Result<VerifyOutcome> ResetService::verify(const std::string& id, const std::string& owner, std::string_view method,
                                           const Secret& response) {
  Entry* entry = find(id, owner);
  if (entry == nullptr) return ErrorCode::NoSuchSession;
  auto& session = entry->session;
  const std::int64_t now = clock_();
  const auto type = method_type_from_string(method);
  if (!type || *type == MethodType::questions) return ErrorCode::InvalidArgument;  // questions: VerifyAnswers
  if (auto admitted = session.admit(SessionCall::verify, now); !admitted) {
    if (admitted.error() == ErrorCode::NoSuchSession) sessions_.erase(id);
    return admitted.error();
  }
  // A decoy answers like a real session whose code was wrong, and blocks after as many.
  if (!entry->real) {
    if (*type != MethodType::totp) return ErrorCode::NotEnrolled;
    return decoys_.record_failure(session.user(), now) != 0 ? ErrorCode::RateLimited : ErrorCode::BadCode;
  }
  if (auto admitted = session.admit_method(SessionCall::verify, *type, now); !admitted) return admitted.error();

  const auto& user = session.user();
  const auto counted = throttle_.record(user, throttle::Event::validation());
  if (!counted || counted->blocked) {
    audit_.record(AuditEvent::reset_blocked, user, {{"reason", counted ? counted->reason : "throttle"}});
    return ErrorCode::RateLimited;
  }
  auto loaded = store_.load(user);
  if (loaded.state == RecordState::unavailable) return ErrorCode::BackendUnavailable;  // not a failed proof
  bool ok = false;
  ErrorCode refusal = ErrorCode::BadCode;
  if (*type == MethodType::email || *type == MethodType::sms) {
    ok = check_sent_code(*entry, *type, response, refusal);
  } else if (loaded.state == RecordState::present) {
    ok = proofs_.check_code(user, loaded.record, *type, response);
  }
  return finish_proof(*entry, *type, ok, refusal);
}

// Counts a proof for the throttle and the audit, and moves the session on.
Result<VerifyOutcome> ResetService::finish_proof(Entry& entry, MethodType type, bool ok, ErrorCode refusal) {
  auto& session = entry.session;
  if (auto counted = proofs_.count(Proofs::Purpose::reset, session.user(), to_string(type), ok, refusal); !counted)
    return counted.error();
  session.method_proven(type);
  const auto proven = static_cast<unsigned>(session.proven().size());
  return VerifyOutcome{session.state() == SessionState::verified,
                       session.required() > proven ? session.required() - proven : 0};
}

Result<std::vector<std::string>> ResetService::questions(const std::string& id, const std::string& owner) {
  Entry* entry = find(id, owner);
  if (entry == nullptr) return ErrorCode::NoSuchSession;
  const std::int64_t now = clock_();
  if (auto admitted = entry->session.admit(SessionCall::verify, now); !admitted) return admitted.error();
  if (!entry->real) return ErrorCode::NotEnrolled;
  if (auto admitted = entry->session.admit_method(SessionCall::verify, MethodType::questions, now); !admitted)
    return admitted.error();
  const auto loaded = store_.load(entry->session.user());
  if (loaded.state == RecordState::unavailable) return ErrorCode::BackendUnavailable;
  if (loaded.state != RecordState::present || !loaded.record.questions) return ErrorCode::NotEnrolled;
  const auto& items = loaded.record.questions->items;
  if (entry->asked.empty()) {
    // A random subset, drawn without replacement (Fisher-Yates with the OS RNG).
    std::vector<std::size_t> order(items.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    for (std::size_t i = order.size(); i > 1; --i)
      std::swap(order[i - 1], order[randombytes_uniform(static_cast<std::uint32_t>(i))]);
    order.resize(std::min<std::size_t>(config_.reset_questions_asked, order.size()));
    entry->asked = order;
  }
  std::vector<std::string> out;
  for (auto i : entry->asked) out.push_back(items.at(i).question);
  return out;
}

Result<Done> ResetService::verify_answers(const std::string& id, const std::string& owner,
                                          std::vector<Secret> answers,
                                          std::function<void(Result<VerifyOutcome>)> done) {
  Entry* entry = find(id, owner);
  if (entry == nullptr) return ErrorCode::NoSuchSession;
  const std::int64_t now = clock_();
  if (auto admitted = entry->session.admit_method(SessionCall::verify, MethodType::questions, now); !admitted)
    return admitted.error();
  if (entry->asked.empty()) return ErrorCode::NotPermitted;  // ask for the questions first (or one is in flight)
  const std::string user = entry->session.user();
  const auto counted = throttle_.record(user, throttle::Event::validation());
  if (!counted || counted->blocked) return ErrorCode::RateLimited;
  const auto loaded = store_.load(user);
  if (loaded.state == RecordState::unavailable) return ErrorCode::BackendUnavailable;
  std::vector<std::string> hashes;
  if (loaded.state == RecordState::present && loaded.record.questions && answers.size() == entry->asked.size())
    for (auto i : entry->asked) hashes.push_back(loaded.record.questions->items.at(i).answer_hash);
  entry->asked.clear();  // right or wrong, the next attempt gets a new subset
  // Argon2id is slow on purpose: it runs on the worker, never on the event loop.
  auto given = std::make_shared<std::vector<Secret>>(std::move(answers));
  auto right = std::make_shared<bool>(false);
  auto job = [given, hashes, right] {
    bool ok = !hashes.empty() && hashes.size() == given->size();
    for (std::size_t i = 0; ok && i < hashes.size(); ++i) {
      const auto normalized = crypto::normalize_answer((*given)[i].reveal());
      ok = normalized && crypto::verify_answer(hashes[i], *normalized);
    }
    given->clear();
    *right = ok;
  };
  const bool queued = worker_.submit(job, [this, id, owner, right, done = std::move(done)] {
    Entry* still = find(id, owner);
    if (still == nullptr) return done(ErrorCode::NoSuchSession);  // the caller left meanwhile
    done(finish_proof(*still, MethodType::questions, *right, ErrorCode::BadCode));
  });
  if (!queued) return ErrorCode::RateLimited;
  return Done{};
}

Result<Done> ResetService::set_password(const std::string& id, const std::string& owner, Secret new_password,
                                        std::string& reason, WriteDone done) {
  Entry* entry = find(id, owner);
  if (entry == nullptr) return ErrorCode::NoSuchSession;
  auto& session = entry->session;
  if (auto admitted = session.admit(SessionCall::set_password, clock_()); !admitted) return admitted.error();
  const std::string user = session.user();

  const auto verdict = check_password_quality(new_password, user, nullptr,
                                              {config_.pwquality_config, config_.banned_words_file});
  if (!verdict.ok) {
    reason = verdict.reason;  // the user may try another password in the same session
    return ErrorCode::LowPasswordQuality;
  }
  // While it is written, nothing else happens in the session; SetPassword succeeds once.
  session.begin_write();
  const bool queued = write_password(user, std::move(new_password), [this, id, user, done = std::move(done)](
                                                                        Result<Done> written, std::string user_text) {
    auto it = sessions_.find(id);
    ResetSession* still = it != sessions_.end() ? &it->second->session : nullptr;
    if (written) {
      if (still) still->finish(true);
      (void)throttle_.record(user, throttle::Event::reset_succeeded());
      backend::clear_faillock_tally(config_.faillock_directory, user);
      audit_.record(AuditEvent::reset_done, user);
      notices_.to_user(user, "password reset");
      notices_.to_admins(user, "password reset");
    } else {
      // A directory that refuses this password (too short, in its history) lets the user pick
      // another; any other failure ends the session.
      if (still) error_info(written.error()).another_password_may_pass ? still->write_refused() : still->finish(false);
      audit_.record(AuditEvent::reset_failed, user, {{"reason", std::string(error_info(written.error()).bus_name)}});
    }
    done(std::move(written), std::move(user_text));
  });
  if (!queued) {
    session.write_refused();
    return ErrorCode::RateLimited;
  }
  return Done{};
}

bool ResetService::check_sent_code(Entry& entry, MethodType type, const Secret& response, ErrorCode& refusal) {
  const auto it = entry.codes.find(type);
  if (it == entry.codes.end() || !it->second.sent) {
    refusal = ErrorCode::NotPermitted;  // no code was sent for this method
    return false;
  }
  if (it->second.expires <= clock_()) {
    entry.codes.erase(it);
    refusal = ErrorCode::ChallengeExpired;
    return false;
  }
  if (verifier_.sent_code_matches(it->second.digest, response)) {
    entry.codes.erase(it);  // single use
    return true;
  }
  if (++it->second.tries >= config_.code_max_tries) {
    entry.codes.erase(it);
    refusal = ErrorCode::TooManyAttempts;
  } else {
    refusal = ErrorCode::BadCode;
  }
  return false;
}

Result<Done> ResetService::send_code(const std::string& id, const std::string& owner, std::string_view method,
                                     std::function<void(Result<std::string>)> done) {
  Entry* entry = find(id, owner);
  if (entry == nullptr) return ErrorCode::NoSuchSession;
  const auto type = method_type_from_string(method);
  if (!type || (*type != MethodType::email && *type != MethodType::sms)) return ErrorCode::InvalidArgument;
  const std::int64_t now = clock_();
  if (auto admitted = entry->session.admit(SessionCall::send_code, now); !admitted) return admitted.error();
  if (!entry->real) return ErrorCode::NotEnrolled;
  if (auto admitted = entry->session.admit_method(SessionCall::send_code, *type, now); !admitted) return admitted.error();
  const auto& user = entry->session.user();
  const auto loaded = store_.load(user);
  const ContactMethod* contact = *type == MethodType::email ? (loaded.record.email ? &*loaded.record.email : nullptr)
                                                            : (loaded.record.sms ? &*loaded.record.sms : nullptr);
  if (loaded.state != RecordState::present || contact == nullptr) return ErrorCode::NotEnrolled;
  const auto counted = throttle_.record(user, throttle::Event::delivery());
  if (!counted || counted->blocked) {
    audit_.record(AuditEvent::reset_blocked, user, {{"reason", counted ? counted->reason : "throttle"}});
    return ErrorCode::RateLimited;
  }
  Secret code = crypto::random_digits(config_.code_length);
  SentCode sent;
  sent.digest = verifier_.sent_code_digest(code);
  sent.expires = now + static_cast<std::int64_t>(config_.code_lifetime_minutes) * 60;
  entry->codes[*type] = sent;  // a new code voids the previous one
  const std::string masked = *type == MethodType::email ? delivery::mask_email(contact->address)
                                                        : delivery::mask_phone(contact->address);
  const std::string digest = sent.digest;
  const bool queued = messenger_.send_code(
      *type, contact->address, user, code, config_.code_lifetime_minutes,
      [this, id, type = *type, digest, masked, done = std::move(done)](bool ok) {
        const auto it = sessions_.find(id);
        if (it != sessions_.end()) {
          auto c = it->second->codes.find(type);
          if (c != it->second->codes.end() && c->second.digest == digest) {
            if (ok)
              c->second.sent = true;
            else
              it->second->codes.erase(c);
          }
        }
        if (ok)
          done(masked);
        else
          done(ErrorCode::DeliveryFailed);
      });
  if (!queued) {
    entry->codes.erase(*type);
    return ErrorCode::DeliveryFailed;
  }
  return Done{};
}

// The password was reset, so earlier failed logins say nothing any more: pam_faillock's tally
// for the user goes (a user locked out by failed guesses can log in with the new password).
bool ResetService::write_password(const std::string& user, Secret new_password, WriteDone done,
                                  std::optional<Secret> current) {
  auto password = std::make_shared<Secret>(std::move(new_password));
  auto must_match = current ? std::make_shared<Secret>(std::move(*current)) : nullptr;
  // Which backend holds the user is read from the shadow file: on the worker too.
  struct Written {
    PasswordOutcome outcome{ErrorCode::Internal, {}};  // until the job says otherwise
    const char* backend = "?";
  };
  auto written = std::make_shared<Written>();
  const PasswordBackends* passwords = &passwords_;
  auto job = [password, must_match, user, passwords, written] {
    const PasswordBackend& backend = passwords->owner_of(user);
    written->backend = backend.name();
    written->outcome = must_match ? backend.change(user, *must_match, *password) : backend.reset(user, *password);
    password->clear();
    if (must_match) must_match->clear();
  };
  return worker_.submit(job, [user, written, done = std::move(done)] {
    auto& outcome = written->outcome;
    if (!outcome.result && outcome.result.error() != ErrorCode::BadCode)
      log_error("writing the password of %s (%s) failed: %s", user.c_str(), written->backend,
                error_info(outcome.result.error()).bus_name.data());
    done(std::move(outcome.result), std::move(outcome.user_text));
  });
}

Result<Done> ResetService::change_password(const UserAccount& user, const Secret& current, Secret new_password,
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
  const bool queued = write_password(
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

Result<Done> ResetService::cancel(const std::string& id, const std::string& owner) {
  Entry* entry = find(id, owner);
  if (entry == nullptr) return ErrorCode::NoSuchSession;
  if (auto admitted = entry->session.admit(SessionCall::cancel, clock_()); !admitted) return admitted.error();
  entry->session.cancel();
  return Done{};
}

std::string ResetService::block_notice(const std::string& user) const {
  const std::int64_t now = clock_();
  std::int64_t until = decoys_.blocked_until(user, now);
  if (until == 0 && by_name_(user)) {
    const auto verdict = throttle_.check(user);
    if (verdict && verdict->blocked) until = verdict->until;
  }
  if (until == 0) return std::string(error_info(ErrorCode::RateLimited).message);
  if (until == throttle::kUntilCleared)
    return "Password reset is blocked for this account until an administrator unlocks it.";
  return "Password reset is blocked for this account for another " + throttle::describe_wait(until - now) +
         ". Please try again then, or ask an administrator.";
}

std::string ResetService::session_user(const std::string& id, const std::string& owner) const {
  const auto it = sessions_.find(id);
  return it != sessions_.end() && it->second->owner == owner ? it->second->session.user() : std::string();
}

Result<Done> ResetService::unlock(const std::string& user, const std::string& by) {
  if (!valid_user_name(user)) return ErrorCode::InvalidUserName;
  decoys_.clear(user);
  if (by_name_(user)) {
    if (auto cleared = throttle_.clear(user); !cleared) return cleared.error();
  }
  audit_.record(AuditEvent::reset_unlocked, user, {{"by", by}});
  return Done{};
}

void ResetService::forget_owner(const std::string& owner) {
  std::erase_if(sessions_, [&](const auto& kv) { return kv.second->owner == owner; });
}

}  // namespace sspr::daemon
