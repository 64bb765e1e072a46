// The account-phase flow: must this user register before the login may go on?
#pragma once

#include "module_options.hpp"

#include <security/pam_modules.h>

namespace sspr::pam {

int enforce_registration(pam_handle_t* pamh, int flags, const ModuleOptions& options);

}  // namespace sspr::pam
