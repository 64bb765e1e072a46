// The user dialogue, independent of where it happens: the PAM conversation at login
// (pam_conversation.cpp) or a terminal for the sspr command. The wizard only talks to this.
#pragma once

#include "secret.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace sspr::client {

class Conversation {
 public:
  virtual ~Conversation() = default;
  // nullopt: no answer can be had (no terminal, the client hung up, a non-interactive login).
  virtual std::optional<std::string> ask(std::string_view prompt) = 0;
  // A password or an answer: not shown while typed.
  virtual std::optional<Secret> ask_secret(std::string_view prompt) = 0;
  // A code the user reads off a device or a message: shown as typed, but held (and wiped) as
  // the secret it is.
  virtual std::optional<Secret> ask_code(std::string_view prompt) = 0;
  virtual void info(std::string_view text) = 0;
  virtual void error(std::string_view text) = 0;
};

}  // namespace sspr::client
