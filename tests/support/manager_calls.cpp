#include "manager_calls.hpp"

#include "bus_names.hpp"
#include "handle.hpp"

namespace sspr::test {
namespace {

// Sends `request`; "ok" or "ERROR <name>", with the reply in `reply` on success.
std::string send(sd_bus* bus, sd_bus_message* request, MessagePtr& reply) {
  BusError error;
  sd_bus_message* raw = nullptr;
  const int r = sd_bus_call(bus, request, 0, error.get(), &raw);
  reply.reset(raw);
  return r < 0 ? std::string("ERROR ") + error.name() : "ok";
}

BusPtr system_bus() {
  sd_bus* raw = nullptr;
  sd_bus_open_system(&raw);
  return BusPtr(raw);
}

MessagePtr new_call(sd_bus* bus, const char* member) {
  sd_bus_message* m = nullptr;
  sd_bus_message_new_method_call(bus, &m, bus::kServiceName, bus::kManagerPath, bus::kManagerInterface, member);
  return MessagePtr(m);
}

}  // namespace

std::string call_manager(const char* member, const std::vector<std::string>& args) {
  auto bus = system_bus();
  auto request = new_call(bus.get(), member);
  for (const auto& a : args) sd_bus_message_append(request.get(), "s", a.c_str());
  MessagePtr reply;
  return send(bus.get(), request.get(), reply);
}

std::vector<std::string> regenerate_recovery_codes(const std::string& user) {
  auto bus = system_bus();
  auto request = new_call(bus.get(), "RegenerateRecoveryCodes");
  sd_bus_message_append(request.get(), "s", user.c_str());
  MessagePtr reply;
  if (send(bus.get(), request.get(), reply) != "ok") return {};
  std::vector<std::string> codes;
  sd_bus_message_enter_container(reply.get(), 'a', "s");
  const char* code = nullptr;
  while (sd_bus_message_read(reply.get(), "s", &code) > 0) codes.emplace_back(code);
  return codes;
}

std::string begin_totp(const std::string& user) {
  auto bus = system_bus();
  auto request = new_call(bus.get(), "BeginTotp");
  sd_bus_message_append(request.get(), "s", user.c_str());
  MessagePtr reply;
  const char* key = nullptr;
  if (send(bus.get(), request.get(), reply) != "ok" || sd_bus_message_read(reply.get(), "s", &key) < 0) return {};
  return key;  // the otpauth URI and the QR code follow
}

std::string set_security_questions(const std::string& user,
                                   const std::vector<std::pair<std::string, std::string>>& questions_and_answers) {
  auto bus = system_bus();
  auto request = new_call(bus.get(), "SetSecurityQuestions");
  sd_bus_message_append(request.get(), "s", user.c_str());
  sd_bus_message_open_container(request.get(), 'a', "(ss)");
  for (const auto& [q, a] : questions_and_answers) sd_bus_message_append(request.get(), "(ss)", q.c_str(), a.c_str());
  sd_bus_message_close_container(request.get());
  MessagePtr reply;
  return send(bus.get(), request.get(), reply);
}

}  // namespace sspr::test
