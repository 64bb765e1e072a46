#include "password_quality.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <memory>
#include <pwquality.h>

namespace sspr::daemon {
namespace {

constexpr std::size_t kMaxBannedWordsBytes = 1024 * 1024;

std::string lowercase(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The first banned word (4+ characters) the password contains, or empty.
std::string banned_word_in(const Secret& password, const std::string& path, bool& unreadable) {
  unreadable = false;
  if (path.empty()) return {};
  std::ifstream in(path);
  if (!in) {
    unreadable = true;
    return {};
  }
  std::string lowered = lowercase(password.reveal());
  std::string word, found;
  std::size_t read = 0;
  while (std::getline(in, word) && read < kMaxBannedWordsBytes) {
    read += word.size() + 1;
    word = lowercase(word);
    while (!word.empty() && (word.back() == '\r' || word.back() == ' ')) word.pop_back();
    if (word.size() >= 4 && lowered.find(word) != std::string::npos) {
      found = word;
      break;
    }
  }
  secure_wipe(lowered.data(), lowered.size());
  return found;
}

}  // namespace

QualityVerdict check_password_quality(const Secret& new_password, const std::string& user, const Secret* old_password,
                                      const QualityOptions& options) {
  const auto pw = new_password.reveal();
  if (pw.empty()) return {false, "The password must not be empty."};
  if (pw.size() > kMaxPasswordLength) return {false, "The password is longer than 512 characters."};
  if (pw.find('\0') != std::string_view::npos) return {false, "The password contains a NUL character."};
  if (lowercase(pw) == lowercase(user)) return {false, "The password must not be your user name."};
  if (old_password != nullptr && old_password->equals(new_password))
    return {false, "The new password must differ from the current one."};

  std::unique_ptr<pwquality_settings_t, decltype(&pwquality_free_settings)> settings(pwquality_default_settings(),
                                                                                     pwquality_free_settings);
  if (!settings) return {false, "The password policy could not be loaded. Please contact your administrator."};
  void* aux = nullptr;
  const char* config = options.pwquality_config.empty() ? nullptr : options.pwquality_config.c_str();
  int r = pwquality_read_config(settings.get(), config, &aux);
  // A missing default file just means libpwquality's defaults; a named file must load.
  if (r != 0 && config != nullptr) return {false, "The password policy could not be loaded. Please contact your administrator."};
  aux = nullptr;
  r = pwquality_check(settings.get(), new_password.c_str(), old_password ? old_password->c_str() : nullptr,
                      user.c_str(), &aux);
  if (r < 0) {
    char buffer[PWQ_MAX_ERROR_MESSAGE_LEN];
    const char* message = pwquality_strerror(buffer, sizeof buffer, r, aux);
    std::string reason = message ? message : "The password does not meet the password policy";
    if (!reason.empty() && reason.back() != '.') reason += '.';
    return {false, reason};
  }

  bool unreadable = false;
  const auto banned = banned_word_in(new_password, options.banned_words_file, unreadable);
  if (unreadable) return {false, "The password policy could not be loaded. Please contact your administrator."};
  if (!banned.empty()) return {false, "The password contains a word that is not allowed here (\"" + banned + "\")."};
  return {true, {}};
}

}  // namespace sspr::daemon
