// The reset dialogue, the same at the login prompt (pam_sspr auth) and on the console
// (`sspr reset`): prove methods, then choose a new password. ssprd decides everything.
#pragma once

#include "conversation.hpp"
#include "reset_client.hpp"

#include <string>

namespace sspr::client {

enum class ResetOutcome {
  changed,          // the new password is set
  refused,          // wrong proofs, quit, or blocked: the user was told why
  no_conversation,  // nobody to ask
  service_error,    // ssprd failed or could not be reached
};

// `remote_host`: where a login comes from (pam_sspr's PAM_RHOST; "" for a local one): ssprd
// counts failures there when the caller is root.
ResetOutcome run_reset_flow(ResetClient& client, Conversation& conversation, const std::string& user,
                            const std::string& remote_host = {});

// A change by a user who knows the password. `current` is asked for when null. On success
// `chosen` (if given) receives the new password, for PAM_AUTHTOK.
ResetOutcome run_change_flow(ResetClient& client, Conversation& conversation, const std::string& user,
                             const Secret* current, Secret* chosen = nullptr);

}  // namespace sspr::client
