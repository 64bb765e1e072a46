// sspr: the user's command for self-service password reset security info. Talks to ssprd over
// the system bus as the calling user; ssprd lets a user act only on their own registration.
#include "errors.hpp"
#include "proof.hpp"
#include "registration_client.hpp"
#include "reset_client.hpp"
#include "reset_flow.hpp"
#include "terminal_conversation.hpp"
#include "text.hpp"
#include "wizard.hpp"

#include <cstdio>
#include <pwd.h>
#include <unistd.h>
#include <cstring>
#include <ctime>
#include <string>

using namespace sspr;
using namespace sspr::client;

namespace {

constexpr std::uint64_t kTimeoutMs = 25000;

int usage(FILE* out) {
  std::fprintf(out,
               "Usage: sspr COMMAND\n"
               "\n"
               "Manage your security info for self-service password reset.\n"
               "\n"
               "  status                 what you have registered, and what is required of you\n"
               "  register               add or replace methods (the same wizard as at login)\n"
               "  remove METHOD          remove a method: totp, email, sms, questions, recovery_codes\n"
               "  recovery-codes         make a new set of recovery codes (the old set stops working)\n"
               "  reset [USER]           reset a forgotten password by proving registered methods\n"
               "  passwd                 change your password (you know the current one)\n"
               "  unlock USER            (root) end USER's password-reset block after too many failures\n"
               "  help                   this text\n");
  return out == stdout ? 0 : 2;
}

int fail(ErrorCode code) {
  std::fprintf(stderr, "sspr: %s\n", error_info(code).message.data());
  return 1;
}


// Before any change, prove it is you (ssprd remembers it for this connection). Root needs no
// proof.
bool step_up(RegistrationClient& client, Conversation& conv, const Registration& current) {
  if (getuid() == 0) return true;
  std::vector<std::string> registered;
  for (const auto& m : current.methods) registered.push_back(m.type);
  return prove_identity(client, conv, "", registered) == ProofOutcome::proven;
}

int cmd_status(RegistrationClient& client) {
  auto status = client.status("");
  if (!status) return fail(status.error());
  auto reg = client.registration("");
  if (!reg) return fail(reg.error());
  std::printf("User:           %s\n", status->user.c_str());
  std::printf("Registered:     %s (%zu of %u methods required)\n", status->registered ? "yes" : "no",
              reg->methods.size(), reg->methods_required);
  std::printf("Must register:  %s (%s)\n", status->must_register ? "yes" : "no", escape_untrusted(status->reason).c_str());
  if (status->reconfirm_due)
    std::printf("Reconfirmation: due now (you will be asked at your next login)\n");
  else if (reg->reconfirm_by_usec != 0)
    std::printf("Reconfirm by:   %s\n", local_time(reg->reconfirm_by_usec, TimeFormat::minute).c_str());
  if (status->action_needed() && status->can_skip)
    std::printf("Grace:          %s\n", grace_sentence(status->skips_left, status->skip_deadline_usec).c_str());
  std::printf("Methods:%s\n", reg->methods.empty() ? "        none" : "");
  const auto now_usec = static_cast<std::uint64_t>(std::time(nullptr)) * 1000000u;
  for (const auto& m : reg->methods) {
    std::string line = "  " + method_display_name(m.type);
    if (!m.masked_destination.empty()) line += " " + m.masked_destination;
    line += ", registered " + local_time(m.added_usec, TimeFormat::minute);
    if (m.usable_from_usec > now_usec) line += "; usable for a reset from " + local_time(m.usable_from_usec, TimeFormat::minute);
    std::printf("%s\n", line.c_str());
  }
  return 0;
}

int cmd_register(RegistrationClient& client) {
  cli::TerminalConversation conv;
  auto status = client.status("");
  if (!status) return fail(status.error());
  auto reg = client.registration("");
  if (!reg) return fail(reg.error());
  if (!step_up(client, conv, *reg)) return fail(ErrorCode::StepUpRequired);
  // Outside a login, the wizard is for adding and replacing: never offer a skip here.
  Status for_wizard = *status;
  for_wizard.registered = false;
  for_wizard.reconfirm_due = false;
  const auto outcome = run_registration_wizard(client, conv, status->user, for_wizard, {.allow_skip = false});
  switch (outcome) {
    case WizardOutcome::registered:
    case WizardOutcome::reconfirmed:
      return 0;
    case WizardOutcome::declined:
      return 1;
    default:
      return fail(ErrorCode::Internal);
  }
}

int cmd_remove(RegistrationClient& client, const char* method) {
  cli::TerminalConversation conv;
  auto reg = client.registration("");
  if (!reg) return fail(reg.error());
  if (!step_up(client, conv, *reg)) return fail(ErrorCode::StepUpRequired);
  auto done = client.remove_method("", method);
  if (!done) return fail(done.error());
  std::printf("Removed: %s\n", method_display_name(method).c_str());
  return 0;
}

int cmd_recovery_codes(RegistrationClient& client) {
  cli::TerminalConversation conv;
  auto reg = client.registration("");
  if (!reg) return fail(reg.error());
  if (!step_up(client, conv, *reg)) return fail(ErrorCode::StepUpRequired);
  auto codes = client.regenerate_recovery_codes("");
  if (!codes) return fail(codes.error());
  std::printf("Your new recovery codes (each works once; the old ones no longer work):\n");
  for (const auto& code : codes.value()) std::printf("  %s\n", code.c_str());
  return 0;
}

std::string own_user_name() {
  if (const passwd* pw = getpwuid(getuid())) return pw->pw_name;
  return {};
}

int cmd_reset(const std::string& user) {
  cli::TerminalConversation conv;
  auto client = ResetClient::connect(kTimeoutMs);
  if (!client) return fail(ErrorCode::ServiceUnknown);
  return run_reset_flow(client.value(), conv, user) == ResetOutcome::changed ? 0 : 1;
}

int cmd_unlock(const std::string& user) {
  auto client = ResetClient::connect(kTimeoutMs);
  if (!client) return fail(ErrorCode::ServiceUnknown);
  if (auto done = client.value().unlock(user); !done) return fail(done.error());
  std::printf("Password reset is unblocked for %s.\n", escape_untrusted(user).c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage(stderr);
  const std::string command = argv[1];
  if (command == "help" || command == "--help") return usage(stdout);
  if (command == "passwd" && argc == 2) {
    cli::TerminalConversation conv;
    auto reset_client = ResetClient::connect(kTimeoutMs);
    if (!reset_client) return fail(ErrorCode::ServiceUnknown);
    return run_change_flow(reset_client.value(), conv, own_user_name(), nullptr) == ResetOutcome::changed ? 0 : 1;
  }
  // A reset needs no registration connection: it has its own session.
  if (command == "unlock" && argc == 3) return cmd_unlock(argv[2]);
  if (command == "reset" && argc <= 3) return cmd_reset(argc == 3 ? argv[2] : own_user_name());
  auto client = RegistrationClient::connect(kTimeoutMs);
  if (!client) return fail(ErrorCode::ServiceUnknown);
  if (command == "status" && argc == 2) return cmd_status(client.value());
  if (command == "register" && argc == 2) return cmd_register(client.value());
  if (command == "remove" && argc == 3) return cmd_remove(client.value(), argv[2]);
  if (command == "recovery-codes" && argc == 2) return cmd_recovery_codes(client.value());
  return usage(stderr);
}
