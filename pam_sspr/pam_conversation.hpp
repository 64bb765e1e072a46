// Conversation over the PAM application's conversation function.
#pragma once

#include "conversation.hpp"

#include <security/pam_modules.h>

namespace sspr::pam {

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
