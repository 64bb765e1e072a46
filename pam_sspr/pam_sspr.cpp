// The six PAM entry points. Each is noexcept and only dispatches: no exception, and no
// decision, is made here.
#include "change.hpp"
#include "enforce.hpp"
#include "module_options.hpp"
#include "offer_reset.hpp"
#include "text.hpp"

#include <new>
#include <security/pam_ext.h>
#include <security/pam_modules.h>
#include <syslog.h>

namespace {

template <class Flow>
int run_guarded(pam_handle_t* pamh, const char* phase, Flow&& flow) noexcept {
  try {
    return flow();
  } catch (const std::bad_alloc&) {
    pam_syslog(pamh, LOG_CRIT, "%s: out of memory", phase);
    return PAM_BUF_ERR;
  } catch (const std::exception& e) {
    pam_syslog(pamh, LOG_ERR, "%s failed: %s", phase, e.what());
    return PAM_SERVICE_ERR;
  } catch (...) {
    pam_syslog(pamh, LOG_ERR, "%s failed with an unknown exception", phase);
    return PAM_SERVICE_ERR;
  }
}

sspr::pam::ModuleOptions options_for(pam_handle_t* pamh, int argc, const char** argv) {
  std::vector<std::string> warnings;
  auto options = sspr::pam::parse_module_options(argc, argv, warnings);
  for (const auto& w : warnings) pam_syslog(pamh, LOG_WARNING, "%s", w.c_str());
  return options;
}

}  // namespace

extern "C" {

__attribute__((visibility("default"))) int pam_sm_acct_mgmt(pam_handle_t* pamh, int flags, int argc,
                                                               const char** argv) noexcept {
  return run_guarded(pamh, "account", [&] {
    return sspr::pam::enforce_registration(pamh, flags, options_for(pamh, argc, argv));
  });
}

// Placed after the password module (see docs/pam_sspr.md): offers a reset when the password
// was wrong. Never returns success.
__attribute__((visibility("default"))) int pam_sm_authenticate(pam_handle_t* pamh, int flags, int argc,
                                                                  const char** argv) noexcept {
  return run_guarded(pamh, "auth", [&] { return sspr::pam::offer_reset(pamh, flags, options_for(pamh, argc, argv)); });
}

// Sessions and credentials are not sspr's business.
__attribute__((visibility("default"))) int pam_sm_setcred(pam_handle_t*, int, int, const char**) noexcept {
  return PAM_IGNORE;
}
__attribute__((visibility("default"))) int pam_sm_chauthtok(pam_handle_t* pamh, int flags, int argc,
                                                               const char** argv) noexcept {
  return run_guarded(pamh, "password", [&] { return sspr::pam::change_password(pamh, flags, options_for(pamh, argc, argv)); });
}
__attribute__((visibility("default"))) int pam_sm_open_session(pam_handle_t*, int, int, const char**) noexcept {
  return PAM_IGNORE;
}
__attribute__((visibility("default"))) int pam_sm_close_session(pam_handle_t*, int, int, const char**) noexcept {
  return PAM_IGNORE;
}

}  // extern "C"
