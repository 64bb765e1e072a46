#include "status_protocol.hpp"

#include "user_name.hpp"

#include <limits>
#include <nlohmann/json.hpp>
#include <type_traits>

namespace sspr::status {
namespace {

using nlohmann::json;

std::string framed(const json& message) {
  // Control characters escaped; bytes that are not UTF-8 replaced rather than thrown at.
  std::string out = message.dump(-1, ' ', false, json::error_handler_t::replace);
  out.push_back('\0');
  return out;
}

// Parsed without exceptions; nullopt for anything but an object of at most kMaxMessage bytes.
std::optional<json> object_of(std::string_view message) {
  if (message.size() >= kMaxMessage || message.find('\0') != std::string_view::npos) return std::nullopt;
  json parsed = json::parse(message.begin(), message.end(), nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded() || !parsed.is_object()) return std::nullopt;
  return parsed;
}

template <class T>
bool read_field(const json& object, const char* key, T& out) {
  const auto it = object.find(key);
  if (it == object.end()) return false;
  if constexpr (std::is_same_v<T, bool>) {
    if (!it->is_boolean()) return false;
  } else if constexpr (std::is_same_v<T, std::string>) {
    if (!it->is_string()) return false;
  } else {
    if (!it->is_number_unsigned()) return false;
    if (it->template get<std::uint64_t>() > std::numeric_limits<T>::max()) return false;
  }
  out = it->template get<T>();
  return true;
}

}  // namespace

std::string request(std::string_view user) {
  return framed({{"method", std::string(kMethod)}, {"parameters", {{"user", std::string(user)}}}});
}

std::string reply(const Answer& a) {
  return framed({{"parameters",
                  {{"user", a.user},
                   {"registered", a.registered},
                   {"must_register", a.must_register},
                   {"reason", a.reason},
                   {"reconfirm_due", a.reconfirm_due},
                   {"can_skip", a.can_skip},
                   {"skips_left", a.skips_left},
                   {"skip_deadline_usec", a.skip_deadline_usec}}}});
}

std::string error_reply(ErrorCode code) {
  return framed({{"error", std::string(error_info(code).bus_name)}, {"parameters", json::object()}});
}

std::optional<std::string> parse_request(std::string_view message) {
  const auto object = object_of(message);
  if (!object) return std::nullopt;
  std::string method;
  if (!read_field(*object, "method", method) || method != kMethod) return std::nullopt;
  const auto parameters = object->find("parameters");
  if (parameters == object->end() || !parameters->is_object()) return std::nullopt;
  std::string user;
  if (!read_field(*parameters, "user", user) || user.size() > kMaxUserNameLength) return std::nullopt;
  return user;
}

std::optional<Reply> parse_reply(std::string_view message) {
  const auto object = object_of(message);
  if (!object) return std::nullopt;
  Reply out;
  if (object->contains("error")) {
    if (!read_field(*object, "error", out.error_name) || out.error_name.size() > 255) return std::nullopt;
    out.error = error_by_bus_name(out.error_name);
    return out;
  }
  const auto p = object->find("parameters");
  if (p == object->end() || !p->is_object()) return std::nullopt;
  Answer a;
  if (!read_field(*p, "user", a.user) || !read_field(*p, "registered", a.registered) ||
      !read_field(*p, "must_register", a.must_register) || !read_field(*p, "reason", a.reason) ||
      !read_field(*p, "reconfirm_due", a.reconfirm_due) || !read_field(*p, "can_skip", a.can_skip) ||
      !read_field(*p, "skips_left", a.skips_left) || !read_field(*p, "skip_deadline_usec", a.skip_deadline_usec))
    return std::nullopt;
  out.answer = std::move(a);
  return out;
}

}  // namespace sspr::status
