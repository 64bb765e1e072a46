#include "change.hpp"

#include "pam_conversation.hpp"
#include "reset_client.hpp"
#include "reset_flow.hpp"
#include "user_name.hpp"

#include <optional>
#include <security/pam_ext.h>
#include <syslog.h>
#include <unistd.h>

namespace sspr::pam {

namespace {

// Set on the handle by the preliminary pass when ssprd could not be reached.
constexpr const char* kAway = "sspr_change_ssprd_away";

// Leaving the change to the next module. pam-auth-update gives the modules after a primary one
// `use_authtok`, so in the update pass they expect the new password from us, as from
// pam_pwquality: ask for it (libpam's own prompts, which chpasswd's conversation answers).
int step_aside(pam_handle_t* pamh, int flags) {
  if ((flags & PAM_UPDATE_AUTHTOK) == 0) return PAM_IGNORE;
  const char* token = nullptr;
  const int r = pam_get_authtok(pamh, PAM_AUTHTOK, &token, nullptr);
  return r == PAM_SUCCESS ? PAM_IGNORE : r;
}

}  // namespace

int change_password(pam_handle_t* pamh, int flags, const ModuleOptions& options) {
  // Root setting a password (passwd OTHER, chpasswd, newusers) needs no proof and often has no
  // one to ask: that is pam_unix's alone, as pam_unix itself decides by the real uid. An
  // expired password at root's own login (PAM_CHANGE_EXPIRED_AUTHTOK) is a user's change.
  if (::getuid() == 0 && (flags & PAM_CHANGE_EXPIRED_AUTHTOK) == 0) return step_aside(pamh, flags);
  const char* user = nullptr;
  if (pam_get_user(pamh, &user, nullptr) != PAM_SUCCESS || user == nullptr || !valid_user_name(user))
    return step_aside(pamh, flags);
  // Preliminary pass: say whether ssprd will take the change — ssprd itself, not only the bus.
  // If it cannot be reached, the rest of the stack (pam_unix) handles this change as if sspr
  // were not there, in the update pass too (remembered on the handle).
  if ((flags & PAM_PRELIM_CHECK) != 0) {
    auto probe = client::ResetClient::connect(options.timeout_ms);
    const auto answered = probe ? probe->ping() : Result<Done>(probe.error());
    if (!answered) {
      pam_syslog(pamh, LOG_WARNING, "cannot reach ssprd (%s); the password of %s is left to the next module",
                 error_info(answered.error()).bus_name.data(), user);
      pam_set_data(pamh, kAway, const_cast<char*>(kAway), nullptr);
      return PAM_IGNORE;
    }
    pam_set_data(pamh, kAway, nullptr, nullptr);
    return PAM_SUCCESS;
  }
  const void* away = nullptr;
  if (pam_get_data(pamh, kAway, &away) == PAM_SUCCESS && away != nullptr) return step_aside(pamh, flags);
  auto client = client::ResetClient::connect(options.timeout_ms);
  if (!client) {
    pam_syslog(pamh, LOG_WARNING, "cannot reach ssprd; the password of %s is left to the next module", user);
    return step_aside(pamh, flags);
  }
  const void* old_item = nullptr;
  std::optional<Secret> current;
  if (pam_get_item(pamh, PAM_OLDAUTHTOK, &old_item) == PAM_SUCCESS && old_item != nullptr)
    current.emplace(static_cast<const char*>(old_item));
  PamConversation conversation(pamh, (flags & PAM_SILENT) != 0);
  Secret chosen;
  switch (client::run_change_flow(client.value(), conversation, user, current ? &*current : nullptr, &chosen)) {
    case client::ResetOutcome::changed:
      // The rest of the stack sees the new password, as after pam_unix.
      pam_set_item(pamh, PAM_AUTHTOK, chosen.c_str());
      pam_syslog(pamh, LOG_NOTICE, "password of %s changed", user);
      return PAM_SUCCESS;
    case client::ResetOutcome::no_conversation:
      // Nobody to ask (a program changing a password with no conversation, or the user left
      // the prompt): nothing was decided here, so the next module decides, as without sspr.
      pam_syslog(pamh, LOG_NOTICE, "no conversation to change the password of %s; left to the next module", user);
      return PAM_IGNORE;
    case client::ResetOutcome::refused:
      return PAM_AUTHTOK_ERR;
    case client::ResetOutcome::service_error:
      break;
  }
  return PAM_AUTHTOK_ERR;
}

}  // namespace sspr::pam
