#include "registration.hpp"

#include "crypto/answers.hpp"
#include "crypto/digest.hpp"
#include "crypto/qr.hpp"
#include "crypto/random.hpp"
#include "crypto/recovery_codes.hpp"
#include "crypto/sealed.hpp"
#include "crypto/totp.hpp"
#include "delivery/addresses.hpp"
#include "log.hpp"
#include "policy.hpp"
#include "question_pool.hpp"
#include "text.hpp"

#include <algorithm>
#include <cstring>
#include <set>

namespace sspr::daemon {
namespace {

constexpr std::int64_t kTotpOfferLifetime = 10 * 60;
constexpr std::int64_t kStepUpLifetime = 10 * 60;
constexpr std::size_t kMaxPending = 10000;
constexpr unsigned kTotpConfirmTries = 5;



std::string masked(MethodType type, const std::string& address) {
  if (type == MethodType::email) return delivery::mask_email(address);
  if (type == MethodType::sms) return delivery::mask_phone(address);
  return {};
}

// The e-mail and SMS destinations of a record, to tell them about a change.
std::vector<std::pair<MethodType, std::string>> contacts_of(const RegistrationRecord& r) {
  std::vector<std::pair<MethodType, std::string>> out;
  if (r.email) out.emplace_back(MethodType::email, r.email->address);
  if (r.sms) out.emplace_back(MethodType::sms, r.sms->address);
  return out;
}

}  // namespace

Registration::Registration(const Config& config, const RegistrationStore& store, const Verifier& verifier, AuditLog& audit,
                       Messenger& messenger, throttle::Throttle& throttle, UserLocks& locks, Clock clock)
    : config_(config),
      store_(store),
      verifier_(verifier),
      audit_(audit),
      messenger_(messenger),
      throttle_(throttle),
      locks_(locks),
      clock_(std::move(clock)),
      proofs_(store, verifier, throttle, audit, clock_) {}

bool Registration::offered(MethodType type) const { return method_offered(config_, type); }

std::vector<MethodType> Registration::offered_methods() const { return daemon::offered_methods(config_); }

std::vector<std::string> Registration::question_pool() const { return daemon::question_pool(config_); }

Task<Result<RegistrationDetails>> Registration::details(UserAccount user) const {
  const auto loaded = co_await store_.load(user.name);
  if (loaded.state == RecordState::unavailable) co_return ErrorCode::BackendUnavailable;
  if (loaded.state == RecordState::corrupt) co_return ErrorCode::CorruptRecord;
  RegistrationDetails d;
  d.offered = offered_methods();
  d.methods_required = config_.methods_required;
  if (config_.reconfirm_days > 0 && loaded.record.last_confirmed > 0)
    d.reconfirm_by = loaded.record.last_confirmed + static_cast<std::int64_t>(config_.reconfirm_days) * 86400;
  for (auto t : loaded.record.methods()) {
    const auto& times = loaded.record.times(t);
    std::string dest = t == MethodType::email ? loaded.record.email->address
                       : t == MethodType::sms ? loaded.record.sms->address
                                              : std::string();
    d.methods.push_back({t, masked(t, dest), times.added, times.usable_from});
  }
  co_return d;
}

Task<Result<LoadedRecord>> Registration::load_for_change(Caller caller, UserAccount user) const {
  auto loaded = co_await store_.load(user.name);
  if (loaded.state == RecordState::unavailable) co_return ErrorCode::BackendUnavailable;
  if (loaded.state == RecordState::corrupt) {
    // A damaged record is replaced only through an admin, never silently by a user's change.
    log_error("registration record of %s is damaged (%s); refusing a change", user.name.c_str(), loaded.problem.c_str());
    co_return ErrorCode::CorruptRecord;
  }
  // Every change by the user needs proof, the first one too: a first method registered by
  // whoever holds the user's session would be a reset waiting for them (the password proves
  // it while there is no method). Root is pam_sspr at login, or an admin.
  if (caller.uid != 0) {
    const auto it = step_ups_.find({caller.sender, user.name});
    if (it == step_ups_.end() || it->second < clock_()) co_return ErrorCode::StepUpRequired;
  }
  co_return loaded;
}

Task<Result<Done>> Registration::commit(UserAccount user, RegistrationRecord record, StoredVersion read, MethodType changed, bool removed,
                                      std::vector<std::pair<MethodType, std::string>> notify_before) {
  const std::int64_t now = clock_();
  const bool was_registered = record.first_registered != 0;
  // The first method an account ever gets is news to the contacts it already has (the
  // directory's mail and mobile): if it was not the user, they hear of it.
  const bool first_method = !removed && !was_registered && record.method_count() == 1;
  if (!removed) {
    auto& times = record.times(changed);
    times.added = now;
    // A change after the first registration waits out the cooling-off before it can reset.
    times.usable_from = was_registered ? now + static_cast<std::int64_t>(config_.cooling_off_hours) * 3600 : now;
  }
  const bool now_registered = record.method_count() >= config_.methods_required;
  if (now_registered) {
    if (!was_registered) record.first_registered = now;
    record.last_confirmed = now;  // touching one's info is confirming it
    record.first_prompted = 0;
    record.skips_used = 0;
  }
  // Written only over the record this change was decided on (another host may have changed
  // it meanwhile: then the user is asked to try again).
  if (const auto saved = co_await store_.save(user.name, record, std::move(read)); !saved)
    co_return saved.error() == ErrorCode::RecordChanged ? ErrorCode::RecordChanged : ErrorCode::Internal;
  audit_.record(removed ? AuditEvent::method_removed : AuditEvent::method_registered, user.name,
                {{"method", to_string(changed)}});
  if (now_registered && !was_registered)
    audit_.record(AuditEvent::registration_complete, user.name, {{"methods", std::to_string(record.method_count())}});

  // Every channel the user had, and the new one, hears about the change.
  auto recipients = std::move(notify_before);
  for (const auto& c : contacts_of(record))
    if (std::find(recipients.begin(), recipients.end(), c) == recipients.end()) recipients.push_back(c);
  const std::string event = std::string(removed ? "removed: " : "registered: ") + display_name(changed);
  if (was_registered || removed)
    for (const auto& [channel, destination] : recipients) messenger_.send_notice(channel, destination, user.name, event);
  if (first_method) {
    const auto known = co_await find_directory_contacts(user);
    for (const auto channel : {MethodType::email, MethodType::sms})
      if (offered(channel) && known.of(channel)) messenger_.send_notice(channel, *known.of(channel), user.name, event);
  }
  co_return Done{};
}

Task<Result<TotpOffer>> Registration::begin_totp(Caller caller, UserAccount user) {
  if (!offered(MethodType::totp)) co_return ErrorCode::MethodNotOffered;
  auto loaded = co_await load_for_change(caller, user);
  if (!loaded) co_return loaded.error();
  sweep_pending();
  if (pending_totp_.size() >= kMaxPending) co_return ErrorCode::RateLimited;
  TotpMethod params;
  params.algorithm = config_.totp_algorithm;
  params.digits = config_.totp_digits;
  params.period = config_.totp_period;
  PendingTotp pending{crypto::new_totp_secret(), clock_() + kTotpOfferLifetime, 0};
  TotpOffer offer;
  offer.secret_base32 = crypto::base32_secret(pending.secret);
  offer.otpauth_uri = crypto::otpauth_uri(config_.totp_issuer, user.name, pending.secret, totp_params(params));
  offer.qr_text = crypto::render_qr_text(offer.otpauth_uri.reveal());
  pending_totp_[user.name] = std::move(pending);  // a new offer voids the previous one
  co_return offer;
}

Task<Result<Done>> Registration::confirm_totp(Caller caller, UserAccount user, Secret code) {
  {
    const auto it = pending_totp_.find(user.name);
    if (it == pending_totp_.end()) co_return ErrorCode::NotPermitted;
    if (it->second.expires < clock_()) {
      pending_totp_.erase(it);
      co_return ErrorCode::ChallengeExpired;
    }
  }
  const auto held = co_await locks_.lock(user.name);
  auto loaded = co_await load_for_change(caller, user);
  if (!loaded) co_return loaded.error();
  // Looked up again: the offer may have been replaced or spent while the record was read.
  const auto it = pending_totp_.find(user.name);
  if (it == pending_totp_.end()) co_return ErrorCode::NotPermitted;
  TotpMethod method;
  method.algorithm = config_.totp_algorithm;
  method.digits = config_.totp_digits;
  method.period = config_.totp_period;
  const auto step = crypto::verify_totp(it->second.secret, code.reveal(), static_cast<std::time_t>(clock_()),
                                        totp_params(method), std::nullopt);
  if (!step) {
    audit_.record(AuditEvent::enrollment_failed, user.name, {{"method", "totp"}, {"reason", "wrong code"}});
    if (++it->second.tries >= kTotpConfirmTries) {
      pending_totp_.erase(it);
      co_return ErrorCode::TooManyAttempts;
    }
    co_return ErrorCode::BadCode;
  }
  method.sealed_secret = crypto::seal(verifier_.sealing_key(), it->second.secret.reveal());
  method.last_step = *step;  // the confirming code is spent
  pending_totp_.erase(it);
  auto& record = loaded.value().record;
  auto before = contacts_of(record);
  record.totp = std::move(method);
  co_return co_await commit(user, std::move(record), loaded.value().version, MethodType::totp, false, std::move(before));
}

Task<DirectoryContacts> Registration::find_directory_contacts(UserAccount user) const {
  if (!directory_contacts_) co_return DirectoryContacts{};
  // A directory may be slow or hung: asked on the worker. A full worker: as if it kept nothing.
  auto job = [lookup = directory_contacts_, name = user.name] { return lookup(name); };
  auto found = co_await on_worker(worker_, std::move(job));
  co_return found.value_or(DirectoryContacts{});
}

std::pair<std::string, std::string> Registration::masked_contacts(const DirectoryContacts& known) const {
  const auto shown = [&](MethodType channel) {
    return offered(channel) && known.of(channel) ? masked(channel, *known.of(channel)) : std::string();
  };
  return {shown(MethodType::email), shown(MethodType::sms)};
}

Task<Result<Done>> Registration::begin_contact(Caller caller, UserAccount user, MethodType channel, std::string address,
                                             std::function<void(Result<ContactOffer>)> on_sent) {
  if (channel != MethodType::email && channel != MethodType::sms) co_return ErrorCode::InvalidArgument;
  if (!offered(channel)) co_return ErrorCode::MethodNotOffered;
  // An empty address means "the one the directory has for me": looked up first, then the rest
  // as for a typed address.
  if (address.empty() && directory_contacts_) {
    const auto known = co_await find_directory_contacts(user);
    const auto from_directory = known.of(channel);
    address = from_directory ? *from_directory : std::string();
  }
  co_return co_await send_contact_code(std::move(caller), std::move(user), channel, std::move(address),
                                       std::move(on_sent));
}

Task<Result<Done>> Registration::send_contact_code(Caller caller, UserAccount user, MethodType channel,
                                                 std::string address,
                                                 std::function<void(Result<ContactOffer>)> on_sent) {
  const bool valid = channel == MethodType::email ? delivery::valid_email_address(address)
                                                  : delivery::valid_e164_number(address);
  if (!valid) co_return ErrorCode::InvalidAddress;
  auto loaded = co_await load_for_change(caller, user);
  if (!loaded) co_return loaded.error();

  const std::int64_t now = clock_();
  // Counted before sending: the message that would exceed the limit is the one refused.
  sweep_pending();
  if (pending_contacts_.size() >= kMaxPending) co_return ErrorCode::RateLimited;
  const auto verdict = throttle_.record(user.name, caller.origin().key, throttle::Event::delivery());
  if (!verdict || verdict->blocked) co_return ErrorCode::RateLimited;

  Secret code = crypto::random_digits(config_.code_length);
  PendingContact pending;
  pending.address = address;
  pending.code_digest = verifier_.sent_code_digest(code);
  pending.expires = now + static_cast<std::int64_t>(config_.code_lifetime_minutes) * 60;
  const auto key = std::make_pair(user.name, channel);
  pending_contacts_[key] = pending;  // a new code voids the previous one
  const ContactOffer offer{masked(channel, pending.address), pending.expires};
  const std::string digest = pending.code_digest;
  const bool queued = messenger_.send_code(
      channel, pending.address, user.name, code, config_.code_lifetime_minutes,
      [this, key, digest, offer, on_sent = std::move(on_sent)](bool ok) {
        auto it = pending_contacts_.find(key);
        // Only the code of this request counts as sent; a newer request replaced it otherwise.
        if (it != pending_contacts_.end() && it->second.code_digest == digest) {
          if (ok)
            it->second.sent = true;
          else
            pending_contacts_.erase(it);
        }
        if (ok)
          on_sent(offer);
        else
          on_sent(ErrorCode::DeliveryFailed);
      });
  if (!queued) {
    pending_contacts_.erase(key);
    co_return ErrorCode::DeliveryFailed;
  }
  co_return Done{};
}

Task<Result<Done>> Registration::confirm_contact(Caller caller, UserAccount user, MethodType channel, Secret code) {
  const auto key = std::make_pair(user.name, channel);
  {
    const auto it = pending_contacts_.find(key);
    if (it == pending_contacts_.end() || !it->second.sent) co_return ErrorCode::NotPermitted;
    if (it->second.expires <= clock_()) {
      pending_contacts_.erase(it);
      co_return ErrorCode::ChallengeExpired;
    }
    if (!verifier_.sent_code_matches(it->second.code_digest, code)) {
      audit_.record(AuditEvent::enrollment_failed, user.name, {{"method", to_string(channel)}, {"reason", "wrong code"}});
      if (++it->second.tries >= config_.code_max_tries) {
        pending_contacts_.erase(it);
        co_return ErrorCode::TooManyAttempts;
      }
      co_return ErrorCode::BadCode;
    }
  }
  const auto held = co_await locks_.lock(user.name);
  auto loaded = co_await load_for_change(caller, user);
  if (!loaded) co_return loaded.error();
  // Looked up again: a new code may have replaced this one while the record was read.
  const auto it = pending_contacts_.find(key);
  if (it == pending_contacts_.end() || !verifier_.sent_code_matches(it->second.code_digest, code))
    co_return ErrorCode::NotPermitted;
  auto& record = loaded.value().record;
  auto before = contacts_of(record);
  if (channel == MethodType::email)
    record.email = ContactMethod{it->second.address};
  else
    record.sms = ContactMethod{it->second.address};
  pending_contacts_.erase(it);  // single use
  co_return co_await commit(user, std::move(record), loaded.value().version, channel, false, std::move(before));
}

Task<Result<Done>> Registration::set_questions(Caller caller, UserAccount user,
                                             std::vector<std::pair<std::string, Secret>> answers) {
  if (!offered(MethodType::questions)) co_return ErrorCode::MethodNotOffered;
  if (answers.size() != config_.questions_count) co_return ErrorCode::InvalidAnswers;
  const auto pool = question_pool();
  std::set<std::string> questions_seen;
  std::vector<Secret> normalized_answers;
  for (const auto& [question, answer] : answers) {
    if (std::find(pool.begin(), pool.end(), question) == pool.end()) co_return ErrorCode::InvalidAnswers;
    if (!questions_seen.insert(question).second) co_return ErrorCode::InvalidAnswers;
    auto normalized = crypto::normalize_answer(answer.reveal());
    if (!normalized) co_return ErrorCode::InvalidAnswers;
    for (const auto& other : normalized_answers)
      if (other.equals(*normalized)) co_return ErrorCode::InvalidAnswers;
    normalized_answers.push_back(std::move(*normalized));
  }
  // Refused before any hashing when the caller may not change the info now.
  if (auto allowed = co_await load_for_change(caller, user); !allowed) co_return allowed.error();
  std::vector<std::string> questions;
  for (const auto& qa : answers) questions.push_back(qa.first);
  answers.clear();
  // Argon2id is slow on purpose: on the worker; the record is read again and written after.
  auto given = std::make_shared<std::vector<Secret>>(std::move(normalized_answers));
  auto hash = [given] {
    std::vector<std::string> out;
    for (const auto& answer : *given) out.push_back(crypto::hash_answer(answer));
    given->clear();
    return out;
  };
  auto hashes = co_await on_worker(worker_, std::move(hash));
  if (!hashes) co_return ErrorCode::RateLimited;  // the worker is full
  if (hashes->size() != questions.size()) co_return ErrorCode::Internal;
  const auto held = co_await locks_.lock(user.name);
  auto loaded = co_await load_for_change(caller, user);
  if (!loaded) co_return loaded.error();
  QuestionsMethod method;
  for (std::size_t i = 0; i < questions.size(); ++i) method.items.push_back({questions[i], (*hashes)[i]});
  auto& record = loaded.value().record;
  auto before = contacts_of(record);
  record.questions = std::move(method);
  co_return co_await commit(user, std::move(record), loaded.value().version, MethodType::questions, false, std::move(before));
}

Task<Result<std::vector<Secret>>> Registration::regenerate_recovery_codes(Caller caller, UserAccount user) {
  if (!offered(MethodType::recovery_codes)) co_return ErrorCode::MethodNotOffered;
  const auto held = co_await locks_.lock(user.name);
  auto loaded = co_await load_for_change(caller, user);
  if (!loaded) co_return loaded.error();
  auto codes = crypto::generate_recovery_codes(10);
  RecoveryCodesMethod method;
  for (const auto& code : codes) {
    const auto canonical = crypto::canonical_recovery_code(code.reveal());
    if (!canonical) co_return ErrorCode::Internal;
    method.digests.push_back(verifier_.recovery_code_digest(*canonical));
  }
  auto& record = loaded.value().record;
  auto before = contacts_of(record);
  record.recovery_codes = std::move(method);  // the old set is void
  auto committed = co_await commit(user, std::move(record), loaded.value().version, MethodType::recovery_codes, false, std::move(before));
  if (!committed) co_return committed.error();
  co_return codes;
}

Task<Result<Done>> Registration::remove_method(Caller caller, UserAccount user, MethodType type) {
  const auto held = co_await locks_.lock(user.name);
  auto loaded = co_await load_for_change(caller, user);
  if (!loaded) co_return loaded.error();
  auto& record = loaded.value().record;
  if (!record.has(type)) co_return ErrorCode::NotEnrolled;
  auto before = contacts_of(record);
  record.remove(type);
  co_return co_await commit(user, std::move(record), loaded.value().version, type, true, std::move(before));
}

Task<Result<Grace>> Registration::skip_registration(Caller caller, UserAccount user) {
  if (caller.uid != 0) co_return ErrorCode::AccessDenied;
  const auto held = co_await locks_.lock(user.name);
  auto loaded = co_await store_.load(user.name);
  if (loaded.state == RecordState::unavailable) co_return ErrorCode::BackendUnavailable;
  if (loaded.state == RecordState::corrupt) co_return ErrorCode::CorruptRecord;
  auto& record = loaded.record;
  const std::int64_t now = clock_();
  const auto grace = grace_of(config_, record, now);
  if (!grace.can_skip) co_return ErrorCode::NotPermitted;
  if (record.first_prompted == 0) record.first_prompted = now;
  ++record.skips_used;
  if (const auto saved = co_await store_.save(user.name, record, std::move(loaded.version)); !saved)
    co_return saved.error() == ErrorCode::RecordChanged ? ErrorCode::RecordChanged : ErrorCode::Internal;
  const auto after = grace_of(config_, record, now);
  audit_.record(AuditEvent::registration_skipped, user.name, {{"skips_left", std::to_string(after.skips_left)}});
  co_return after;
}

Task<Result<Done>> Registration::reconfirm(UserAccount user) {
  const auto held = co_await locks_.lock(user.name);
  auto loaded = co_await store_.load(user.name);
  if (loaded.state == RecordState::unavailable) co_return ErrorCode::BackendUnavailable;
  if (loaded.state != RecordState::present || loaded.record.method_count() == 0) co_return ErrorCode::NotEnrolled;
  loaded.record.last_confirmed = clock_();
  loaded.record.first_prompted = 0;
  loaded.record.skips_used = 0;
  if (const auto saved = co_await store_.save(user.name, loaded.record, loaded.version); !saved)
    co_return saved.error() == ErrorCode::RecordChanged ? ErrorCode::RecordChanged : ErrorCode::Internal;
  audit_.record(AuditEvent::reconfirmed, user.name);
  co_return Done{};
}

Task<Result<Done>> Registration::step_up(Caller caller, UserAccount user, std::string method, Secret response) {
  if (method == "recovery_code") method = to_string(MethodType::recovery_codes);  // the older spelling
  const auto type = method_type_from_string(method);
  const bool code = type == MethodType::totp || type == MethodType::recovery_codes;
  if (!code && method != "password") co_return ErrorCode::InvalidArgument;
  // Blocked only where the failures came from (or everywhere at the ceiling); a block of
  // resets elsewhere does not stop the user proving it is them here.
  const auto before = throttle_.check(user.name, caller.origin().key);
  if (!before || before->blocked) co_return ErrorCode::StepUpBlocked;
  // A method disabled after too many failures in a row proves nothing until an administrator
  // enables it again (the password still does).
  if (const auto throttled = throttle::method_from_string(method);
      throttled && std::find(before->disabled_methods.begin(), before->disabled_methods.end(), *throttled) !=
                       before->disabled_methods.end())
    co_return ErrorCode::NotEnrolled;
  if (method == "password") {
    if (!password_check_) co_return finish_step_up(caller, user.name, method, false);
    // A second guess while one is checked would pass the throttle before the first counts.
    if (password_checks_.count(user.name) != 0) co_return ErrorCode::NotPermitted;
    password_checks_.insert(user.name);
    auto password = std::make_shared<Secret>(std::move(response));
    auto job = [check = password_check_, name = user.name, password] {
      const bool ok = check(name, *password);
      password->clear();
      return ok;
    };
    const auto proven = co_await on_worker(worker_, std::move(job));
    password_checks_.erase(user.name);
    if (!proven) co_return ErrorCode::RateLimited;  // the worker is full
    co_return finish_step_up(caller, user.name, method, *proven);
  }
  const auto held = co_await locks_.lock(user.name);
  auto loaded = co_await store_.load(user.name);
  if (loaded.state == RecordState::unavailable) co_return ErrorCode::BackendUnavailable;
  if (loaded.state == RecordState::corrupt) co_return ErrorCode::CorruptRecord;
  const bool proven = co_await proofs_.check_code(user.name, loaded, *type, response);
  co_return finish_step_up(caller, user.name, method, proven);
}

Result<Done> Registration::finish_step_up(const Caller& caller, const std::string& user, std::string_view method,
                                        bool proven) {
  auto counted =
      proofs_.count(Proofs::Purpose::step_up, user, caller.origin(), method, proven, ErrorCode::BadCode, ErrorCode::StepUpBlocked);
  if (counted) step_ups_[{caller.sender, user}] = clock_() + kStepUpLifetime;
  return counted;
}

void Registration::sweep_pending() {
  // An offer or a sent code that expired can never be confirmed: it goes, so abandoned ones
  // never fill the table (each user has at most one per method anyway).
  const std::int64_t now = clock_();
  std::erase_if(pending_totp_, [now](const auto& entry) { return entry.second.expires < now; });
  std::erase_if(pending_contacts_, [now](const auto& entry) { return entry.second.expires <= now; });
}

void Registration::forget_caller(const std::string& sender) {
  std::erase_if(step_ups_, [&](const auto& entry) { return entry.first.first == sender; });
}

}  // namespace sspr::daemon
