#include "errors.hpp"

#include <array>
#include <cerrno>
#include <security/_pam_types.h>

namespace sspr {
namespace {

// The one place sspr's error names are spelled (bus_names.hpp has the service name).
#define SSPR_ERR(name) "io.sspr.reset1.Error." name
#define BUS_ERR(name) "org.freedesktop.DBus.Error." name

constexpr auto kTable = std::to_array<ErrorInfo>({
    {ErrorCode::NoSuchUser, ErrorOrigin::sspr, SSPR_ERR("NoSuchUser"), ENXIO, PAM_USER_UNKNOWN, false,
     "No such user.",
     Consequence::refusal, false, false},
    {ErrorCode::InvalidUserName, ErrorOrigin::sspr, SSPR_ERR("InvalidUserName"), EINVAL, PAM_USER_UNKNOWN,
     false, "The user name is not valid.",
     Consequence::refusal, false, false},
    {ErrorCode::InvalidArgument, ErrorOrigin::sspr, SSPR_ERR("InvalidArgument"), E2BIG, PAM_SYSTEM_ERR, false,
     "The request was malformed or too large.",
     Consequence::retry, false, false},
    {ErrorCode::RegistrationRequired, ErrorOrigin::sspr, SSPR_ERR("RegistrationRequired"), EKEYREVOKED,
     PAM_PERM_DENIED, false,
     "Your account must have password-reset security info registered before you can log in. Log in again to "
     "register it.",
     Consequence::refusal, false, false},
    {ErrorCode::InteractionRequired, ErrorOrigin::sspr, SSPR_ERR("InteractionRequired"), ENOTTY, PAM_PERM_DENIED,
     false,
     "Your account must register password-reset security info, which needs an interactive login. Log in at the "
     "console or with an interactive session (for example ssh without a command) to register.",
     Consequence::refusal, false, false},
    {ErrorCode::CorruptRecord, ErrorOrigin::sspr, SSPR_ERR("CorruptRecord"), EBADMSG, PAM_SYSTEM_ERR, false,
     "The stored security info of this account is damaged. Please contact your administrator.",
     Consequence::failure, false, false},
    {ErrorCode::NotPermitted, ErrorOrigin::sspr, SSPR_ERR("NotPermitted"), EPERM, PAM_PERM_DENIED, false,
     "This step is not allowed now.",
     Consequence::retry, true, false},  // the directory may say why (ldap/refusal.cpp)
    {ErrorCode::NotEnrolled, ErrorOrigin::sspr, SSPR_ERR("NotEnrolled"), ENOENT, PAM_AUTHINFO_UNAVAIL, false,
     "No security info is registered for this account.",
     Consequence::retry, false, false},
    {ErrorCode::BadCode, ErrorOrigin::sspr, SSPR_ERR("BadCode"), EKEYREJECTED, PAM_AUTH_ERR, false,
     "The code is not correct.",
     Consequence::retry, false, false},
    {ErrorCode::ChallengeExpired, ErrorOrigin::sspr, SSPR_ERR("ChallengeExpired"), ETIME, PAM_AUTH_ERR, false,
     "The code has expired. Please request a new one.",
     Consequence::retry, false, false},
    {ErrorCode::TooManyAttempts, ErrorOrigin::sspr, SSPR_ERR("TooManyAttempts"), EUSERS, PAM_MAXTRIES, false,
     "Too many attempts. Please try again later.",
     Consequence::retry, false, false},
    {ErrorCode::RateLimited, ErrorOrigin::sspr, SSPR_ERR("RateLimited"), EBUSY, PAM_MAXTRIES, false,
     "Password reset is temporarily blocked for this account. Please try again later.",
     Consequence::refusal, true, false},
    {ErrorCode::LowPasswordQuality, ErrorOrigin::sspr, SSPR_ERR("LowPasswordQuality"), EUCLEAN,
     PAM_AUTHTOK_ERR, false, "The new password does not meet the password policy.",
     Consequence::retry, true, true},
    {ErrorCode::PasswordReused, ErrorOrigin::sspr, SSPR_ERR("PasswordReused"), EEXIST, PAM_AUTHTOK_ERR, false,
     "The new password must differ from the current one.",
     Consequence::retry, true, true},
    {ErrorCode::AuthtokLockBusy, ErrorOrigin::sspr, SSPR_ERR("AuthtokLockBusy"), ENOLCK, PAM_AUTHTOK_LOCK_BUSY,
     false, "The password database is busy. Please try again in a moment.",
     Consequence::failure, false, false},
    {ErrorCode::BackendUnavailable, ErrorOrigin::sspr, SSPR_ERR("BackendUnavailable"), EHOSTDOWN,
     PAM_AUTHINFO_UNAVAIL, false, "The password store cannot be reached. Please try again later.",
     Consequence::failure, false, false},
    {ErrorCode::DeliveryFailed, ErrorOrigin::sspr, SSPR_ERR("DeliveryFailed"), ECOMM, PAM_AUTHINFO_UNAVAIL,
     false, "The code could not be sent. Please try another method or try again later.",
     Consequence::retry, false, false},
    {ErrorCode::NoSuchSession, ErrorOrigin::sspr, SSPR_ERR("NoSuchSession"), ESTALE, PAM_AUTH_ERR, false,
     "The password reset session has ended. Please start again.",
     Consequence::refusal, false, false},
    {ErrorCode::TooManySessions, ErrorOrigin::sspr, SSPR_ERR("TooManySessions"), EMFILE, PAM_MAXTRIES, false,
     "Too many password resets are under way. Finish or cancel one, or try again in a few minutes.",
     Consequence::refusal, false, false},
    {ErrorCode::StepUpRequired, ErrorOrigin::sspr, SSPR_ERR("StepUpRequired"), EKEYEXPIRED, PAM_PERM_DENIED, false,
     "To change your security info, first confirm it is you with a method you registered before, or with your "
     "current password.",
     Consequence::retry, false, false},
    // The blocks of proofs other than a reset's, in their own words (ssprd adds how long).
    {ErrorCode::StepUpBlocked, ErrorOrigin::sspr, SSPR_ERR("StepUpBlocked"), EDQUOT, PAM_MAXTRIES, false,
     "Too many failed attempts to confirm it is you: changes to your security info are blocked for a while. Please "
     "try again later.",
     Consequence::refusal, true, false},
    {ErrorCode::ChangeBlocked, ErrorOrigin::sspr, SSPR_ERR("ChangeBlocked"), ERANGE, PAM_MAXTRIES, false,
     "Too many wrong current passwords: password changes are blocked for a while. Your password still works for "
     "logging in. Please try again later.",
     Consequence::refusal, true, false},
    // The record in the directory is not the one this host read: another host wrote it between.
    {ErrorCode::RecordChanged, ErrorOrigin::sspr, SSPR_ERR("RecordChanged"), EALREADY, PAM_TRY_AGAIN, false,
     "Your security info was changed elsewhere at the same moment. Please try again.",
     Consequence::retry, false, false},
    {ErrorCode::MethodNotOffered, ErrorOrigin::sspr, SSPR_ERR("MethodNotOffered"), EOPNOTSUPP, PAM_SERVICE_ERR, false,
     "This method is not offered on this system.",
     Consequence::retry, false, false},
    {ErrorCode::InvalidAddress, ErrorOrigin::sspr, SSPR_ERR("InvalidAddress"), EDESTADDRREQ, PAM_SERVICE_ERR, false,
     "That is not a valid e-mail address or phone number (phone numbers look like +4915112345678).",
     Consequence::retry, false, false},
    {ErrorCode::InvalidAnswers, ErrorOrigin::sspr, SSPR_ERR("InvalidAnswers"), EDOM, PAM_SERVICE_ERR, false,
     "Those questions or answers cannot be used: pick different questions from the list, and give answers of 3 "
     "to 40 characters that all differ.",
     Consequence::retry, false, false},
    {ErrorCode::Internal, ErrorOrigin::sspr, SSPR_ERR("Internal"), EIO, PAM_SYSTEM_ERR, false,
     "The password reset service failed. Please contact your administrator.",
     Consequence::failure, false, false},
    {ErrorCode::PasswordTooYoung, ErrorOrigin::sspr, SSPR_ERR("PasswordTooYoung"), EAGAIN, PAM_AUTHTOK_ERR, false,
     "The password was changed too recently to change it again. Please try again later.",
     Consequence::refusal, true, false},
    {ErrorCode::AccountLocked, ErrorOrigin::sspr, SSPR_ERR("AccountLocked"), ENOKEY, PAM_PERM_DENIED, false,
     "Your account is locked after too many failed logins. Reset your password, or ask your administrator to "
     "unlock it.",
     Consequence::refusal, true, false},
    {ErrorCode::PasswordExpired, ErrorOrigin::sspr, SSPR_ERR("PasswordExpired"), ECANCELED, PAM_AUTHTOK_EXPIRED,
     false, "Your password has expired and can no longer be used to change it. Please reset your password.",
     Consequence::refusal, true, false},
    {ErrorCode::AccessDenied, ErrorOrigin::bus, BUS_ERR("AccessDenied"), EACCES, PAM_PERM_DENIED, false,
     "Permission denied.",
     Consequence::failure, false, false},
    {ErrorCode::ServiceUnknown, ErrorOrigin::bus, BUS_ERR("ServiceUnknown"), EHOSTUNREACH,
     PAM_AUTHINFO_UNAVAIL, true, "The password reset service is not available.",
     Consequence::failure, false, false},
    {ErrorCode::NameHasNoOwner, ErrorOrigin::bus, BUS_ERR("NameHasNoOwner"), ENXIO, PAM_AUTHINFO_UNAVAIL, true,
     "The password reset service is not available.",
     Consequence::failure, false, false},
    {ErrorCode::NoReply, ErrorOrigin::bus, BUS_ERR("NoReply"), ETIMEDOUT, PAM_AUTHINFO_UNAVAIL, true,
     "The password reset service did not answer.",
     Consequence::failure, false, false},
    {ErrorCode::Timeout, ErrorOrigin::bus, BUS_ERR("Timeout"), ETIMEDOUT, PAM_AUTHINFO_UNAVAIL, true,
     "The password reset service did not answer.",
     Consequence::failure, false, false},
    {ErrorCode::Disconnected, ErrorOrigin::bus, BUS_ERR("Disconnected"), ECONNRESET, PAM_AUTHINFO_UNAVAIL, true,
     "The connection to the password reset service was lost.",
     Consequence::failure, false, false},
});

#undef SSPR_ERR
#undef BUS_ERR

constexpr bool rows_in_enum_order() {
  for (std::size_t i = 0; i < kTable.size(); ++i)
    if (static_cast<std::size_t>(kTable[i].code) != i) return false;
  return true;
}
static_assert(rows_in_enum_order(), "error table rows must follow ErrorCode order");
static_assert(static_cast<std::size_t>(ErrorCode::Disconnected) + 1 == kTable.size(),
              "every ErrorCode needs a row");

}  // namespace

std::span<const ErrorInfo> error_table() noexcept { return kTable; }

const ErrorInfo& error_info(ErrorCode code) noexcept { return kTable[static_cast<std::size_t>(code)]; }

const ErrorInfo* error_by_bus_name(std::string_view name) noexcept {
  for (const auto& row : kTable)
    if (row.bus_name == name) return &row;
  return nullptr;
}

}  // namespace sspr
