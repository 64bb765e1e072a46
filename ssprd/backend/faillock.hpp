// pam_faillock's tally of failed logins, which a password reset clears (the user proved who
// they are; the old failures were the forgotten password's).
#pragma once

#include <string>

namespace sspr::daemon::backend {

// Removes `user`'s tally file from `directory` (pam_faillock's "dir", /var/run/faillock by
// default); nothing when `directory` is empty or holds none. Failures are logged.
void clear_faillock_tally(const std::string& directory, const std::string& user) noexcept;

}  // namespace sspr::daemon::backend
