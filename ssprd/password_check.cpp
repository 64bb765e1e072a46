#include "password_check.hpp"

#include <crypt.h>
#include <cstdio>
#include <cstring>
#include <memory>
#include <shadow.h>
#include <vector>

namespace sspr::daemon {

bool verify_local_password(const std::string& user, const Secret& password) noexcept {
  try {
    // Read /etc/shadow itself rather than asking NSS: this checks local passwords only (the
    // LDAP backend checks directory passwords with a bind).
    std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen("/etc/shadow", "re"), std::fclose);
    if (!file) return false;
    std::vector<char> buffer(16384);
    struct spwd entry {};
    struct spwd* found = nullptr;
    while (fgetspent_r(file.get(), &entry, buffer.data(), buffer.size(), &found) == 0 && found != nullptr)
      if (user == found->sp_namp) break;
    if (found == nullptr || user != found->sp_namp) {
      secure_wipe(buffer.data(), buffer.size());
      return false;
    }
    const std::string_view hash = found->sp_pwdp ? found->sp_pwdp : "";
    bool ok = false;
    // "!" and "*" prefixes lock an account; an empty hash is not a password to check against.
    if (!hash.empty() && hash.front() != '!' && hash.front() != '*') {
      auto data = std::make_unique<crypt_data>();
      const char* computed = crypt_r(password.c_str(), found->sp_pwdp, data.get());
      ok = computed != nullptr && computed[0] != '*' &&
           constant_time_equal(std::string_view(computed), hash);
      secure_wipe(data.get(), sizeof(crypt_data));
    }
    secure_wipe(buffer.data(), buffer.size());
    return ok;
  } catch (...) {
    return false;
  }
}

}  // namespace sspr::daemon
