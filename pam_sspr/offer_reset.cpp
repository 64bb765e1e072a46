#include "offer_reset.hpp"

#include "errors.hpp"
#include "pam_conversation.hpp"
#include "reset_client.hpp"
#include "reset_flow.hpp"
#include "text.hpp"
#include "user_name.hpp"

#include <security/pam_ext.h>
#include <syslog.h>

namespace sspr::pam {
namespace {

// A prompt makes sure the messages before it are shown: SSH keyboard-interactive delivers
// information only together with a prompt.
void acknowledge(PamConversation& conversation) { (void)conversation.ask("Press Enter to continue: "); }

}  // namespace

int offer_reset(pam_handle_t* pamh, int flags, const ModuleOptions& options) {
  const char* user = nullptr;
  if (pam_get_user(pamh, &user, nullptr) != PAM_SUCCESS || user == nullptr || !valid_user_name(user))
    return PAM_IGNORE;
  PamConversation conversation(pamh, (flags & PAM_SILENT) != 0);
  auto answer = conversation.ask("Forgot your password? Type \"reset\" to reset it now, or press Enter: ");
  if (!answer) return PAM_IGNORE;  // nobody to ask
  std::string word(trim(*answer));
  for (auto& c : word) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  if (word != "reset") return PAM_IGNORE;

  auto client = client::ResetClient::connect(options.timeout_ms);
  if (!client) {
    // Reset fails closed: without ssprd nothing can be proven.
    pam_syslog(pamh, LOG_ERR, "cannot reach ssprd; password reset for %s is not possible", user);
    conversation.error(error_info(ErrorCode::ServiceUnknown).message);
    acknowledge(conversation);
    return PAM_AUTHINFO_UNAVAIL;
  }
  // Where the login comes from: failures there block that host only, never the user elsewhere.
  const void* rhost = nullptr;
  const std::string remote_host =
      pam_get_item(pamh, PAM_RHOST, &rhost) == PAM_SUCCESS && rhost != nullptr ? static_cast<const char*>(rhost) : "";
  switch (client::run_reset_flow(client.value(), conversation, user, remote_host)) {
    case client::ResetOutcome::changed:
      pam_syslog(pamh, LOG_NOTICE, "password of %s reset at the login prompt", user);
      conversation.info("Log in again with your new password.");
      acknowledge(conversation);
      return PAM_AUTH_ERR;  // this attempt still fails: the next one uses the new password
    case client::ResetOutcome::refused:
      acknowledge(conversation);  // the user must see why (a block says for how long)
      return PAM_AUTH_ERR;
    case client::ResetOutcome::no_conversation:
      return PAM_AUTH_ERR;
    case client::ResetOutcome::service_error:
      acknowledge(conversation);
      break;
  }
  pam_syslog(pamh, LOG_ERR, "password reset of %s failed in ssprd", user);
  return PAM_AUTHINFO_UNAVAIL;
}

}  // namespace sspr::pam
