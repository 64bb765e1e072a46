// Conversation over the PAM application's conversation function.
#pragma once

#include "conversation.hpp"
#include "secret.hpp"

#include <cstring>
#include <optional>
#include <string_view>

#include <security/pam_modules.h>

namespace sspr::pam {

// The longest answer taken from the application's conversation (a password, a code, an answer).
inline constexpr std::size_t kMaxResponse = 1024;

// Takes an answer out of a reply buffer the application's conversation allocated: a copy as T
// (nullopt if longer than kMaxResponse), and every byte of the buffer wiped, however long it is;
// the caller frees it.
template <class T>
std::optional<T> take_response(char* response) {
  const std::size_t n = std::strlen(response);
  std::optional<T> out;
  if (n <= kMaxResponse) out.emplace(std::string_view(response, n));
  secure_wipe(response, n);
  return out;
}

class PamConversation final : public client::Conversation {
 public:
  PamConversation(pam_handle_t* pamh, bool silent) : pamh_(pamh), silent_(silent) {}
  std::optional<std::string> ask(std::string_view prompt) override;
  std::optional<Secret> ask_secret(std::string_view prompt) override;
  std::optional<Secret> ask_code(std::string_view prompt) override;
  void info(std::string_view text) override;
  void error(std::string_view text) override;

 private:
  pam_handle_t* pamh_;
  bool silent_;
};

}  // namespace sspr::pam
