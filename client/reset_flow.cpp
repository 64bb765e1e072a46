#include "reset_flow.hpp"

#include "errors.hpp"

#include <functional>
#include <optional>
#include "text.hpp"
#include "wizard.hpp"

namespace sspr::client {
namespace {

constexpr int kMaxRounds = 8;
constexpr int kMaxPasswordTries = 3;

// Whether the reset ends with `code`, and how: refused (the user was told why) or a failure of
// ssprd or what it depends on (a service error, logged by the caller). Nothing for a retry.
std::optional<ResetOutcome> ending(ErrorCode code) {
  switch (error_info(code).consequence) {
    case Consequence::retry: return std::nullopt;
    case Consequence::refusal: return ResetOutcome::refused;
    case Consequence::failure: return ResetOutcome::service_error;
  }
  return ResetOutcome::service_error;
}

// What the user is told of a refusal: ssprd's own words where the row says they are for the
// user (a block says for how long), else the table's.
std::string refusal_text(const ResetClient& client, ErrorCode code) {
  if (error_info(code).user_text && !client.refusal_text().empty()) return client.refusal_text();
  return std::string(error_info(code).message);
}

enum class Asked { ok, mismatch, gone };

// The new password, typed twice.
Asked ask_new_password(Conversation& conv, Secret& out) {
  auto first = conv.ask_secret("New password: ");
  if (!first) return Asked::gone;
  auto second = conv.ask_secret("Retype the new password: ");
  if (!second) return Asked::gone;
  if (!first->equals(*second)) {
    conv.error("The passwords do not match.");
    return Asked::mismatch;
  }
  out = std::move(*first);
  return Asked::ok;
}

// Asks for a new password (typed twice) until `write` takes one, or a refusal another
// password cannot fix ends it; `refusal` is what the user is told of that one.
using Write = std::function<Result<Done>(const Secret& password, std::string& reason)>;
using RefusalText = std::function<std::string(ErrorCode, const std::string& reason)>;
ResetOutcome new_password(Conversation& conv, const Write& write, const RefusalText& refusal, Secret* chosen) {
  for (int attempt = 0; attempt < kMaxPasswordTries; ++attempt) {
    Secret first;
    const auto asked = ask_new_password(conv, first);
    if (asked == Asked::gone) return ResetOutcome::no_conversation;
    if (asked == Asked::mismatch) continue;
    std::string reason;
    const auto written = write(first, reason);
    if (written) {
      conv.info("Your password has been changed.");
      if (chosen != nullptr) *chosen = std::move(first);
      return ResetOutcome::changed;
    }
    const ErrorCode code = written.error();
    if (code == ErrorCode::NoReply || code == ErrorCode::Disconnected) {
      // ssprd went away after taking the password: it may or may not have been written.
      conv.error("The password service stopped while setting your password. It may have been changed: try "
                 "logging in with the new password, and if that fails, with the old one.");
      return ResetOutcome::service_error;
    }
    if (error_info(code).another_password_may_pass) {
      conv.error(reason.empty() ? std::string(error_info(code).message) : reason);
      continue;
    }
    conv.error(refusal(code, reason));
    return ending(code).value_or(ResetOutcome::refused);
  }
  return ResetOutcome::refused;
}

ResetOutcome choose_password(ResetClient& client, Conversation& conv) {
  return new_password(
      conv, [&client](const Secret& password, std::string& reason) { return client.set_password(password, reason); },
      [&client](ErrorCode code, const std::string& reason) {
        return reason.empty() ? refusal_text(client, code) : reason;
      },
      nullptr);
}

}  // namespace

ResetOutcome run_reset_flow(ResetClient& client, Conversation& conv, const std::string& user, const std::string& remote_host) {
  auto started = client.start(user, remote_host);
  if (!started) {
    conv.error(refusal_text(client, started.error()));
    return error_info(started.error()).consequence == Consequence::refusal ? ResetOutcome::refused
                                                                           : ResetOutcome::service_error;
  }
  conv.info("Resetting the password of " + user + ". Prove " + std::to_string(started->required) +
            (started->required == 1 ? " registered method." : " different registered methods."));
  // The methods still to choose from: each proves once. An administrator's second proof is
  // asked after the first (ssprd says how many remain), as Entra does.
  auto open = started->methods;
  const auto proven = [&](const std::string& type) {
    std::erase_if(open, [&](const auto& m) { return m.first == type; });
    conv.info("Confirmed. Prove one more registered method, a different one.");
  };
  for (int round = 0; round < kMaxRounds && !open.empty(); ++round) {
    std::string menu;
    for (std::size_t i = 0; i < open.size(); ++i)
      menu += (i ? "\n" : "") + std::string("  ") + std::to_string(i + 1) + ") " + method_display_name(open[i].first) +
              (open[i].second.empty() ? "" : " " + open[i].second);
    conv.info(menu);
    auto choice = conv.ask("Your choice: ");
    if (!choice) return ResetOutcome::no_conversation;
    const auto n = parse_uint(trim(*choice));
    if (!n || *n < 1 || *n > open.size()) {
      conv.error("Please choose one of the listed options.");
      continue;
    }
    const std::string type = open[*n - 1].first;
    if (type == "questions") {
      auto asked = client.questions();
      if (!asked) {
        conv.error(refusal_text(client, asked.error()));
        if (const auto end = ending(asked.error())) return *end;
        continue;
      }
      std::vector<Secret> answers;
      for (const auto& question : asked.value()) {
        auto answer = conv.ask_secret(question + " ");
        if (!answer) return ResetOutcome::no_conversation;
        answers.push_back(std::move(*answer));
      }
      auto progress = client.verify_answers(answers);
      if (!progress) {
        conv.error(progress.error() == ErrorCode::BadCode ? std::string("The answers are not correct.")
                                                          : refusal_text(client, progress.error()));
        if (const auto end = ending(progress.error())) return *end;
        continue;
      }
      if (progress->verified) return choose_password(client, conv);
      proven(type);
      continue;
    }
    const bool sent_code = type == "email" || type == "sms";
    if (sent_code) {
      auto sent = client.send_code(type);
      if (!sent) {
        conv.error(refusal_text(client, sent.error()));
        if (const auto end = ending(sent.error())) return *end;
        continue;
      }
      conv.info("A code was sent to " + *sent + ".");
    }
    // A mistyped sent code may be typed again (ssprd voids it after [codes] max_tries); other
    // refusals go back to the choice of method.
    Result<ResetProgress> progress = ErrorCode::BadCode;
    do {
      auto answer = conv.ask_code(type == "totp" ? "Code shown by the app: " : sent_code ? "Code from the message: " : "Recovery code: ");
      if (!answer) return ResetOutcome::no_conversation;
      progress = client.verify(type, Secret(trim(answer->reveal())));
      if (!progress) conv.error(refusal_text(client, progress.error()));
    } while (!progress && sent_code && progress.error() == ErrorCode::BadCode);
    if (!progress) {
      if (const auto end = ending(progress.error())) return *end;
      continue;
    }
    if (progress->verified) return choose_password(client, conv);
    proven(type);
  }
  if (open.empty()) conv.error("No other registered method is left to prove. Ask an administrator to reset the password.");
  return ResetOutcome::refused;
}

ResetOutcome run_change_flow(ResetClient& client, Conversation& conv, const std::string& user, const Secret* current,
                             Secret* chosen) {
  std::optional<Secret> typed_current;
  if (current == nullptr) {
    typed_current = conv.ask_secret("Current password: ");
    if (!typed_current) return ResetOutcome::no_conversation;
    current = &*typed_current;
  }
  return new_password(
      conv,
      [&](const Secret& password, std::string& reason) {
        return client.change_password(user, *current, password, reason);
      },
      [](ErrorCode code, const std::string& reason) {
        if (code == ErrorCode::BadCode) return std::string("The current password is not correct.");
        return reason.empty() ? std::string(error_info(code).message) : reason;
      },
      chosen);
}

}  // namespace sspr::client
