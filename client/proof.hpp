// The proof a user gives before changing security info (ssprd's StepUp, remembered for the
// connection): the current password, or an app or recovery code once those are registered.
// One dialogue for `sspr register/remove/recovery-codes` and for the login wizard when the
// login itself proved nothing (a login by SSH key).
#pragma once

#include "conversation.hpp"
#include "registration_client.hpp"

#include <string>
#include <vector>

namespace sspr::client {

enum class ProofOutcome {
  proven,
  refused,          // three wrong answers, or ssprd refused (blocked): told to the user
  no_conversation,  // nobody to ask
};

// `registered` are the user's method types ("totp", "recovery_codes", ...): the codes among
// them are offered beside the password. `user` as for every call ("" is the caller).
ProofOutcome prove_identity(RegistrationClient& client, Conversation& conversation, const std::string& user,
                            const std::vector<std::string>& registered);

}  // namespace sspr::client
