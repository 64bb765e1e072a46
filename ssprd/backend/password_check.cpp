#include "backend/password_check.hpp"

#include <crypt.h>
#include <fstream>
#include <memory>
#include <optional>
#include <string>

namespace sspr::daemon {
namespace {

constexpr std::size_t kMaxShadowLine = 4096;

// The hash field of `user`'s line in /etc/shadow, read directly (not through NSS, and not
// through libc's *spent functions, which ASan's interceptors break): local accounts only.
// nullopt when the file has no line for the user.
std::optional<std::string> shadow_hash_of(const std::string& directory, const std::string& user) {
  std::ifstream in(directory + "/shadow");
  std::string line;
  while (std::getline(in, line)) {
    if (line.size() > kMaxShadowLine) continue;
    const auto colon = line.find(':');
    if (colon == std::string::npos || line.compare(0, colon, user) != 0 || colon != user.size()) continue;
    const auto end = line.find(':', colon + 1);
    std::string hash = line.substr(colon + 1, end == std::string::npos ? std::string::npos : end - colon - 1);
    secure_wipe(line.data(), line.size());
    return hash;
  }
  return std::nullopt;
}

}  // namespace

bool verify_local_password(const std::string& shadow_directory, const std::string& user,
                           const Secret& password) noexcept {
  try {
    std::string hash = shadow_hash_of(shadow_directory, user).value_or(std::string());
    bool ok = false;
    // "!" and "*" prefixes lock an account; an empty hash is not a password to check against.
    if (!hash.empty() && hash.front() != '!' && hash.front() != '*') {
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

}  // namespace sspr::daemon
