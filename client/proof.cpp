#include "proof.hpp"

#include "errors.hpp"
#include "text.hpp"

#include <algorithm>

namespace sspr::client {

ProofOutcome prove_identity(RegistrationClient& client, Conversation& conv, const std::string& user,
                            const std::vector<std::string>& registered) {
  const auto has = [&](const char* type) { return std::find(registered.begin(), registered.end(), type) != registered.end(); };
  const bool has_totp = has("totp"), has_codes = has("recovery_codes");
  conv.info("To change your security info, first confirm it is you.");
  for (int attempt = 0; attempt < 3; ++attempt) {
    std::string method = "password";
    std::string prompt = "Current password: ";
    if (has_totp || has_codes) {
      std::string menu = "  1) Your current password";
      if (has_totp) menu += "\n  2) A code from your authenticator app";
      if (has_codes) menu += "\n  3) One of your recovery codes";
      conv.info(menu);
      auto choice = conv.ask("Your choice: ");
      if (!choice) return ProofOutcome::no_conversation;
      const auto c = std::string(trim(*choice));
      if (c == "2" && has_totp) {
        method = "totp";
        prompt = "Code shown by the app: ";
      } else if (c == "3" && has_codes) {
        method = "recovery_codes";
        prompt = "Recovery code: ";
      } else if (c != "1") {
        conv.error("Please choose one of the listed options.");
        continue;
      }
    }
    auto response = method == "password" ? conv.ask_secret(prompt) : [&]() -> std::optional<Secret> {
      auto code = conv.ask_code(prompt);
      if (!code) return std::nullopt;
      return Secret(trim(code->reveal()));
    }();
    if (!response) return ProofOutcome::no_conversation;
    auto ok = client.step_up(user, method, *response);
    if (ok) return ProofOutcome::proven;
    if (ok.error() == ErrorCode::BadCode && method == "password")
      conv.error("The password is not correct.");
    else if (!client.refusal_text().empty())
      conv.error(client.refusal_text());  // a block: what it stops, and for how long
    else
      conv.error(error_info(ok.error()).message);
    if (ok.error() != ErrorCode::BadCode) return ProofOutcome::refused;
  }
  return ProofOutcome::refused;
}

}  // namespace sspr::client
