#include "wizard.hpp"

#include "errors.hpp"
#include "proof.hpp"
#include "text.hpp"

#include <algorithm>
#include <ctime>

namespace sspr::client {
namespace {

constexpr int kMaxMenuRounds = 12;
constexpr int kMaxCodeTries = 3;

std::string lower_trimmed(std::string_view s) {
  std::string out(trim(s));
  for (auto& c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return out;
}

// Speaks an error from ssprd in the table's words.
void say_error(Conversation& conv, ErrorCode code) { conv.error(error_info(code).message); }

// Registration goes on after anything but a failure of ssprd (the user may choose again, skip
// within grace, or quit).
bool is_fatal(ErrorCode code) { return error_info(code).consequence == Consequence::failure; }

enum class Step { done, retry_menu, quit, no_conversation, fatal };

Step register_totp(RegistrationClient& client, Conversation& conv, const std::string& user) {
  auto offer = client.begin_totp(user);
  if (!offer) {
    say_error(conv, offer.error());
    return is_fatal(offer.error()) ? Step::fatal : Step::retry_menu;
  }
  conv.info("Scan this QR code with your authenticator app:");
  conv.info(offer->qr_text.reveal());
  std::string key_line = "Or enter this key by hand: " + std::string(offer->secret_base32.reveal());
  conv.info(key_line);
  secure_wipe(key_line.data(), key_line.size());
  for (int attempt = 0; attempt < kMaxCodeTries; ++attempt) {
    auto code = conv.ask_code("Code shown by the app: ");
    if (!code) return Step::no_conversation;
    auto confirmed = client.confirm_totp(user, Secret(trim(code->reveal())));
    if (confirmed) {
      conv.info("Authenticator app registered.");
      return Step::done;
    }
    say_error(conv, confirmed.error());
    if (confirmed.error() != ErrorCode::BadCode) return is_fatal(confirmed.error()) ? Step::fatal : Step::retry_menu;
  }
  return Step::retry_menu;
}

Step register_contact(RegistrationClient& client, Conversation& conv, const std::string& user, const std::string& type) {
  const bool email = type == "email";
  // An address the directory keeps for the user is offered; Enter takes it (it is confirmed
  // with a code like any other).
  std::string known;
  if (auto contacts = client.directory_contacts(user)) known = email ? contacts->first : contacts->second;
  const std::string prompt = email ? "Your e-mail address" : "Your mobile number (like +4915112345678)";
  auto address = conv.ask(known.empty() ? prompt + ": " : prompt + " [Enter: " + escape_untrusted(known) + "]: ");
  if (!address) return Step::no_conversation;
  auto offer = client.begin_contact(user, type, std::string(trim(*address)));
  if (!offer) {
    say_error(conv, offer.error());
    return is_fatal(offer.error()) ? Step::fatal : Step::retry_menu;
  }
  conv.info("A code was sent to " + offer->masked_destination + ".");
  for (int attempt = 0; attempt < kMaxCodeTries; ++attempt) {
    auto code = conv.ask_code("Code from the message: ");
    if (!code) return Step::no_conversation;
    auto confirmed = client.confirm_contact(user, type, Secret(trim(code->reveal())));
    if (confirmed) {
      conv.info(std::string(email ? "E-mail address" : "Mobile number") + " registered.");
      return Step::done;
    }
    say_error(conv, confirmed.error());
    if (confirmed.error() != ErrorCode::BadCode) return is_fatal(confirmed.error()) ? Step::fatal : Step::retry_menu;
  }
  return Step::retry_menu;
}

Step register_questions(RegistrationClient& client, Conversation& conv, const std::string& user) {
  auto questions = client.security_questions();
  if (!questions) {
    say_error(conv, questions.error());
    return Step::fatal;
  }
  conv.info("Choose " + std::to_string(questions->count) + " different questions and answer them (3 to 40 characters; "
            "case and spacing do not matter):");
  std::string list;
  for (std::size_t i = 0; i < questions->pool.size(); ++i)
    list += (i ? "\n" : "") + std::to_string(i + 1) + ") " + questions->pool[i];
  conv.info(list);
  std::vector<std::pair<std::string, Secret>> answers;
  while (answers.size() < questions->count) {
    auto pick = conv.ask("Question number (" + std::to_string(answers.size() + 1) + " of " +
                         std::to_string(questions->count) + "): ");
    if (!pick) return Step::no_conversation;
    const auto n = parse_uint(trim(*pick));
    if (!n || *n < 1 || *n > questions->pool.size()) {
      conv.error("Please enter a number from the list.");
      continue;
    }
    const auto& question = questions->pool[*n - 1];
    auto answer = conv.ask_secret(question + " ");
    if (!answer) return Step::no_conversation;
    answers.emplace_back(question, std::move(*answer));
  }
  auto set = client.set_security_questions(user, answers);
  if (!set) {
    say_error(conv, set.error());
    return is_fatal(set.error()) ? Step::fatal : Step::retry_menu;
  }
  conv.info("Security questions registered.");
  return Step::done;
}

Step register_recovery_codes(RegistrationClient& client, Conversation& conv, const std::string& user) {
  auto codes = client.regenerate_recovery_codes(user);
  if (!codes) {
    say_error(conv, codes.error());
    return is_fatal(codes.error()) ? Step::fatal : Step::retry_menu;
  }
  std::string text = "Your recovery codes (each works once; they are shown only now):";
  for (const auto& code : codes.value()) text += "\n  " + std::string(code.reveal());
  conv.info(text);
  secure_wipe(text.data(), text.size());
  for (;;) {
    auto ok = conv.ask("Type 'yes' once you have stored them somewhere safe: ");
    if (!ok) return Step::no_conversation;
    if (lower_trimmed(*ok) == "yes") break;
  }
  conv.info("Recovery codes registered.");
  return Step::done;
}


}  // namespace

std::string method_display_name(const std::string& type) {
  if (type == "totp") return "Authenticator app";
  if (type == "email") return "E-mail";
  if (type == "sms") return "Mobile phone (SMS)";
  if (type == "questions") return "Security questions";
  if (type == "recovery_codes") return "Recovery codes";
  return type;
}

std::string grace_sentence(std::uint32_t skips_left, std::uint64_t deadline_usec) {
  if (skips_left == 0) return {};
  std::string s = "You can skip this " + std::to_string(skips_left) + (skips_left == 1 ? " more time" : " more times");
  if (deadline_usec != 0) s += ", until " + local_time(deadline_usec, TimeFormat::date);
  return s + ".";
}

WizardOutcome run_registration_wizard(RegistrationClient& client, Conversation& conv, const std::string& user,
                                      const Status& status, const WizardOptions& options) {
  const bool can_skip = options.allow_skip && status.can_skip;

  if (status.registered && status.reconfirm_due) {
    auto current = client.registration(user);
    if (!current) return WizardOutcome::service_error;
    std::string text = "Please check your password-reset security info:";
    for (const auto& m : current->methods)
      text += "\n  - " + method_display_name(m.type) + (m.masked_destination.empty() ? "" : " " + m.masked_destination);
    conv.info(text);
    for (;;) {
      auto answer = conv.ask(can_skip ? "Is this still correct? [yes/no/skip]: " : "Is this still correct? [yes/no]: ");
      if (!answer) return WizardOutcome::no_conversation;
      const auto a = lower_trimmed(*answer);
      if (a == "yes" || a == "y") {
        if (!client.confirm_registration(user)) return WizardOutcome::service_error;
        conv.info("Thank you, your security info is confirmed.");
        return WizardOutcome::reconfirmed;
      }
      if (a == "skip" && can_skip) {
        auto skipped = client.skip(user);
        if (!skipped) return WizardOutcome::service_error;
        conv.info("Skipped. " + grace_sentence(skipped->skips_left, skipped->deadline_usec));
        return WizardOutcome::skipped;
      }
      if (a == "no" || a == "n") break;  // go on to change it below
    }
  } else {
    conv.info("Your account needs security info for self-service password reset, so that you can reset a forgotten "
              "password yourself.");
    if (can_skip) conv.info(grace_sentence(status.skips_left, status.skip_deadline_usec));
  }

  bool changed = false;
  bool proven = !options.ask_password_first;
  for (int round = 0; round < kMaxMenuRounds; ++round) {
    auto current = client.registration(user);
    if (!current) {
      say_error(conv, current.error());
      return WizardOutcome::service_error;
    }
    std::vector<std::string> have;
    for (const auto& m : current->methods) have.push_back(m.type);
    const bool enough = have.size() >= current->methods_required;
    if (enough && (changed || !status.registered)) {
      conv.info("Your security info is registered. Thank you.");
      return WizardOutcome::registered;
    }

    std::vector<std::string> choices;
    std::string menu = "Register a method (" + std::to_string(have.size()) + " of " +
                       std::to_string(current->methods_required) + " registered):";
    for (const auto& type : current->offered) {
      choices.push_back(type);
      const bool registered = std::find(have.begin(), have.end(), type) != have.end();
      menu += "\n  " + std::to_string(choices.size()) + ") " + method_display_name(type) +
              (registered ? " (registered; choose to replace)" : "");
    }
    if (can_skip) menu += "\n  s) Skip for now";
    menu += "\n  q) Quit";
    conv.info(menu);
    auto answer = conv.ask("Your choice: ");
    if (!answer) return WizardOutcome::no_conversation;
    const auto a = lower_trimmed(*answer);
    if (a == "q") return WizardOutcome::declined;
    if (a == "s" && can_skip) {
      auto skipped = client.skip(user);
      if (!skipped) {
        say_error(conv, skipped.error());
        return WizardOutcome::service_error;
      }
      conv.info("Skipped. " + grace_sentence(skipped->skips_left, skipped->deadline_usec));
      return WizardOutcome::skipped;
    }
    const auto n = parse_uint(a);
    if (!n || *n < 1 || *n > choices.size()) {
      conv.error("Please choose one of the listed options.");
      continue;
    }
    const auto& type = choices[*n - 1];
    if (!proven) {
      const auto proof = prove_identity(client, conv, user, {});
      if (proof == ProofOutcome::no_conversation) return WizardOutcome::no_conversation;
      if (proof == ProofOutcome::refused) continue;  // told why; the menu again (skip or quit)
      proven = true;
    }
    Step step = Step::retry_menu;
    if (type == "totp") step = register_totp(client, conv, user);
    else if (type == "email" || type == "sms") step = register_contact(client, conv, user, type);
    else if (type == "questions") step = register_questions(client, conv, user);
    else if (type == "recovery_codes") step = register_recovery_codes(client, conv, user);
    switch (step) {
      case Step::done: changed = true; break;
      case Step::retry_menu: break;
      case Step::quit: return WizardOutcome::declined;
      case Step::no_conversation: return WizardOutcome::no_conversation;
      case Step::fatal: return WizardOutcome::service_error;
    }
  }
  return WizardOutcome::declined;
}

}  // namespace sspr::client
