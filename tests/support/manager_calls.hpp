// Calls to ssprd's Manager as this process (root in the bus and PAM tests), for setting up
// registrations and for assertions: "ok", or "ERROR <bus error name>".
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace sspr::test {

// `member` with string arguments only.
std::string call_manager(const char* member, const std::vector<std::string>& args);
// RegenerateRecoveryCodes: the ten new codes (empty on an error).
std::vector<std::string> regenerate_recovery_codes(const std::string& user);
// BeginTotp: the new key in base32 (empty on an error).
std::string begin_totp(const std::string& user);
// SetSecurityQuestions with (question, answer) pairs.
std::string set_security_questions(const std::string& user,
                                   const std::vector<std::pair<std::string, std::string>>& questions_and_answers);

}  // namespace sspr::test
