// The registration wizard: walks a user through registering (or reconfirming) security info
// in any Conversation — the login conversation of pam_sspr, or the terminal of `sspr register`.
// It only relays: ssprd validates, verifies and stores everything.
#pragma once

#include "conversation.hpp"
#include "registration_client.hpp"

#include <string>

namespace sspr::client {

enum class WizardOutcome {
  registered,           // enough methods now registered
  reconfirmed,          // the user confirmed the registered info is still right
  skipped,              // skipped within grace
  declined,             // the user quit, or could not finish
  no_conversation,      // nobody to ask (non-interactive login)
  service_error,        // ssprd failed or went away
};

struct WizardOptions {
  bool allow_skip = true;  // false in `sspr register`: skipping is a login decision
  // The login proved nothing the wizard may rely on (a login by SSH key): the first change
  // waits for the current password (whoever holds the key must not get a reset of their own).
  bool ask_password_first = false;
};

// `status` is what ssprd said about the user just before.
WizardOutcome run_registration_wizard(RegistrationClient& client, Conversation& conversation, const std::string& user,
                                      const Status& status, const WizardOptions& options = {});

// "You can skip this 2 more times, until 2026-12-08." (empty when no skip is left)
std::string grace_sentence(std::uint32_t skips_left, std::uint64_t deadline_usec);

// "Authenticator app", "E-mail", ... for a method type name from ssprd.
std::string method_display_name(const std::string& type);

}  // namespace sspr::client
