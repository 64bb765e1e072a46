#include "backend/password_check.hpp"

#include "backend/password_hash.hpp"

#include <crypt.h>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace sspr::daemon {
namespace {

constexpr std::size_t kMaxShadowLine = 4096;

// The fields of `user`'s line in /etc/shadow, read directly (not through NSS, and not through
// libc's *spent functions, which ASan's interceptors break): local accounts only. nullopt when
// the file has no line for the user.
std::optional<std::vector<std::string>> shadow_fields_of(const std::string& directory, const std::string& user) {
  std::ifstream in(directory + "/shadow");
  std::string line;
  while (std::getline(in, line)) {
    if (line.size() > kMaxShadowLine) continue;
    const auto colon = line.find(':');
    if (colon == std::string::npos || line.compare(0, colon, user) != 0 || colon != user.size()) continue;
    std::vector<std::string> fields;
    for (std::size_t pos = 0;;) {
      const auto end = line.find(':', pos);
      fields.push_back(line.substr(pos, end == std::string::npos ? std::string::npos : end - pos));
      if (end == std::string::npos) break;
      pos = end + 1;
    }
    secure_wipe(line.data(), line.size());
    return fields;
  }
  return std::nullopt;
}

std::optional<std::string> shadow_hash_of(const std::string& directory, const std::string& user) {
  auto fields = shadow_fields_of(directory, user);
  if (!fields) return std::nullopt;
  std::string hash = fields->size() > 1 ? std::move((*fields)[1]) : std::string();
  for (auto& field : *fields) secure_wipe(field.data(), field.size());
  return hash;
}

}  // namespace

bool verify_local_password(const std::string& shadow_directory, const std::string& user,
                           const Secret& password) noexcept {
  try {
    std::string hash = shadow_hash_of(shadow_directory, user).value_or(std::string());
    bool ok = false;
    // "!" and "*" prefixes lock an account; an empty hash is not a password to check against.
    if (!hash.empty() && !backend::is_locked_hash(hash)) {
      auto data = std::make_unique<crypt_data>();
      // crypt_rn: never returns a "failure token" that could compare equal by accident.
      const char* computed = crypt_rn(password.c_str(), hash.c_str(), data.get(), sizeof(crypt_data));
      ok = computed != nullptr && constant_time_equal(std::string_view(computed), hash);
      secure_wipe(data.get(), sizeof(crypt_data));
    }
    secure_wipe(hash.data(), hash.size());
    return ok;
  } catch (...) {
    return false;
  }
}

bool has_local_entry(const std::string& shadow_directory, const std::string& user) noexcept {
  try {
    auto hash = shadow_hash_of(shadow_directory, user);
    if (hash) secure_wipe(hash->data(), hash->size());
    return hash.has_value();
  } catch (...) {
    return false;
  }
}

std::string local_hash_setting(const std::string& shadow_directory, const std::string& user) noexcept {
  try {
    auto hash = shadow_hash_of(shadow_directory, user).value_or(std::string());
    std::string setting;
    const auto last = hash.rfind('$');
    if (!hash.empty() && hash.front() == '$' && last != std::string::npos && last > 0) setting = hash.substr(0, last);
    secure_wipe(hash.data(), hash.size());
    return setting;
  } catch (...) {
    return {};
  }
}

std::string local_reset_refusal(const std::string& shadow_directory, const std::string& user,
                                std::int64_t today_days) noexcept {
  try {
    auto fields = shadow_fields_of(shadow_directory, user);
    if (!fields) return {};
    std::string why;
    // passwd -l, usermod -L ("!" before the hash), an account never given a password ("!"),
    // or one that may not log in with a password ("*"): an administrator's decision.
    if (fields->size() > 1 && backend::is_locked_hash((*fields)[1])) why = "the account is locked";
    // Field 8: the day the account expired (pam_unix refuses it from that day on).
    if (why.empty() && fields->size() > 7 && !(*fields)[7].empty()) {
      char* end = nullptr;
      const long long expires = std::strtoll((*fields)[7].c_str(), &end, 10);
      if (end != nullptr && *end == '\0' && expires >= 0 && today_days >= expires) why = "the account has expired";
    }
    for (auto& field : *fields) secure_wipe(field.data(), field.size());
    return why;
  } catch (...) {
    return "the shadow file cannot be read";
  }
}

}  // namespace sspr::daemon
