// Is a new password good enough? libpwquality with the system's settings
// (/etc/security/pwquality.conf, or [password] pwquality_config), plus sspr's own rules: not the
// user name, not the current password, no word from an optional banned-words file.
#pragma once

#include "secret.hpp"

#include <string>

namespace sspr::daemon {

struct QualityOptions {
  std::string pwquality_config;   // empty: libpwquality's default file
  std::string banned_words_file;  // empty: none; one word per line, case-insensitive
};

struct QualityVerdict {
  bool ok = false;
  std::string reason;  // for the user, when !ok: exactly why
};

inline constexpr std::size_t kMaxPasswordLength = 512;

QualityVerdict check_password_quality(const Secret& new_password, const std::string& user, const Secret* old_password,
                                      const QualityOptions& options);

}  // namespace sspr::daemon
