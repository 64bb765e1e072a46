#include "enforce.hpp"

#include "bus_client.hpp"
#include "config.hpp"
#include "errors.hpp"
#include "pam_conversation.hpp"
#include "registration_client.hpp"
#include "text.hpp"
#include "user_name.hpp"
#include "wizard.hpp"

#include <cstring>
#include <shadow.h>
#include <unistd.h>
#include <security/pam_ext.h>
#include <security/pam_modutil.h>
#include <security/pam_modules.h>
#include <syslog.h>

namespace sspr::pam {
namespace {

void tell_user(pam_handle_t* pamh, int flags, std::string_view message) {
  if ((flags & PAM_SILENT) != 0) return;
  pam_error(pamh, "%.*s", static_cast<int>(message.size()), message.data());
}

// ssprd is the authority on who must register; the module reads only the two keys that say
// what to do when ssprd cannot be asked, or the user cannot be. A mistake elsewhere in the
// file is logged and costs only its own line: the keys that parsed stay, so an administrator's
// `when_unavailable = deny` is not dropped for a typo two lines below it. (A file that is not
// safe to read — not root's, or writable by others — is not read at all: defaults.)
Config local_policy(pam_handle_t* pamh, const ModuleOptions& options) {
  auto loaded = load_config(options.config_path, false);
  for (const auto& e : loaded.errors)
    pam_syslog(pamh, LOG_WARNING, "config: %s", escape_untrusted(e.to_string(), 512).c_str());
  return std::move(loaded.config);
}

// What the login itself proved before the account phase: the password, checked by pam_unix
// in this PAM handle (its record of the outcome, "unix_setcred_return", which pam_unix has
// kept under that name since Linux-PAM 0.x; libpam itself wipes PAM_AUTHTOK when
// pam_authenticate returns), or root acting (su or runuser by root: real uid 0, PAM_RUSER
// root, no remote host; sshd and login set no PAM_RUSER). Otherwise nothing the wizard may
// build on — a login by SSH key, or a password checked by another module — and the password
// is asked before the first change.
bool login_proved_the_user(pam_handle_t* pamh) {
  const void* unix_outcome = nullptr;
  if (pam_get_data(pamh, "unix_setcred_return", &unix_outcome) == PAM_SUCCESS && unix_outcome != nullptr &&
      *static_cast<const int*>(unix_outcome) == PAM_SUCCESS)
    return true;
  const void* ruser = nullptr;
  const void* rhost = nullptr;
  if (pam_get_item(pamh, PAM_RUSER, &ruser) != PAM_SUCCESS || ruser == nullptr) return false;
  if (pam_get_item(pamh, PAM_RHOST, &rhost) == PAM_SUCCESS && rhost != nullptr &&
      *static_cast<const char*>(rhost) != '\0')
    return false;
  return getuid() == 0 && std::strcmp(static_cast<const char*>(ruser), "root") == 0;
}

// An account whose /etc/shadow entry has no password (empty, or locked with '!' or '*') logs
// in by key only and has no password a reset could replace: its security info would serve
// nothing, and it could not prove itself to register. Not in /etc/shadow: not known here.
bool has_no_local_password(pam_handle_t* pamh, const char* user) {
  const spwd* found = pam_modutil_getspnam(pamh, user);  // kept by libpam with the handle
  if (found == nullptr) return false;
  const char* hash = found->sp_pwdp;
  return hash == nullptr || *hash == '\0' || *hash == '!' || *hash == '*';
}

int refuse(pam_handle_t* pamh, int flags, ErrorCode code) {
  const auto& info = error_info(code);
  tell_user(pamh, flags, info.message);
  return info.pam_code;
}

}  // namespace

int enforce_registration(pam_handle_t* pamh, int flags, const ModuleOptions& options) {
  const char* user = nullptr;
  int r = pam_get_user(pamh, &user, nullptr);
  if (r != PAM_SUCCESS || user == nullptr) {
    pam_syslog(pamh, LOG_ERR, "cannot determine the user: %s", pam_strerror(pamh, r));
    return r == PAM_SUCCESS ? PAM_USER_UNKNOWN : r;
  }
  if (!valid_user_name(user)) {
    pam_syslog(pamh, LOG_WARNING, "user name '%s' is not valid for sspr", escape_untrusted(user).c_str());
    return PAM_USER_UNKNOWN;
  }

  auto query = query_registration_status(user, options.timeout_ms, options.status_socket);
  // ssprd is up but the directory holding the records is not: the same outage for enforcement.
  if (query.outcome == CallOutcome::error_reply && query.error->code == ErrorCode::BackendUnavailable) {
    query.outcome = CallOutcome::unavailable;
    query.detail = "ssprd is up, but its registration store (the directory) is unreachable";
  }
  switch (query.outcome) {
    case CallOutcome::unavailable: {
      if (local_policy(pamh, options).when_unavailable == UnavailableAction::deny) {
        pam_syslog(pamh, LOG_ERR, "cannot reach ssprd (%s); login of %s denied (when_unavailable = deny)",
                   escape_untrusted(query.detail, 256).c_str(), user);
        return refuse(pamh, flags, ErrorCode::ServiceUnknown);
      }
      // Enforcement is a posture control: an outage must never lock everybody out.
      pam_syslog(pamh, LOG_ERR, "cannot reach ssprd (%s); registration is not enforced for %s",
                 escape_untrusted(query.detail, 256).c_str(), user);
      return PAM_IGNORE;
    }
    case CallOutcome::error_reply:
      pam_syslog(pamh, LOG_ERR, "ssprd refused the status query for %s: %s", user, query.detail.c_str());
      return query.error->pam_code;
    case CallOutcome::ok:
      break;
  }

  const auto& reply = query.reply;
  if (options.debug)
    pam_syslog(pamh, LOG_DEBUG, "%s: registered=%s must_register=%s reconfirm_due=%s (%s)", user,
               reply.registered ? "yes" : "no", reply.must_register ? "yes" : "no", reply.reconfirm_due ? "yes" : "no",
               escape_untrusted(reply.reason).c_str());
  const client::Status& status = reply;
  if (!status.action_needed()) return PAM_SUCCESS;

  const bool proved = login_proved_the_user(pamh);
  if (!proved && has_no_local_password(pamh, user)) {
    pam_syslog(pamh, LOG_NOTICE, "%s has no password that a reset could replace; registration is not enforced", user);
    return PAM_SUCCESS;
  }
  auto client = client::RegistrationClient::connect(options.timeout_ms);
  if (!client) {
    pam_syslog(pamh, LOG_ERR, "cannot reach ssprd for the registration of %s; registration is not enforced", user);
    return PAM_IGNORE;
  }
  PamConversation conversation(pamh, (flags & PAM_SILENT) != 0);
  const auto outcome = client::run_registration_wizard(client.value(), conversation, user, status,
                                                       {.allow_skip = true, .ask_password_first = !proved});
  switch (outcome) {
    case client::WizardOutcome::registered:
      pam_syslog(pamh, LOG_NOTICE, "%s registered security info at login", user);
      return PAM_SUCCESS;
    case client::WizardOutcome::reconfirmed:
      pam_syslog(pamh, LOG_NOTICE, "%s reconfirmed security info at login", user);
      return PAM_SUCCESS;
    case client::WizardOutcome::skipped:
      pam_syslog(pamh, LOG_NOTICE, "%s skipped registration at login (grace)", user);
      return PAM_SUCCESS;
    case client::WizardOutcome::no_conversation:
      if (local_policy(pamh, options).when_non_interactive == NonInteractiveAction::allow) {
        pam_syslog(pamh, LOG_WARNING, "%s must register but the login is not interactive; allowed by policy", user);
        return PAM_SUCCESS;
      }
      pam_syslog(pamh, LOG_NOTICE, "login of %s refused: must register, login not interactive", user);
      return refuse(pamh, flags, ErrorCode::InteractionRequired);
    case client::WizardOutcome::declined:
      pam_syslog(pamh, LOG_NOTICE, "login of %s refused: security info not registered (%s)", user,
                 escape_untrusted(reply.reason).c_str());
      return refuse(pamh, flags, ErrorCode::RegistrationRequired);
    case client::WizardOutcome::service_error:
      break;
  }
  // The wizard has told the user what went wrong (e.g. a damaged record).
  pam_syslog(pamh, LOG_ERR, "registration of %s failed in ssprd; login refused", user);
  return PAM_SYSTEM_ERR;
}

}  // namespace sspr::pam
