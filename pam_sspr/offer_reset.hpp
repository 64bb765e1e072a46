// The auth-phase flow: after a wrong password, offer a reset at the login prompt. It never
// lets the login succeed: a user who resets logs in again with the new password (pam_unix
// checks it then), so pam_sspr can never be "sufficient" for a login.
#pragma once

#include "module_options.hpp"

#include <security/pam_modules.h>

namespace sspr::pam {

int offer_reset(pam_handle_t* pamh, int flags, const ModuleOptions& options);

}  // namespace sspr::pam
