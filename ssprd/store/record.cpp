#include "record.hpp"

#include <nlohmann/json.hpp>

namespace sspr::daemon {
namespace {

using nlohmann::json;

constexpr unsigned kVersion = 2;
constexpr std::size_t kMaxQuestions = 5;
constexpr std::size_t kMaxRecoveryCodes = 20;
constexpr std::size_t kMaxField = 1024;

struct ParseError {
  std::string what;
};

const json& field(const json& object, const char* name) {
  const auto it = object.find(name);
  if (it == object.end()) throw ParseError{std::string("missing field '") + name + "'"};
  return *it;
}

std::string string_field(const json& object, const char* name) {
  const auto& v = field(object, name);
  if (!v.is_string()) throw ParseError{std::string("field '") + name + "' is not a string"};
  auto s = v.get<std::string>();
  if (s.size() > kMaxField) throw ParseError{std::string("field '") + name + "' is too long"};
  return s;
}

std::int64_t time_field(const json& object, const char* name) {
  const auto& v = field(object, name);
  if (!v.is_number_integer()) throw ParseError{std::string("field '") + name + "' is not an integer"};
  return v.get<std::int64_t>();
}

std::uint32_t small_field(const json& object, const char* name, std::uint32_t lo, std::uint32_t hi) {
  const auto& v = field(object, name);
  if (!v.is_number_unsigned() || v.get<std::uint64_t>() < lo || v.get<std::uint64_t>() > hi)
    throw ParseError{std::string("field '") + name + "' is out of range"};
  return v.get<std::uint32_t>();
}

MethodTimes parse_times(const json& m) { return {time_field(m, "added"), time_field(m, "usable_from")}; }

json times_json(const MethodTimes& t) { return {{"added", t.added}, {"usable_from", t.usable_from}}; }

}  // namespace

const char* to_string(MethodType type) noexcept {
  switch (type) {
    case MethodType::totp: return "totp";
    case MethodType::email: return "email";
    case MethodType::sms: return "sms";
    case MethodType::questions: return "questions";
    case MethodType::recovery_codes: return "recovery_codes";
  }
  return "?";
}

std::optional<MethodType> method_type_from_string(std::string_view name) noexcept {
  for (auto t : kAllMethodTypes)
    if (name == to_string(t)) return t;
  return std::nullopt;
}

const char* display_name(MethodType type) noexcept {
  switch (type) {
    case MethodType::totp: return "Authenticator app";
    case MethodType::email: return "E-mail";
    case MethodType::sms: return "Mobile phone (SMS)";
    case MethodType::questions: return "Security questions";
    case MethodType::recovery_codes: return "Recovery codes";
  }
  return "?";
}

bool RegistrationRecord::has(MethodType type) const noexcept {
  switch (type) {
    case MethodType::totp: return totp.has_value();
    case MethodType::email: return email.has_value();
    case MethodType::sms: return sms.has_value();
    case MethodType::questions: return questions.has_value();
    case MethodType::recovery_codes: return recovery_codes.has_value() && !recovery_codes->digests.empty();
  }
  return false;
}

void RegistrationRecord::remove(MethodType type) noexcept {
  switch (type) {
    case MethodType::totp: totp.reset(); break;
    case MethodType::email: email.reset(); break;
    case MethodType::sms: sms.reset(); break;
    case MethodType::questions: questions.reset(); break;
    case MethodType::recovery_codes: recovery_codes.reset(); break;
  }
  times(type) = {};
}

MethodTimes& RegistrationRecord::times(MethodType type) noexcept {
  switch (type) {
    case MethodType::totp: return totp_times;
    case MethodType::email: return email_times;
    case MethodType::sms: return sms_times;
    case MethodType::questions: return questions_times;
    case MethodType::recovery_codes: break;
  }
  return recovery_codes_times;
}

const MethodTimes& RegistrationRecord::times(MethodType type) const noexcept {
  return const_cast<RegistrationRecord*>(this)->times(type);
}

std::vector<MethodType> RegistrationRecord::methods() const {
  std::vector<MethodType> out;
  for (auto t : kAllMethodTypes)
    if (has(t)) out.push_back(t);
  return out;
}

std::optional<RegistrationRecord> parse_record(std::string_view text, std::string_view expected_user,
                                               std::string& problem) {
  const auto root = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded() || !root.is_object()) {
    problem = "not a JSON object";
    return std::nullopt;
  }
  try {
    const auto& version = field(root, "version");
    // Compared as read (64 bits): 2^32 + 2 is not version 2 (found by fuzz_record).
    if (!version.is_number_unsigned() || version.get<std::uint64_t>() != kVersion)
      throw ParseError{"unsupported record version"};
    if (string_field(root, "user") != expected_user) throw ParseError{"record does not belong to this user"};
    RegistrationRecord r;
    r.first_registered = time_field(root, "first_registered");
    r.last_confirmed = time_field(root, "last_confirmed");
    r.first_prompted = time_field(root, "first_prompted");
    r.skips_used = small_field(root, "skips_used", 0, 1000);
    const auto& methods = field(root, "methods");
    if (!methods.is_object()) throw ParseError{"field 'methods' is not an object"};
    for (const auto& [name, m] : methods.items()) {
      const auto type = method_type_from_string(name);
      if (!type) throw ParseError{"unknown method type"};
      if (!m.is_object()) throw ParseError{"method entry is not an object"};
      r.times(*type) = parse_times(m);
      switch (*type) {
        case MethodType::totp: {
          TotpMethod t;
          t.sealed_secret = string_field(m, "secret");
          t.algorithm = string_field(m, "algorithm");
          if (t.algorithm != "SHA1" && t.algorithm != "SHA256" && t.algorithm != "SHA512")
            throw ParseError{"unknown TOTP algorithm"};
          t.digits = small_field(m, "digits", 6, 8);
          t.period = small_field(m, "period", 15, 120);
          if (m.contains("last_step")) {
            if (!m["last_step"].is_number_unsigned()) throw ParseError{"field 'last_step' is not an integer"};
            t.last_step = m["last_step"].get<std::uint64_t>();
          }
          r.totp = std::move(t);
          break;
        }
        case MethodType::email:
          r.email = ContactMethod{string_field(m, "address")};
          break;
        case MethodType::sms:
          r.sms = ContactMethod{string_field(m, "number")};
          break;
        case MethodType::questions: {
          const auto& items = field(m, "items");
          if (!items.is_array() || items.empty() || items.size() > kMaxQuestions)
            throw ParseError{"questions: bad item list"};
          QuestionsMethod q;
          for (const auto& item : items) {
            if (!item.is_object()) throw ParseError{"questions: item is not an object"};
            q.items.push_back({string_field(item, "question"), string_field(item, "answer_hash")});
          }
          r.questions = std::move(q);
          break;
        }
        case MethodType::recovery_codes: {
          const auto& digests = field(m, "digests");
          if (!digests.is_array() || digests.size() > kMaxRecoveryCodes)
            throw ParseError{"recovery_codes: bad digest list"};
          RecoveryCodesMethod c;
          for (const auto& d : digests) {
            if (!d.is_string() || d.get<std::string>().size() > 128) throw ParseError{"recovery_codes: bad digest"};
            c.digests.push_back(d.get<std::string>());
          }
          r.recovery_codes = std::move(c);
          break;
        }
      }
    }
    return r;
  } catch (const ParseError& e) {
    problem = e.what;
  } catch (const json::exception&) {
    problem = "malformed field";
  }
  return std::nullopt;
}

std::string serialize_record(const RegistrationRecord& r, std::string_view user) {
  json methods = json::object();
  if (r.totp) {
    json t = times_json(r.totp_times);
    t["secret"] = r.totp->sealed_secret;
    t["algorithm"] = r.totp->algorithm;
    t["digits"] = r.totp->digits;
    t["period"] = r.totp->period;
    if (r.totp->last_step) t["last_step"] = *r.totp->last_step;
    methods["totp"] = std::move(t);
  }
  if (r.email) {
    json e = times_json(r.email_times);
    e["address"] = r.email->address;
    methods["email"] = std::move(e);
  }
  if (r.sms) {
    json s = times_json(r.sms_times);
    s["number"] = r.sms->address;
    methods["sms"] = std::move(s);
  }
  if (r.questions) {
    json q = times_json(r.questions_times);
    q["items"] = json::array();
    for (const auto& item : r.questions->items)
      q["items"].push_back({{"question", item.question}, {"answer_hash", item.answer_hash}});
    methods["questions"] = std::move(q);
  }
  if (r.recovery_codes) {
    json c = times_json(r.recovery_codes_times);
    c["digests"] = r.recovery_codes->digests;
    methods["recovery_codes"] = std::move(c);
  }
  json root = {{"version", kVersion},
               {"user", std::string(user)},
               {"first_registered", r.first_registered},
               {"last_confirmed", r.last_confirmed},
               {"first_prompted", r.first_prompted},
               {"skips_used", r.skips_used},
               {"methods", std::move(methods)}};
  return root.dump() + "\n";
}

}  // namespace sspr::daemon
