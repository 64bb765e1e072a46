#include "reset_bus.hpp"

#include "bus_auth.hpp"
#include "bus_util.hpp"

#include <memory>

namespace sspr::daemon {
namespace {

constexpr std::size_t kMaxArgument = 512;

std::string sender_of(sd_bus_message* m) {
  const char* s = sd_bus_message_get_sender(m);
  return s ? s : "";
}

// The session id of a path under bus::kSessionPathPrefix, or empty.
std::string session_id(const char* path) {
  char* id = nullptr;
  if (sd_bus_path_decode(path, bus::kSessionPathPrefix, &id) <= 0 || id == nullptr) return {};
  std::string out(id);
  free(id);
  return out;
}

// The session object is resolved here, once per call: a session is visible only to the
// connection that started it. To anybody else it does not exist
// (org.freedesktop.DBus.Error.UnknownObject), so ids cannot be probed either. The handlers get
// it as their userdata.
int find_session(sd_bus* bus, const char* path, const char*, void* userdata, void** found, sd_bus_error*) noexcept {
  try {
    auto& ctx = *static_cast<BusContext*>(userdata);
    sd_bus_message* current = sd_bus_get_current_message(bus);
    if (current == nullptr || ctx.reset == nullptr) return 0;
    const auto id = session_id(path);
    if (id.empty()) return 0;
    const auto session = ctx.reset->find(id, sender_of(current));
    if (session == nullptr) return 0;
    *found = session.get();  // the service's map keeps it while this call is dispatched
    return 1;
  } catch (...) {
    return 0;
  }
}

// The reply to a password write. A refused password says exactly why (the quality check's or
// the directory's words), so the user can choose another.
int reply_written(sd_bus_message* m, const PasswordOutcome& written, sd_bus_error* error) {
  if (written.result) return sd_bus_reply_method_return(m, "");
  const auto& info = error_info(written.result.error());
  if (info.user_text && !written.user_text.empty())
    return sd_bus_error_set(error, info.bus_name.data(), written.user_text.c_str());
  return set_bus_error(error, written.result.error());
}

// A refusal; a blocked user is told for how long (ResetBlocks::notice), everything else the
// table's text.
int refuse(sd_bus_error* error, const BusContext& ctx, ErrorCode code, const std::string& user, const Origin& origin) {
  const bool block = code == ErrorCode::RateLimited || code == ErrorCode::ChangeBlocked;
  if (block && !user.empty() && ctx.blocks != nullptr)
    return sd_bus_error_set(error, error_info(code).bus_name.data(), ctx.blocks->notice(code, user, origin).c_str());
  return set_bus_error(error, code);
}

// A Session method: gets the call, the context and the session find_session resolved.
using SessionHandler = int (*)(sd_bus_message*, BusContext&, std::shared_ptr<ResetSession>, sd_bus_error*);

// The context is the userdata the session vtable was registered with: the current slot's.
BusContext& context_of(sd_bus_message* m) {
  return *static_cast<BusContext*>(sd_bus_slot_get_userdata(sd_bus_get_current_slot(sd_bus_message_get_bus(m))));
}

// Runs a Session method for the resolved session; the method holds it for as long as its
// step runs (a caller who leaves meanwhile finds it ended, never freed under it).
template <SessionHandler Handler>
int session_method(sd_bus_message* m, void* userdata, sd_bus_error* error) noexcept {
  return guard_bus_call("session", error, [&]() -> int {
    return Handler(m, context_of(m), static_cast<ResetSession*>(userdata)->shared_from_this(), error);
  });
}

// The reply of Verify and VerifyAnswers; a blocked user is told for how long.
auto reply_verified(BusContext& ctx, std::string user, Origin origin) {
  return [&ctx, user = std::move(user), origin = std::move(origin)](sd_bus_message* m, const Result<VerifyOutcome>& outcome,
                                                                  sd_bus_error* error) {
    if (!outcome) return refuse(error, ctx, outcome.error(), user, origin);
    return sd_bus_reply_method_return(m, "bu", outcome->verified, outcome->remaining);
  };
}

int method_verify(sd_bus_message* m, BusContext& ctx, std::shared_ptr<ResetSession> session, sd_bus_error* error) {
  const char *method = nullptr, *response = nullptr;
  int r = sd_bus_message_read(m, "ss", &method, &response);
  if (r < 0) return r;
  if (std::string_view(method).size() > kMaxArgument || std::string_view(response).size() > kMaxArgument)
    return set_bus_error(error, ErrorCode::InvalidArgument);
  auto reply = reply_verified(ctx, session->user(), session->origin());
  return answer(m, ctx.reset->verify(std::move(session), method, Secret(response)), std::move(reply));
}

int method_set_password(sd_bus_message* m, BusContext& ctx, std::shared_ptr<ResetSession> session,
                        sd_bus_error* error) {
  const char* password = nullptr;
  int r = sd_bus_message_read(m, "s", &password);
  if (r < 0) return r;
  if (std::string_view(password).size() > kMaxArgument) return set_bus_error(error, ErrorCode::LowPasswordQuality);
  return answer(m, ctx.reset->set_password(std::move(session), Secret(password)), reply_written);
}

int method_send_code(sd_bus_message* m, BusContext& ctx, std::shared_ptr<ResetSession> session, sd_bus_error* error) {
  const char* method = nullptr;
  int r = sd_bus_message_read(m, "s", &method);
  if (r < 0) return r;
  if (std::string_view(method).size() > kMaxArgument) return set_bus_error(error, ErrorCode::InvalidArgument);
  // Answered when the code has gone out (or could not): the step itself only queues it.
  std::shared_ptr<sd_bus_message> call(sd_bus_message_ref(m), sd_bus_message_unref);
  auto sent = [call](Result<std::string> destination) {
    if (destination) {
      sd_bus_reply_method_return(call.get(), "s", destination->c_str());
    } else {
      const auto& info = error_info(destination.error());
      sd_bus_reply_method_errorf(call.get(), info.bus_name.data(), "%s", info.message.data());
    }
  };
  const std::string user = session->user();
  const Origin origin = session->origin();
  return answer(m, ctx.reset->send_code(std::move(session), method, std::move(sent)),
                [&ctx, user, origin](sd_bus_message*, const Result<Done>& queued, sd_bus_error* refusal) {
                  return queued ? 1 : refuse(refusal, ctx, queued.error(), user, origin);  // 1: `sent` replies
                });
}

int reply_questions(sd_bus_message* m, const std::vector<std::string>& asked) {
  MessagePtr reply;
  int r = new_reply(m, reply);
  if (r < 0) return r;
  if ((r = append_strings(reply.get(), asked)) < 0) return r;
  return sd_bus_send(nullptr, reply.get(), nullptr);
}

int method_get_questions(sd_bus_message* m, BusContext& ctx, std::shared_ptr<ResetSession> session, sd_bus_error*) {
  const std::string user = session->user();
  const Origin origin = session->origin();
  return answer(m, ctx.reset->questions(std::move(session)),
                [&ctx, user, origin](sd_bus_message* call, const Result<std::vector<std::string>>& asked,
                                     sd_bus_error* refusal) {
                  return asked ? reply_questions(call, *asked) : refuse(refusal, ctx, asked.error(), user, origin);
                });
}

int method_verify_answers(sd_bus_message* m, BusContext& ctx, std::shared_ptr<ResetSession> session,
                          sd_bus_error* error) {
  int r = sd_bus_message_enter_container(m, 'a', "s");
  if (r < 0) return r;
  std::vector<Secret> answers;
  const char* answer_text = nullptr;
  while ((r = sd_bus_message_read(m, "s", &answer_text)) > 0) {
    if (answers.size() >= 5 || std::string_view(answer_text).size() > kMaxArgument)
      return set_bus_error(error, ErrorCode::InvalidArgument);
    answers.emplace_back(answer_text);
  }
  if (r < 0) return r;
  auto reply = reply_verified(ctx, session->user(), session->origin());
  return answer(m, ctx.reset->verify_answers(std::move(session), std::move(answers)), std::move(reply));
}

int method_cancel(sd_bus_message* m, BusContext& ctx, std::shared_ptr<ResetSession> session, sd_bus_error* error) {
  const auto done = ctx.reset->cancel(*session);
  if (!done) return set_bus_error(error, done.error());
  return sd_bus_reply_method_return(m, "");
}

// The new session's path, the methods it offers (masked destinations) and how many to prove.
int reply_started(sd_bus_message* m, const StartedReset& started) {
  char* raw_path = nullptr;
  int r = sd_bus_path_encode(bus::kSessionPathPrefix, started.id.c_str(), &raw_path);
  if (r < 0) return r;
  std::unique_ptr<char, decltype(&free)> path(raw_path, free);
  MessagePtr reply;
  if ((r = new_reply(m, reply)) < 0) return r;
  if ((r = sd_bus_message_append(reply.get(), "o", path.get())) < 0) return r;
  if ((r = sd_bus_message_open_container(reply.get(), 'a', "(ss)")) < 0) return r;
  for (const auto& method : started.methods)
    if ((r = sd_bus_message_append(reply.get(), "(ss)", to_string(method.type), method.masked_destination.c_str())) < 0)
      return r;
  if ((r = sd_bus_message_close_container(reply.get())) < 0) return r;
  if ((r = sd_bus_message_append(reply.get(), "u", started.required)) < 0) return r;
  return sd_bus_send(nullptr, reply.get(), nullptr);
}

}  // namespace

// The caller's uid is known before this runs (caller_first).
int method_start_reset(sd_bus_message* m, void* userdata, sd_bus_error* error) noexcept {
  return guard_bus_call("StartReset", error, [&]() -> int {
    auto& ctx = *static_cast<BusContext*>(userdata);
    const char *user = nullptr, *remote_host = nullptr;
    int r = sd_bus_message_read(m, "ss", &user, &remote_host);
    if (r < 0) return r;
    if (std::string_view(user).size() > kMaxArgument) return set_bus_error(error, ErrorCode::InvalidUserName);
    if (std::string_view(remote_host).size() > kMaxArgument) return set_bus_error(error, ErrorCode::InvalidArgument);
    uid_t caller = 0;
    if (caller_uid(ctx.caller_uids, m, &caller) < 0) return set_bus_error(error, ErrorCode::AccessDenied);
    // A local user's failures count against its uid, whatever host it names; a login's (root:
    // pam_sspr) against the remote host it reports.
    const Origin origin = Origin::of_caller(caller, remote_host);
    // Watched before a session exists, so the session ends with the connection: a caller that
    // has already left gets none (a flood of resets on closed connections leaves nothing).
    const std::string sender = sender_of(m);
    if (!track_caller(ctx, m, sender)) return set_bus_error(error, ErrorCode::NoSuchSession);
    return answer(m, ctx.reset->start(sender, caller, origin, user),
                  [&ctx, sender, origin, name = std::string(user)](
                      sd_bus_message* call, const Result<StartedReset>& started, sd_bus_error* refusal) {
                    if (!started) return refuse(refusal, ctx, started.error(), name, origin);
                    // Left while the record was read: its sessions end now.
                    if (ctx.tracked_callers.count(sender) == 0) {
                      ctx.reset->forget_owner(sender);
                      return set_bus_error(refusal, ErrorCode::NoSuchSession);
                    }
                    return reply_started(call, *started);
                  });
  });
}

int method_change_password(sd_bus_message* m, void* userdata, sd_bus_error* error) noexcept {
  return guard_bus_call("ChangePassword", error, [&]() -> int {
    auto& ctx = *static_cast<BusContext*>(userdata);
    const char *user = nullptr, *current = nullptr, *next = nullptr;
    int r = sd_bus_message_read(m, "sss", &user, &current, &next);
    if (r < 0) return r;
    if (std::string_view(user).size() > kMaxArgument || std::string_view(current).size() > kMaxArgument ||
        std::string_view(next).size() > kMaxArgument)
      return set_bus_error(error, ErrorCode::InvalidArgument);
    uid_t caller = 0;
    if (caller_uid(ctx.caller_uids, m, &caller) < 0) return set_bus_error(error, ErrorCode::AccessDenied);
    auto target = ctx.manager.resolve_target(caller, user);  // root, or the user itself
    if (!target) return set_bus_error(error, target.error());
    const std::string name = target.value().name;
    BusContext* context = &ctx;
    return answer(m, ctx.change->change(target.value(), Secret(current), Secret(next)),
                  [context, name, caller](sd_bus_message* call, const PasswordOutcome& written, sd_bus_error* refusal) {
                    if (!written.result && written.result.error() == ErrorCode::ChangeBlocked)
                      return refuse(refusal, *context, ErrorCode::ChangeBlocked, name, Origin::of_caller(caller));
                    return reply_written(call, written, refusal);
                  });
  });
}

int method_unlock_reset(sd_bus_message* m, void* userdata, sd_bus_error* error) noexcept {
  return guard_bus_call("UnlockReset", error, [&]() -> int {
    auto& ctx = *static_cast<BusContext*>(userdata);
    const char* user = nullptr;
    int r = sd_bus_message_read(m, "s", &user);
    if (r < 0) return r;
    if (std::string_view(user).size() > kMaxArgument) return set_bus_error(error, ErrorCode::InvalidUserName);
    uid_t caller = 0;
    if (caller_uid(ctx.caller_uids, m, &caller) < 0) return set_bus_error(error, ErrorCode::AccessDenied);
    const auto done = ctx.blocks->unlock(caller, user);
    if (!done) return set_bus_error(error, done.error());
    return sd_bus_reply_method_return(m, "");
  });
}

const sd_bus_vtable kSessionVtable[] = {
    SD_BUS_VTABLE_START(0),
    SD_BUS_METHOD_WITH_ARGS("SendCode", SD_BUS_ARGS("s", method), SD_BUS_RESULT("s", masked_destination),
                            session_method<method_send_code>, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_ARGS("Verify", SD_BUS_ARGS("s", method, "s", response),
                            SD_BUS_RESULT("b", verified, "u", remaining), session_method<method_verify>,
                            SD_BUS_VTABLE_UNPRIVILEGED | SD_BUS_VTABLE_SENSITIVE),
    SD_BUS_METHOD_WITH_ARGS("GetQuestions", SD_BUS_NO_ARGS, SD_BUS_RESULT("as", questions),
                            session_method<method_get_questions>, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_ARGS("VerifyAnswers", SD_BUS_ARGS("as", answers), SD_BUS_RESULT("b", verified, "u", remaining),
                            session_method<method_verify_answers>, SD_BUS_VTABLE_UNPRIVILEGED | SD_BUS_VTABLE_SENSITIVE),
    SD_BUS_METHOD_WITH_ARGS("SetPassword", SD_BUS_ARGS("s", new_password), SD_BUS_NO_RESULT,
                            session_method<method_set_password>, SD_BUS_VTABLE_UNPRIVILEGED | SD_BUS_VTABLE_SENSITIVE),
    SD_BUS_METHOD_WITH_ARGS("Cancel", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT, session_method<method_cancel>,
                            SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_VTABLE_END};

int add_session_objects(sd_bus* bus, BusContext& context, sd_bus_slot** slot) noexcept {
  return sd_bus_add_fallback_vtable(bus, slot, bus::kSessionPathPrefix, bus::kSessionInterface, kSessionVtable, find_session,
                                    &context);
}

}  // namespace sspr::daemon
