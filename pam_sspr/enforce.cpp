#include "enforce.hpp"

#include "bus_client.hpp"
#include "config.hpp"
#include "errors.hpp"
#include "text.hpp"
#include "user_name.hpp"

#include <security/pam_ext.h>
#include <security/pam_modules.h>
#include <syslog.h>

namespace sspr::pam {
namespace {

void tell_user(pam_handle_t* pamh, int flags, std::string_view message) {
  if ((flags & PAM_SILENT) != 0) return;
  pam_error(pamh, "%.*s", static_cast<int>(message.size()), message.data());
}

// ssprd is the authority; only when it cannot be asked do we read the policy ourselves, and
// then only the one key that says what to do.
UnavailableAction unavailable_action(pam_handle_t* pamh, const ModuleOptions& options) {
  const auto loaded = load_config(options.config_path, false);
  for (const auto& e : loaded.errors)
    pam_syslog(pamh, LOG_WARNING, "config: %s", escape_untrusted(e.to_string(), 512).c_str());
  return loaded.ok() ? loaded.config.when_unavailable : UnavailableAction::ignore;
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

  const auto query = query_registration_status(user, options.timeout_ms);
  switch (query.outcome) {
    case CallOutcome::unavailable: {
      if (unavailable_action(pamh, options) == UnavailableAction::deny) {
        pam_syslog(pamh, LOG_ERR, "cannot reach ssprd (%s); login of %s denied (when_unavailable = deny)",
                   query.detail.c_str(), user);
        const auto& info = error_info(ErrorCode::ServiceUnknown);
        tell_user(pamh, flags, info.message);
        return info.pam_code;
      }
      // Enforcement is a posture control: an outage must never lock everybody out.
      pam_syslog(pamh, LOG_ERR, "cannot reach ssprd (%s); registration is not enforced for %s",
                 query.detail.c_str(), user);
      return PAM_IGNORE;
    }
    case CallOutcome::malformed:
      pam_syslog(pamh, LOG_ERR, "unexpected answer from ssprd for %s: %s", user, query.detail.c_str());
      return PAM_SYSTEM_ERR;
    case CallOutcome::error_reply:
      pam_syslog(pamh, LOG_ERR, "ssprd refused the status query for %s: %s", user, query.detail.c_str());
      return query.error->pam_code;
    case CallOutcome::ok:
      break;
  }

  const auto& status = query.reply;
  if (options.debug)
    pam_syslog(pamh, LOG_DEBUG, "%s: registered=%s must_register=%s (%s)", user, status.registered ? "yes" : "no",
               status.must_register ? "yes" : "no", escape_untrusted(status.reason).c_str());
  if (status.must_register && !status.registered) {
    pam_syslog(pamh, LOG_NOTICE, "login of %s refused: security info not registered (%s)", user,
               escape_untrusted(status.reason).c_str());
    const auto& info = error_info(ErrorCode::RegistrationRequired);
    tell_user(pamh, flags, info.message);
    return info.pam_code;
  }
  return PAM_SUCCESS;
}

}  // namespace sspr::pam
