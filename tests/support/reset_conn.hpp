// A client of one password reset, as the `sspr` command or pam_sspr is, for bus tests: its own
// connection (so its own session), each call's outcome as text ("ERROR <name>" on an error).
#pragma once

#include "bus_names.hpp"
#include "handle.hpp"

#include <cstdint>
#include <string>
#include <systemd/sd-bus.h>
#include <utility>
#include <vector>

namespace sspr::test {

class ResetConn {
 public:
  ResetConn() {
    sd_bus* raw = nullptr;
    if (sd_bus_open_system(&raw) >= 0) bus_.reset(raw);
  }
  // "path|method,...|required" or "ERROR name"
  std::string start(const std::string& user, const std::string& remote_host = "") {
    BusError error;
    sd_bus_message* raw = nullptr;
    if (sd_bus_call_method(bus_.get(), bus::kServiceName, bus::kManagerPath, bus::kManagerInterface, "StartReset",
                           error.get(), &raw, "ss", user.c_str(), remote_host.c_str()) < 0)
      return last_message = error.message(), std::string("ERROR ") + error.name();
    MessagePtr reply(raw);
    const char* path = nullptr;
    sd_bus_message_read(reply.get(), "o", &path);
    path_ = path;
    std::string out = "|";
    sd_bus_message_enter_container(reply.get(), 'a', "(ss)");
    const char *type = nullptr, *masked = nullptr;
    methods.clear();
    while (sd_bus_message_read(reply.get(), "(ss)", &type, &masked) > 0) {
      out += std::string(type) + ",";
      methods.emplace_back(type, masked);
    }
    sd_bus_message_exit_container(reply.get());
    uint32_t required = 0;
    sd_bus_message_read(reply.get(), "u", &required);
    return out + "|" + std::to_string(required);
  }
  std::string call(const std::string& path, const char* member, const char* sig, const char* a = nullptr,
                   const char* b = nullptr) {
    BusError error;
    sd_bus_message* raw = nullptr;
    int r = std::string(sig) == "ss"  ? sd_bus_call_method(bus_.get(), bus::kServiceName, path.c_str(),
                                                          "io.sspr.reset1.Session", member, error.get(), &raw, sig, a, b)
            : std::string(sig) == "s" ? sd_bus_call_method(bus_.get(), bus::kServiceName, path.c_str(),
                                                           "io.sspr.reset1.Session", member, error.get(), &raw, sig, a)
                                      : sd_bus_call_method(bus_.get(), bus::kServiceName, path.c_str(),
                                                           "io.sspr.reset1.Session", member, error.get(), &raw, "");
    MessagePtr reply(raw);
    if (r < 0) return last_message = error.message(), std::string("ERROR ") + error.name();
    if (std::string(member) == "Verify") {
      int verified = 0;
      uint32_t remaining = 0;
      sd_bus_message_read(reply.get(), "bu", &verified, &remaining);
      return std::string(verified ? "verified" : "not yet") + " " + std::to_string(remaining);
    }
    return "ok";
  }
  // SendCode: "sent <masked destination>", or "ERROR name".
  std::string send_code(const char* method) {
    BusError error;
    sd_bus_message* raw = nullptr;
    if (sd_bus_call_method(bus_.get(), bus::kServiceName, path_.c_str(), "io.sspr.reset1.Session", "SendCode",
                           error.get(), &raw, "s", method) < 0)
      return last_message = error.message(), std::string("ERROR ") + error.name();
    MessagePtr reply(raw);
    const char* shown = nullptr;
    sd_bus_message_read(reply.get(), "s", &shown);
    return std::string("sent ") + (shown ? shown : "");
  }
  std::string verify(const char* method, const std::string& response) {
    return call(path_, "Verify", "ss", method, response.c_str());
  }
  std::string set_password(const char* pw) { return call(path_, "SetPassword", "s", pw); }
  std::vector<std::string> questions() {
    std::vector<std::string> out;
    BusError e;
    sd_bus_message* raw = nullptr;
    if (sd_bus_call_method(bus_.get(), bus::kServiceName, path_.c_str(), "io.sspr.reset1.Session", "GetQuestions",
                           e.get(), &raw, "") < 0)
      return out;
    MessagePtr reply(raw);
    sd_bus_message_enter_container(reply.get(), 'a', "s");
    const char* q = nullptr;
    while (sd_bus_message_read(reply.get(), "s", &q) > 0) out.emplace_back(q);
    return out;
  }
  std::string answer(const std::vector<std::string>& answers) {
    sd_bus_message* m = nullptr;
    sd_bus_message_new_method_call(bus_.get(), &m, bus::kServiceName, path_.c_str(), "io.sspr.reset1.Session",
                                   "VerifyAnswers");
    MessagePtr request(m);
    sd_bus_message_open_container(request.get(), 'a', "s");
    for (const auto& a : answers) sd_bus_message_append(request.get(), "s", a.c_str());
    sd_bus_message_close_container(request.get());
    BusError e;
    sd_bus_message* raw = nullptr;
    if (sd_bus_call(bus_.get(), request.get(), 0, e.get(), &raw) < 0)
      return last_message = e.message(), std::string("ERROR ") + e.name();
    MessagePtr reply(raw);
    int verified = 0;
    uint32_t remaining = 0;
    sd_bus_message_read(reply.get(), "bu", &verified, &remaining);
    return std::string(verified ? "verified" : "not yet") + " " + std::to_string(remaining);
  }
  // A wrong proof of the first method the start offered, done as a client would do it (a code
  // sent first, the questions asked first): the last call's outcome.
  std::string fail_first_method() {
    if (methods.empty()) return "NO METHODS";
    const std::string type = methods.front().first;
    if (type == "questions") {
      const auto asked = questions();
      return answer(std::vector<std::string>(asked.size(), "not the answer"));
    }
    if (type == "email" || type == "sms") {
      const auto sent = call(path_, "SendCode", "s", type.c_str());
      if (sent != "ok") return sent;
    }
    return verify(type.c_str(), type == "recovery_codes" ? "AAAAA-AAAAA" : "000000");
  }
  const std::string& path() const { return path_; }
  std::string last_message;  // of the last error reply
  std::vector<std::pair<std::string, std::string>> methods;  // (type, masked) of the last start

 private:
  BusPtr bus_;
  std::string path_;
};

}  // namespace sspr::test
