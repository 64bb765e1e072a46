#include "registration_client.hpp"

#include "bus_connection.hpp"
#include "bus_names.hpp"
#include "errors.hpp"
#include "text.hpp"

namespace sspr::client {
namespace {

// Sending a code waits for the mail or SMS server (bounded by ssprd's own timeouts).
constexpr std::uint64_t kDeliveryTimeoutUsec = 60u * 1000000u;


}  // namespace

Result<RegistrationClient> RegistrationClient::connect(std::uint64_t timeout_ms) {
  BusPtr bus;
  if (open_system_bus(timeout_ms * 1000u, bus) < 0) return ErrorCode::ServiceUnknown;
  return RegistrationClient(std::move(bus), timeout_ms * 1000u);
}

template <class Append>
Result<Done> RegistrationClient::call(const char* member, bool sensitive, std::uint64_t timeout_usec, Append&& append,
                                      MessagePtr& reply) {
  sd_bus_message* raw = nullptr;
  int r = sd_bus_message_new_method_call(bus_.get(), &raw, bus::kServiceName, bus::kManagerPath,
                                         bus::kManagerInterface, member);
  if (r < 0) return ErrorCode::Internal;
  MessagePtr request(raw);
  // Secret-bearing requests are wiped when freed.
  if (sensitive && sd_bus_message_sensitive(request.get()) < 0) return ErrorCode::Internal;
  if (append(request.get()) < 0) return ErrorCode::InvalidArgument;
  BusError error;
  raw = nullptr;
  r = sd_bus_call(bus_.get(), request.get(), timeout_usec, error.get(), &raw);
  reply.reset(raw);
  if (r < 0) {
    const ErrorCode code = error_code_of(error, r);
    // ssprd's own words where the table says they are for the user (a block: for how long).
    refusal_text_ = error_info(code).user_text ? escape_untrusted(error.message()) : std::string();
    return code;
  }
  refusal_text_.clear();
  return Done{};
}

Result<Status> RegistrationClient::status(const std::string& user) {
  MessagePtr reply;
  auto done = call("GetRegistrationStatus", false, timeout_usec_,
                   [&](sd_bus_message* m) { return sd_bus_message_append(m, "s", user.c_str()); }, reply);
  if (!done) return done.error();
  const char *name = nullptr, *reason = nullptr;
  int registered = 0, must = 0, reconfirm = 0, can_skip = 0;
  Status s;
  if (sd_bus_message_read(reply.get(), "sbbsbbut", &name, &registered, &must, &reason, &reconfirm, &can_skip,
                          &s.skips_left, &s.skip_deadline_usec) < 0)
    return ErrorCode::Internal;
  s.user = name;
  s.registered = registered;
  s.must_register = must;
  s.reason = reason;
  s.reconfirm_due = reconfirm;
  s.can_skip = can_skip;
  return s;
}

Result<Registration> RegistrationClient::registration(const std::string& user) {
  MessagePtr reply;
  auto done = call("GetRegistration", false, timeout_usec_,
                   [&](sd_bus_message* m) { return sd_bus_message_append(m, "s", user.c_str()); }, reply);
  if (!done) return done.error();
  Registration out;
  if (sd_bus_message_enter_container(reply.get(), 'a', "(sstt)") < 0) return ErrorCode::Internal;
  const char *type = nullptr, *masked = nullptr;
  std::uint64_t added = 0, usable = 0;
  int r;
  while ((r = sd_bus_message_read(reply.get(), "(sstt)", &type, &masked, &added, &usable)) > 0)
    out.methods.push_back({type, masked, added, usable});
  if (r < 0 || sd_bus_message_exit_container(reply.get()) < 0) return ErrorCode::Internal;
  if (sd_bus_message_enter_container(reply.get(), 'a', "s") < 0) return ErrorCode::Internal;
  while ((r = sd_bus_message_read(reply.get(), "s", &type)) > 0) out.offered.emplace_back(type);
  if (r < 0 || sd_bus_message_exit_container(reply.get()) < 0) return ErrorCode::Internal;
  if (sd_bus_message_read(reply.get(), "ut", &out.methods_required, &out.reconfirm_by_usec) < 0)
    return ErrorCode::Internal;
  return out;
}

Result<TotpOffer> RegistrationClient::begin_totp(const std::string& user) {
  MessagePtr reply;
  auto done = call("BeginTotp", false, timeout_usec_,
                   [&](sd_bus_message* m) { return sd_bus_message_append(m, "s", user.c_str()); }, reply);
  if (!done) return done.error();
  sd_bus_message_sensitive(reply.get());
  const char *secret = nullptr, *uri = nullptr, *qr = nullptr;
  if (sd_bus_message_read(reply.get(), "sss", &secret, &uri, &qr) < 0) return ErrorCode::Internal;
  return TotpOffer{Secret(secret), Secret(uri), Secret(qr)};
}

Result<Done> RegistrationClient::confirm_totp(const std::string& user, const Secret& code) {
  MessagePtr reply;
  return call("ConfirmTotp", true, timeout_usec_,
              [&](sd_bus_message* m) { return sd_bus_message_append(m, "ss", user.c_str(), code.c_str()); }, reply);
}

Result<ContactOffer> RegistrationClient::begin_contact(const std::string& user, const std::string& method,
                                                       const std::string& address) {
  MessagePtr reply;
  auto done = call("BeginContact", false, kDeliveryTimeoutUsec,
                   [&](sd_bus_message* m) {
                     return sd_bus_message_append(m, "sss", user.c_str(), method.c_str(), address.c_str());
                   },
                   reply);
  if (!done) return done.error();
  const char* masked = nullptr;
  ContactOffer offer;
  if (sd_bus_message_read(reply.get(), "st", &masked, &offer.expires_usec) < 0) return ErrorCode::Internal;
  offer.masked_destination = masked;
  return offer;
}

Result<std::pair<std::string, std::string>> RegistrationClient::directory_contacts(const std::string& user) {
  MessagePtr reply;
  auto done = call("GetDirectoryContacts", false, timeout_usec_,
                   [&](sd_bus_message* m) { return sd_bus_message_append(m, "s", user.c_str()); }, reply);
  if (!done) return done.error();
  const char *email = nullptr, *phone = nullptr;
  if (sd_bus_message_read(reply.get(), "ss", &email, &phone) < 0) return ErrorCode::Internal;
  return std::make_pair(std::string(email), std::string(phone));
}

Result<Done> RegistrationClient::confirm_contact(const std::string& user, const std::string& method, const Secret& code) {
  MessagePtr reply;
  return call("ConfirmContact", true, timeout_usec_,
              [&](sd_bus_message* m) {
                return sd_bus_message_append(m, "sss", user.c_str(), method.c_str(), code.c_str());
              },
              reply);
}

Result<Questions> RegistrationClient::security_questions() {
  MessagePtr reply;
  auto done = call("GetSecurityQuestions", false, timeout_usec_, [](sd_bus_message*) { return 0; }, reply);
  if (!done) return done.error();
  Questions q;
  if (sd_bus_message_enter_container(reply.get(), 'a', "s") < 0) return ErrorCode::Internal;
  const char* text = nullptr;
  int r;
  while ((r = sd_bus_message_read(reply.get(), "s", &text)) > 0) q.pool.emplace_back(text);
  if (r < 0 || sd_bus_message_exit_container(reply.get()) < 0 || sd_bus_message_read(reply.get(), "u", &q.count) < 0)
    return ErrorCode::Internal;
  return q;
}

Result<Done> RegistrationClient::set_security_questions(const std::string& user,
                                                        const std::vector<std::pair<std::string, Secret>>& qa) {
  MessagePtr reply;
  return call("SetSecurityQuestions", true, timeout_usec_,
              [&](sd_bus_message* m) {
                int r = sd_bus_message_append(m, "s", user.c_str());
                if (r < 0 || (r = sd_bus_message_open_container(m, 'a', "(ss)")) < 0) return r;
                for (const auto& [question, answer] : qa)
                  if ((r = sd_bus_message_append(m, "(ss)", question.c_str(), answer.c_str())) < 0) return r;
                return sd_bus_message_close_container(m);
              },
              reply);
}

Result<std::vector<Secret>> RegistrationClient::regenerate_recovery_codes(const std::string& user) {
  MessagePtr reply;
  auto done = call("RegenerateRecoveryCodes", false, timeout_usec_,
                   [&](sd_bus_message* m) { return sd_bus_message_append(m, "s", user.c_str()); }, reply);
  if (!done) return done.error();
  sd_bus_message_sensitive(reply.get());
  std::vector<Secret> codes;
  if (sd_bus_message_enter_container(reply.get(), 'a', "s") < 0) return ErrorCode::Internal;
  const char* code = nullptr;
  int r;
  while ((r = sd_bus_message_read(reply.get(), "s", &code)) > 0) codes.emplace_back(code);
  if (r < 0) return ErrorCode::Internal;
  return codes;
}

Result<Done> RegistrationClient::remove_method(const std::string& user, const std::string& method) {
  MessagePtr reply;
  return call("RemoveMethod", false, timeout_usec_,
              [&](sd_bus_message* m) { return sd_bus_message_append(m, "ss", user.c_str(), method.c_str()); }, reply);
}

Result<SkipResult> RegistrationClient::skip(const std::string& user) {
  MessagePtr reply;
  auto done = call("SkipRegistration", false, timeout_usec_,
                   [&](sd_bus_message* m) { return sd_bus_message_append(m, "s", user.c_str()); }, reply);
  if (!done) return done.error();
  SkipResult s;
  if (sd_bus_message_read(reply.get(), "ut", &s.skips_left, &s.deadline_usec) < 0) return ErrorCode::Internal;
  return s;
}

Result<Done> RegistrationClient::confirm_registration(const std::string& user) {
  MessagePtr reply;
  return call("ConfirmRegistration", false, timeout_usec_,
              [&](sd_bus_message* m) { return sd_bus_message_append(m, "s", user.c_str()); }, reply);
}

Result<Done> RegistrationClient::step_up(const std::string& user, const std::string& method, const Secret& response) {
  MessagePtr reply;
  return call("StepUp", true, timeout_usec_,
              [&](sd_bus_message* m) {
                return sd_bus_message_append(m, "sss", user.c_str(), method.c_str(), response.c_str());
              },
              reply);
}

}  // namespace sspr::client
