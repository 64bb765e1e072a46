// Conversation on the terminal for the sspr command: prompts on stdout, answers from stdin,
// secrets read with echo off when stdin is a terminal.
#pragma once

#include "conversation.hpp"

namespace sspr::cli {

class TerminalConversation final : public client::Conversation {
 public:
  std::optional<std::string> ask(std::string_view prompt) override;
  std::optional<Secret> ask_secret(std::string_view prompt) override;
  std::optional<Secret> ask_code(std::string_view prompt) override;
  void info(std::string_view text) override;
  void error(std::string_view text) override;
};

}  // namespace sspr::cli
