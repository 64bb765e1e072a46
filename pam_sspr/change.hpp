// The password phase: a user who knows the password changes it through ssprd (which checks
// quality and writes the backend that owns the account). Users ssprd cannot change (not in
// the shadow file, or ssprd unreachable) fall through to the rest of the password stack.
#pragma once

#include "module_options.hpp"

#include <security/pam_modules.h>

namespace sspr::pam {

int change_password(pam_handle_t* pamh, int flags, const ModuleOptions& options);

}  // namespace sspr::pam
