#include "registration_bus.hpp"

#include "bus_auth.hpp"
#include "bus_context.hpp"
#include "bus_util.hpp"
#include "text.hpp"

#include <memory>

namespace sspr::daemon {
namespace {

constexpr std::size_t kMaxUserArgument = 256;
constexpr std::size_t kMaxShortArgument = 256;   // method names, codes, addresses
constexpr std::size_t kMaxSecretArgument = 512;  // passwords, answers

uint64_t usec(std::int64_t seconds) { return seconds > 0 ? static_cast<uint64_t>(seconds) * 1000000u : 0; }

// Reads the leading user argument, establishes the caller and resolves the target, then runs
// `body`. Every refusal is a named error from the table.
template <class Body>
int with_target(const char* what, sd_bus_message* m, void* userdata, sd_bus_error* error, Body&& body) noexcept {
  return guard_bus_call(what, error, [&]() -> int {
    auto& ctx = *static_cast<BusContext*>(userdata);
    const char* user = nullptr;
    int r = sd_bus_message_read(m, "s", &user);
    if (r < 0) return r;
    if (std::string_view(user).size() > kMaxUserArgument) return set_bus_error(error, ErrorCode::InvalidUserName);
    Caller caller;
    if (caller_uid(ctx.caller_uids, m, &caller.uid) < 0) return set_bus_error(error, ErrorCode::AccessDenied);
    caller.sender = sd_bus_message_get_sender(m) ? sd_bus_message_get_sender(m) : "";
    auto target = ctx.manager.resolve_target(caller.uid, user);
    if (!target) return set_bus_error(error, target.error());
    return body(ctx, caller, target.value());
  });
}

bool too_long(const char* s, std::size_t bound) { return std::string_view(s).size() > bound; }

std::optional<MethodType> read_method(const char* name) { return method_type_from_string(name); }

// The replies, from the steps' values (reply_when_done in bus_util.hpp calls them).
int reply_details(sd_bus_message* m, const Result<RegistrationDetails>& details, sd_bus_error* error) {
  if (!details) return set_bus_error(error, details.error());
  MessagePtr reply;
  int r = new_reply(m, reply);
  if (r < 0) return r;
  if ((r = sd_bus_message_open_container(reply.get(), 'a', "(sstt)")) < 0) return r;
  for (const auto& method : details->methods)
    if ((r = sd_bus_message_append(reply.get(), "(sstt)", to_string(method.type), method.masked_destination.c_str(),
                                   usec(method.added), usec(method.usable_from))) < 0)
      return r;
  if ((r = sd_bus_message_close_container(reply.get())) < 0) return r;
  if ((r = sd_bus_message_open_container(reply.get(), 'a', "s")) < 0) return r;
  for (auto t : details->offered)
    if ((r = sd_bus_message_append(reply.get(), "s", to_string(t))) < 0) return r;
  if ((r = sd_bus_message_close_container(reply.get())) < 0) return r;
  if ((r = sd_bus_message_append(reply.get(), "ut", details->methods_required, usec(details->reconfirm_by))) < 0)
    return r;
  return sd_bus_send(nullptr, reply.get(), nullptr);
}

// The secret goes back exactly once, to the registering user; the reply is wiped when freed.
int reply_totp_offer(sd_bus_message* m, const Result<TotpOffer>& offer, sd_bus_error* error) {
  if (!offer) return set_bus_error(error, offer.error());
  MessagePtr reply;
  int r = new_reply(m, reply);
  if (r < 0) return r;
  if ((r = sd_bus_message_sensitive(reply.get())) < 0) return r;
  if ((r = sd_bus_message_append(reply.get(), "sss", offer->secret_base32.c_str(), offer->otpauth_uri.c_str(),
                                 offer->qr_text.c_str())) < 0)
    return r;
  return sd_bus_send(nullptr, reply.get(), nullptr);
}

int reply_recovery_codes(sd_bus_message* m, const Result<std::vector<Secret>>& codes, sd_bus_error* error) {
  if (!codes) return set_bus_error(error, codes.error());
  MessagePtr reply;
  int r = new_reply(m, reply);
  if (r < 0) return r;
  if ((r = sd_bus_message_sensitive(reply.get())) < 0) return r;
  if ((r = append_strings(reply.get(), codes.value())) < 0) return r;
  return sd_bus_send(nullptr, reply.get(), nullptr);
}

int reply_grace(sd_bus_message* m, const Result<Grace>& grace, sd_bus_error* error) {
  if (!grace) return set_bus_error(error, grace.error());
  return sd_bus_reply_method_return(m, "ut", grace->skips_left, usec(grace->deadline));
}

// A step that only queues a message: the delivery's callback replies (1: nothing to send now).
int reply_when_delivered(sd_bus_message*, const Result<Done>& queued, sd_bus_error* error) {
  return queued ? 1 : set_bus_error(error, queued.error());
}

}  // namespace

int method_get_registration(sd_bus_message* m, void* userdata, sd_bus_error* error) noexcept {
  return with_target("GetRegistration", m, userdata, error, [&](BusContext& ctx, const Caller&, const UserAccount& u) {
    return answer(m, ctx.registration->details(u), reply_details);
  });
}

int method_get_directory_contacts(sd_bus_message* m, void* userdata, sd_bus_error* error) noexcept {
  return with_target("GetDirectoryContacts", m, userdata, error, [&](BusContext& ctx, const Caller&, const UserAccount& u) {
    const Registration* registration = ctx.registration;
    return answer(m, registration->find_directory_contacts(u),
                  [registration](sd_bus_message* call, const DirectoryContacts& known, sd_bus_error*) {
                    const auto [email, phone] = registration->masked_contacts(known);
                    return sd_bus_reply_method_return(call, "ss", email.c_str(), phone.c_str());
                  });
  });
}

int method_begin_totp(sd_bus_message* m, void* userdata, sd_bus_error* error) noexcept {
  return with_target("BeginTotp", m, userdata, error, [&](BusContext& ctx, const Caller& c, const UserAccount& u) {
    return answer(m, ctx.registration->begin_totp(c, u), reply_totp_offer);
  });
}

int method_confirm_totp(sd_bus_message* m, void* userdata, sd_bus_error* error) noexcept {
  return with_target("ConfirmTotp", m, userdata, error, [&](BusContext& ctx, const Caller& c, const UserAccount& u) {
    const char* code = nullptr;
    int r = sd_bus_message_read(m, "s", &code);
    if (r < 0) return r;
    if (too_long(code, kMaxShortArgument)) return set_bus_error(error, ErrorCode::InvalidArgument);
    return answer(m, ctx.registration->confirm_totp(c, u, Secret(code)), reply_done);
  });
}

int method_begin_contact(sd_bus_message* m, void* userdata, sd_bus_error* error) noexcept {
  return with_target("BeginContact", m, userdata, error, [&](BusContext& ctx, const Caller& c, const UserAccount& u) {
    const char *type = nullptr, *address = nullptr;
    int r = sd_bus_message_read(m, "ss", &type, &address);
    if (r < 0) return r;
    const auto method = read_method(type);
    if (!method || too_long(address, kMaxShortArgument)) return set_bus_error(error, ErrorCode::InvalidArgument);
    // Answered when the code has gone out (or could not).
    std::shared_ptr<sd_bus_message> call(sd_bus_message_ref(m), sd_bus_message_unref);
    auto on_sent = [call](Result<ContactOffer> sent) {
      if (sent)
        sd_bus_reply_method_return(call.get(), "st", sent->masked_destination.c_str(), usec(sent->expires));
      else {
        const auto& info = error_info(sent.error());
        sd_bus_reply_method_errorf(call.get(), info.bus_name.data(), "%s", info.message.data());
      }
    };
    return answer(m, ctx.registration->begin_contact(c, u, *method, address, std::move(on_sent)), reply_when_delivered);
  });
}

int method_confirm_contact(sd_bus_message* m, void* userdata, sd_bus_error* error) noexcept {
  return with_target("ConfirmContact", m, userdata, error, [&](BusContext& ctx, const Caller& c, const UserAccount& u) {
    const char *type = nullptr, *code = nullptr;
    int r = sd_bus_message_read(m, "ss", &type, &code);
    if (r < 0) return r;
    const auto method = read_method(type);
    if (!method || too_long(code, kMaxShortArgument)) return set_bus_error(error, ErrorCode::InvalidArgument);
    return answer(m, ctx.registration->confirm_contact(c, u, *method, Secret(code)), reply_done);
  });
}

int method_get_security_questions(sd_bus_message* m, void* userdata, sd_bus_error* error) noexcept {
  return guard_bus_call("GetSecurityQuestions", error, [&]() -> int {
    auto& ctx = *static_cast<BusContext*>(userdata);
    MessagePtr reply;
    int r = new_reply(m, reply);
    if (r < 0) return r;
    if ((r = append_strings(reply.get(), ctx.registration->question_pool())) < 0) return r;
    if ((r = sd_bus_message_append(reply.get(), "u", ctx.manager.config().questions_count)) < 0) return r;
    return sd_bus_send(nullptr, reply.get(), nullptr);
  });
}

int method_set_security_questions(sd_bus_message* m, void* userdata, sd_bus_error* error) noexcept {
  return with_target("SetSecurityQuestions", m, userdata, error, [&](BusContext& ctx, const Caller& c, const UserAccount& u) {
    std::vector<std::pair<std::string, Secret>> answers;
    int r = sd_bus_message_enter_container(m, 'a', "(ss)");
    if (r < 0) return r;
    const char *question = nullptr, *answer_text = nullptr;
    while ((r = sd_bus_message_read(m, "(ss)", &question, &answer_text)) > 0) {
      if (answers.size() >= 10 || too_long(question, 512) || too_long(answer_text, kMaxSecretArgument))
        return set_bus_error(error, ErrorCode::InvalidAnswers);
      answers.emplace_back(question, Secret(answer_text));
    }
    if (r < 0) return r;
    if ((r = sd_bus_message_exit_container(m)) < 0) return r;
    return answer(m, ctx.registration->set_questions(c, u, std::move(answers)), reply_done);
  });
}

int method_regenerate_recovery_codes(sd_bus_message* m, void* userdata, sd_bus_error* error) noexcept {
  return with_target("RegenerateRecoveryCodes", m, userdata, error,
                     [&](BusContext& ctx, const Caller& c, const UserAccount& u) {
                       return answer(m, ctx.registration->regenerate_recovery_codes(c, u), reply_recovery_codes);
                     });
}

int method_remove_method(sd_bus_message* m, void* userdata, sd_bus_error* error) noexcept {
  return with_target("RemoveMethod", m, userdata, error, [&](BusContext& ctx, const Caller& c, const UserAccount& u) {
    const char* type = nullptr;
    int r = sd_bus_message_read(m, "s", &type);
    if (r < 0) return r;
    const auto method = read_method(type);
    if (!method) return set_bus_error(error, ErrorCode::InvalidArgument);
    return answer(m, ctx.registration->remove_method(c, u, *method), reply_done);
  });
}

int method_skip_registration(sd_bus_message* m, void* userdata, sd_bus_error* error) noexcept {
  return with_target("SkipRegistration", m, userdata, error, [&](BusContext& ctx, const Caller& c, const UserAccount& u) {
    return answer(m, ctx.registration->skip_registration(c, u), reply_grace);
  });
}

int method_confirm_registration(sd_bus_message* m, void* userdata, sd_bus_error* error) noexcept {
  return with_target("ConfirmRegistration", m, userdata, error, [&](BusContext& ctx, const Caller&, const UserAccount& u) {
    return answer(m, ctx.registration->reconfirm(u), reply_done);
  });
}

int method_step_up(sd_bus_message* m, void* userdata, sd_bus_error* error) noexcept {
  return with_target("StepUp", m, userdata, error, [&](BusContext& ctx, const Caller& c, const UserAccount& u) {
    const char *method = nullptr, *response = nullptr;
    int r = sd_bus_message_read(m, "ss", &method, &response);
    if (r < 0) return r;
    if (too_long(method, kMaxShortArgument) || too_long(response, kMaxSecretArgument))
      return set_bus_error(error, ErrorCode::InvalidArgument);
    BusContext* context = &ctx;
    return answer(m, ctx.registration->step_up(c, u, method, Secret(response)),
                  [context, c, name = u.name](sd_bus_message* call, const Result<Done>& proven, sd_bus_error* refusal) {
                    // The step-up dies with the connection; one whose caller already left is dropped.
                    if (proven && !track_caller(*context, call, c.sender)) context->registration->forget_caller(c.sender);
                    // A block says what it stops, from where, and for how long.
                    if (!proven && proven.error() == ErrorCode::StepUpBlocked && context->blocks != nullptr)
                      return sd_bus_error_set(refusal, error_info(ErrorCode::StepUpBlocked).bus_name.data(),
                                              context->blocks->notice(ErrorCode::StepUpBlocked, name, c.origin()).c_str());
                    return reply_done(call, proven, refusal);
                  });
  });
}

}  // namespace sspr::daemon
