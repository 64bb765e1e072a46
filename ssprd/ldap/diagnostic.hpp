// What a failed directory call says beyond its ErrorCode. Kept apart from Result so the
// code stays the one thing callers branch on.
#pragma once

#include <string>

namespace sspr::ldap {

struct Diagnostic {
  // For the user, when the directory refused a new password: one fixed sentence saying why
  // (never the server's own text). Empty otherwise: the error table's message says it.
  std::string user_text;
  // One line for the log: which server, which operation, the LDAP result and the server's
  // diagnostic message (escaped). Never a password, never an registration record.
  std::string log_text;
};

}  // namespace sspr::ldap
