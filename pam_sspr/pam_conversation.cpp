#include "pam_conversation.hpp"

#include <cstdlib>
#include <cstring>
#include <security/pam_ext.h>

namespace sspr::pam {
namespace {

// Asks once; the reply buffer is wiped before it is freed (the pam_drop_response pattern).
template <class T>
std::optional<T> prompt(pam_handle_t* pamh, int style, std::string_view text) {
  char* response = nullptr;
  const int r = pam_prompt(pamh, style, &response, "%.*s", static_cast<int>(text.size()), text.data());
  if (r != PAM_SUCCESS || response == nullptr) {
    if (response) std::free(response);
    return std::nullopt;
  }
  auto out = take_response<T>(response);
  std::free(response);
  return out;
}

}  // namespace

std::optional<std::string> PamConversation::ask(std::string_view text) {
  return prompt<std::string>(pamh_, PAM_PROMPT_ECHO_ON, text);
}

std::optional<Secret> PamConversation::ask_secret(std::string_view text) {
  return prompt<Secret>(pamh_, PAM_PROMPT_ECHO_OFF, text);
}

std::optional<Secret> PamConversation::ask_code(std::string_view text) {
  return prompt<Secret>(pamh_, PAM_PROMPT_ECHO_ON, text);
}

void PamConversation::info(std::string_view text) {
  if (!silent_) pam_info(pamh_, "%.*s", static_cast<int>(text.size()), text.data());
}

void PamConversation::error(std::string_view text) {
  if (!silent_) pam_error(pamh_, "%.*s", static_cast<int>(text.size()), text.data());
}

}  // namespace sspr::pam
