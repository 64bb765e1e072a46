#include "manager_bus.hpp"

#include "bus_auth.hpp"
#include "bus_names.hpp"
#include "bus_util.hpp"
#include "caller_first.hpp"
#include "registration_bus.hpp"
#include "reset_bus.hpp"
#include "text.hpp"

namespace sspr::daemon {
namespace {

constexpr std::size_t kMaxUserArgument = 256;

// Asked at every login (pam_sspr, as root) and by users about themselves. The caller's uid is
// known before this runs (caller_first).
int method_get_registration_status(sd_bus_message* message, void* userdata, sd_bus_error* error) noexcept {
  return guard_bus_call("GetRegistrationStatus", error, [&]() -> int {
    auto& ctx = *static_cast<BusContext*>(userdata);
    const char* user = nullptr;
    int r = sd_bus_message_read(message, "s", &user);
    if (r < 0) return r;
    const std::string_view name(user);
    if (name.size() > kMaxUserArgument) return set_bus_error(error, ErrorCode::InvalidUserName);
    uid_t caller = 0;
    if ((r = caller_uid(ctx.caller_uids, message, &caller)) < 0) {
      log_warning("GetRegistrationStatus: cannot establish the caller's uid (%d); denied", r);
      return set_bus_error(error, ErrorCode::AccessDenied);
    }
    return answer(message, ctx.manager.registration_status(caller, std::string(name)),
                  [caller, name](sd_bus_message* call, const Result<RegistrationStatus>& status, sd_bus_error* refusal) {
                    if (!status) {
                      // `name` points into the call, which the reply holds until it is sent.
                      log_debug("GetRegistrationStatus(%s) by uid %u: %s", escape_untrusted(name).c_str(),
                                static_cast<unsigned>(caller), error_info(status.error()).bus_name.data());
                      return set_bus_error(refusal, status.error());
                    }
                    return sd_bus_reply_method_return(call, "sbbsbbut", status->user.c_str(), status->registered,
                                                      status->must_register, status->reason.c_str(),
                                                      status->reconfirm_due, status->can_skip, status->skips_left,
                                                      static_cast<uint64_t>(status->skip_deadline) * 1000000u);
                  });
  });
}

}  // namespace

// Methods a user may call about themselves carry SD_BUS_VTABLE_UNPRIVILEGED (ssprd then checks
// "root or self" from the bus credentials); the rest are root-only at the sd-bus level too.
// Every method whose arguments or reply carry a secret is SD_BUS_VTABLE_SENSITIVE.
const sd_bus_vtable kManagerVtable[] = {
    SD_BUS_VTABLE_START(0),
    // Asked at every login by pam_sspr (as root) and by users about themselves.
    SD_BUS_METHOD_WITH_ARGS("GetRegistrationStatus", SD_BUS_ARGS("s", user_name),
                            SD_BUS_RESULT("s", resolved_user_name, "b", registered, "b", must_register, "s", reason,
                                          "b", reconfirm_due, "b", can_skip, "u", skips_left, "t",
                                          skip_deadline_usec),
                            caller_first<method_get_registration_status>, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_ARGS("GetRegistration", SD_BUS_ARGS("s", user_name),
                            SD_BUS_RESULT("a(sstt)", methods, "as", offered_methods, "u", methods_required, "t",
                                          reconfirm_by_usec),
                            caller_first<method_get_registration>, SD_BUS_VTABLE_UNPRIVILEGED),
    // What the directory keeps for the user (masked), offered as the address to register.
    SD_BUS_METHOD_WITH_ARGS("GetDirectoryContacts", SD_BUS_ARGS("s", user_name),
                            SD_BUS_RESULT("s", masked_email, "s", masked_phone), caller_first<method_get_directory_contacts>,
                            SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_ARGS("BeginTotp", SD_BUS_ARGS("s", user_name),
                            SD_BUS_RESULT("s", secret_base32, "s", otpauth_uri, "s", qr_code_text), caller_first<method_begin_totp>,
                            SD_BUS_VTABLE_UNPRIVILEGED | SD_BUS_VTABLE_SENSITIVE),
    SD_BUS_METHOD_WITH_ARGS("ConfirmTotp", SD_BUS_ARGS("s", user_name, "s", code), SD_BUS_NO_RESULT,
                            caller_first<method_confirm_totp>, SD_BUS_VTABLE_UNPRIVILEGED | SD_BUS_VTABLE_SENSITIVE),
    SD_BUS_METHOD_WITH_ARGS("BeginContact", SD_BUS_ARGS("s", user_name, "s", method, "s", address),
                            SD_BUS_RESULT("s", masked_destination, "t", expires_usec), caller_first<method_begin_contact>,
                            SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_ARGS("ConfirmContact", SD_BUS_ARGS("s", user_name, "s", method, "s", code), SD_BUS_NO_RESULT,
                            caller_first<method_confirm_contact>, SD_BUS_VTABLE_UNPRIVILEGED | SD_BUS_VTABLE_SENSITIVE),
    SD_BUS_METHOD_WITH_ARGS("GetSecurityQuestions", SD_BUS_NO_ARGS, SD_BUS_RESULT("as", questions, "u", count),
                            method_get_security_questions, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_ARGS("SetSecurityQuestions", SD_BUS_ARGS("s", user_name, "a(ss)", questions_and_answers),
                            SD_BUS_NO_RESULT, caller_first<method_set_security_questions>,
                            SD_BUS_VTABLE_UNPRIVILEGED | SD_BUS_VTABLE_SENSITIVE),
    SD_BUS_METHOD_WITH_ARGS("RegenerateRecoveryCodes", SD_BUS_ARGS("s", user_name), SD_BUS_RESULT("as", codes),
                            caller_first<method_regenerate_recovery_codes>, SD_BUS_VTABLE_UNPRIVILEGED | SD_BUS_VTABLE_SENSITIVE),
    SD_BUS_METHOD_WITH_ARGS("RemoveMethod", SD_BUS_ARGS("s", user_name, "s", method), SD_BUS_NO_RESULT,
                            caller_first<method_remove_method>, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_ARGS("ConfirmRegistration", SD_BUS_ARGS("s", user_name), SD_BUS_NO_RESULT,
                            caller_first<method_confirm_registration>, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_ARGS("StepUp", SD_BUS_ARGS("s", user_name, "s", method, "s", response), SD_BUS_NO_RESULT,
                            caller_first<method_step_up>, SD_BUS_VTABLE_UNPRIVILEGED | SD_BUS_VTABLE_SENSITIVE),
    // Anyone may start a reset for any user name: the registered methods are the proof. The
    // remote host (pam_sspr's PAM_RHOST) is where failures count, taken from root only.
    SD_BUS_METHOD_WITH_ARGS("StartReset", SD_BUS_ARGS("s", user_name, "s", remote_host),
                            SD_BUS_RESULT("o", session, "a(ss)", methods, "u", methods_required), caller_first<method_start_reset>,
                            SD_BUS_VTABLE_UNPRIVILEGED),
    // A user who knows the password changes it (root may for anyone, as passwd does).
    SD_BUS_METHOD_WITH_ARGS("ChangePassword", SD_BUS_ARGS("s", user_name, "s", current_password, "s", new_password),
                            SD_BUS_NO_RESULT, caller_first<method_change_password>,
                            SD_BUS_VTABLE_UNPRIVILEGED | SD_BUS_VTABLE_SENSITIVE),
    // Root only: a skip is a login decision taken by pam_sspr.
    SD_BUS_METHOD_WITH_ARGS("SkipRegistration", SD_BUS_ARGS("s", user_name),
                            SD_BUS_RESULT("u", skips_left, "t", skip_deadline_usec), caller_first<method_skip_registration>, 0),
    // Root only: ends a user's reset block (sspr unlock USER).
    SD_BUS_METHOD_WITH_ARGS("UnlockReset", SD_BUS_ARGS("s", user_name), SD_BUS_NO_RESULT, method_unlock_reset, 0),
    SD_BUS_VTABLE_END};

int add_manager_object(sd_bus* bus, BusContext& context, sd_bus_slot** slot) noexcept {
  return sd_bus_add_object_vtable(bus, slot, bus::kManagerPath, bus::kManagerInterface, kManagerVtable, &context);
}

}  // namespace sspr::daemon
