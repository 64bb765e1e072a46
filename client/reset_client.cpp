#include "reset_client.hpp"

#include "bus_connection.hpp"
#include "bus_names.hpp"
#include "errors.hpp"
#include "text.hpp"

namespace sspr::client {
namespace {

// Setting the password hashes and takes the shadow locks (bounded in ssprd).
constexpr std::uint64_t kWriteTimeoutUsec = 60u * 1000000u;


// Sends a (sensitive) request that makes ssprd write a password; when the password was
// refused, the error's message is the reason the user sees.
Result<Done> call_password_write(sd_bus* bus, sd_bus_message* request, std::string& reason) {
  BusError error;
  sd_bus_message* raw = nullptr;
  const int r = sd_bus_call(bus, request, kWriteTimeoutUsec, error.get(), &raw);
  MessagePtr reply(raw);
  if (r < 0) {
    const auto code = error_code_of(error, r);
    // A refused password: ssprd (or the directory behind it) says why, in words for the user.
    if (error_info(code).user_text) reason = escape_untrusted(error.message());
    return code;
  }
  return Done{};
}

}  // namespace

ErrorCode ResetClient::refused(const BusError& error, int r) {
  const auto code = error_code_of(error, r);
  // Shown on a terminal: escaped like any text that crossed a process boundary.
  refusal_text_ = error_info(code).user_text ? escape_untrusted(error.message()) : std::string();
  return code;
}

Result<ResetClient> ResetClient::connect(std::uint64_t timeout_ms) {
  BusPtr bus;
  if (open_system_bus(timeout_ms * 1000u, bus) < 0) return ErrorCode::ServiceUnknown;
  return ResetClient(std::move(bus), timeout_ms * 1000u);
}

Result<ResetStart> ResetClient::start(const std::string& user, const std::string& remote_host) {
  BusError error;
  sd_bus_message* raw = nullptr;
  int r = sd_bus_call_method(bus_.get(), bus::kServiceName, bus::kManagerPath, bus::kManagerInterface, "StartReset",
                             error.get(), &raw, "ss", user.c_str(), remote_host.c_str());
  MessagePtr reply(raw);
  if (r < 0) return refused(error, r);
  ResetStart out;
  const char* path = nullptr;
  if (sd_bus_message_read(reply.get(), "o", &path) < 0) return ErrorCode::Internal;
  out.session_path = path;
  if (sd_bus_message_enter_container(reply.get(), 'a', "(ss)") < 0) return ErrorCode::Internal;
  const char *type = nullptr, *masked = nullptr;
  while ((r = sd_bus_message_read(reply.get(), "(ss)", &type, &masked)) > 0) out.methods.emplace_back(type, masked);
  if (r < 0 || sd_bus_message_exit_container(reply.get()) < 0 || sd_bus_message_read(reply.get(), "u", &out.required) < 0)
    return ErrorCode::Internal;
  session_path_ = out.session_path;
  return out;
}

Result<std::string> ResetClient::send_code(const std::string& method) {
  BusError error;
  sd_bus_message* raw = nullptr;
  const int r = sd_bus_call_method(bus_.get(), bus::kServiceName, session_path_.c_str(), bus::kSessionInterface, "SendCode",
                                   error.get(), &raw, "s", method.c_str());
  MessagePtr reply(raw);
  if (r < 0) return refused(error, r);
  const char* masked = nullptr;
  if (sd_bus_message_read(reply.get(), "s", &masked) < 0) return ErrorCode::Internal;
  return std::string(masked);
}

Result<ResetProgress> ResetClient::verify(const std::string& method, const Secret& response) {
  sd_bus_message* raw = nullptr;
  if (sd_bus_message_new_method_call(bus_.get(), &raw, bus::kServiceName, session_path_.c_str(), bus::kSessionInterface,
                                     "Verify") < 0)
    return ErrorCode::Internal;
  MessagePtr request(raw);
  if (sd_bus_message_sensitive(request.get()) < 0 ||
      sd_bus_message_append(request.get(), "ss", method.c_str(), response.c_str()) < 0)
    return ErrorCode::Internal;
  return call_for_progress(request.get());
}

Result<ResetProgress> ResetClient::call_for_progress(sd_bus_message* request) {
  BusError error;
  sd_bus_message* raw = nullptr;
  const int r = sd_bus_call(bus_.get(), request, timeout_usec_, error.get(), &raw);
  MessagePtr reply(raw);
  if (r < 0) return refused(error, r);
  int verified = 0;
  ResetProgress progress;
  if (sd_bus_message_read(reply.get(), "bu", &verified, &progress.remaining) < 0) return ErrorCode::Internal;
  progress.verified = verified;
  return progress;
}

Result<std::vector<std::string>> ResetClient::questions() {
  BusError error;
  sd_bus_message* raw = nullptr;
  int r = sd_bus_call_method(bus_.get(), bus::kServiceName, session_path_.c_str(), bus::kSessionInterface, "GetQuestions",
                             error.get(), &raw, "");
  MessagePtr reply(raw);
  if (r < 0) return refused(error, r);
  std::vector<std::string> out;
  if (sd_bus_message_enter_container(reply.get(), 'a', "s") < 0) return ErrorCode::Internal;
  const char* q = nullptr;
  while ((r = sd_bus_message_read(reply.get(), "s", &q)) > 0) out.emplace_back(q);
  if (r < 0) return ErrorCode::Internal;
  return out;
}

Result<ResetProgress> ResetClient::verify_answers(const std::vector<Secret>& answers) {
  sd_bus_message* raw = nullptr;
  if (sd_bus_message_new_method_call(bus_.get(), &raw, bus::kServiceName, session_path_.c_str(), bus::kSessionInterface,
                                     "VerifyAnswers") < 0)
    return ErrorCode::Internal;
  MessagePtr request(raw);
  if (sd_bus_message_sensitive(request.get()) < 0 || sd_bus_message_open_container(request.get(), 'a', "s") < 0)
    return ErrorCode::Internal;
  for (const auto& a : answers)
    if (sd_bus_message_append(request.get(), "s", a.c_str()) < 0) return ErrorCode::Internal;
  if (sd_bus_message_close_container(request.get()) < 0) return ErrorCode::Internal;
  return call_for_progress(request.get());
}

Result<Done> ResetClient::set_password(const Secret& password, std::string& reason) {
  sd_bus_message* raw = nullptr;
  if (sd_bus_message_new_method_call(bus_.get(), &raw, bus::kServiceName, session_path_.c_str(), bus::kSessionInterface,
                                     "SetPassword") < 0)
    return ErrorCode::Internal;
  MessagePtr request(raw);
  if (sd_bus_message_sensitive(request.get()) < 0 || sd_bus_message_append(request.get(), "s", password.c_str()) < 0)
    return ErrorCode::Internal;
  return call_password_write(bus_.get(), request.get(), reason);
}

Result<Done> ResetClient::change_password(const std::string& user, const Secret& current, const Secret& next,
                                          std::string& reason) {
  sd_bus_message* raw = nullptr;
  if (sd_bus_message_new_method_call(bus_.get(), &raw, bus::kServiceName, bus::kManagerPath, bus::kManagerInterface,
                                     "ChangePassword") < 0)
    return ErrorCode::Internal;
  MessagePtr request(raw);
  if (sd_bus_message_sensitive(request.get()) < 0 ||
      sd_bus_message_append(request.get(), "sss", user.c_str(), current.c_str(), next.c_str()) < 0)
    return ErrorCode::Internal;
  return call_password_write(bus_.get(), request.get(), reason);
}

Result<Done> ResetClient::ping() {
  BusError error;
  sd_bus_message* raw = nullptr;
  const int r = sd_bus_call_method(bus_.get(), bus::kServiceName, bus::kManagerPath, "org.freedesktop.DBus.Peer",
                                   "Ping", error.get(), &raw, "");
  MessagePtr reply(raw);
  if (r < 0) return refused(error, r);
  return Done{};
}

Result<Done> ResetClient::unlock(const std::string& user) {
  BusError error;
  sd_bus_message* raw = nullptr;
  const int r = sd_bus_call_method(bus_.get(), bus::kServiceName, bus::kManagerPath, bus::kManagerInterface,
                                   "UnlockReset", error.get(), &raw, "s", user.c_str());
  MessagePtr reply(raw);
  if (r < 0) return refused(error, r);
  return Done{};
}

}  // namespace sspr::client
