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
     "No such user."},
    {ErrorCode::InvalidUserName, ErrorOrigin::sspr, SSPR_ERR("InvalidUserName"), EINVAL, PAM_USER_UNKNOWN,
     false, "The user name is not valid."},
    {ErrorCode::InvalidArgument, ErrorOrigin::sspr, SSPR_ERR("InvalidArgument"), E2BIG, PAM_SYSTEM_ERR, false,
     "The request was malformed or too large."},
    {ErrorCode::RegistrationRequired, ErrorOrigin::sspr, SSPR_ERR("RegistrationRequired"), EKEYREVOKED,
     PAM_PERM_DENIED, false,
     "Your account must have password-reset security info registered before you can log in. Log in again to "
     "register it."},
    {ErrorCode::InteractionRequired, ErrorOrigin::sspr, SSPR_ERR("InteractionRequired"), ENOTTY, PAM_PERM_DENIED,
     false,
     "Your account must register password-reset security info, which needs an interactive login. Log in at the "
     "console or with an interactive session (for example ssh without a command) to register."},
    {ErrorCode::CorruptRecord, ErrorOrigin::sspr, SSPR_ERR("CorruptRecord"), EBADMSG, PAM_SYSTEM_ERR, false,
     "The stored security info of this account is damaged. Please contact your administrator."},
    {ErrorCode::NotPermitted, ErrorOrigin::sspr, SSPR_ERR("NotPermitted"), EPERM, PAM_PERM_DENIED, false,
     "This step is not allowed now."},
    {ErrorCode::NotEnrolled, ErrorOrigin::sspr, SSPR_ERR("NotEnrolled"), ENOENT, PAM_AUTHINFO_UNAVAIL, false,
     "No security info is registered for this account."},
    {ErrorCode::BadCode, ErrorOrigin::sspr, SSPR_ERR("BadCode"), EKEYREJECTED, PAM_AUTH_ERR, false,
     "The code is not correct."},
    {ErrorCode::ChallengeExpired, ErrorOrigin::sspr, SSPR_ERR("ChallengeExpired"), ETIME, PAM_AUTH_ERR, false,
     "The code has expired. Please request a new one."},
    {ErrorCode::TooManyAttempts, ErrorOrigin::sspr, SSPR_ERR("TooManyAttempts"), EUSERS, PAM_MAXTRIES, false,
     "Too many attempts. Please try again later."},
    {ErrorCode::RateLimited, ErrorOrigin::sspr, SSPR_ERR("RateLimited"), EBUSY, PAM_MAXTRIES, false,
     "Password reset is temporarily blocked for this account. Please try again later."},
    {ErrorCode::LowPasswordQuality, ErrorOrigin::sspr, SSPR_ERR("LowPasswordQuality"), EUCLEAN,
     PAM_AUTHTOK_ERR, false, "The new password does not meet the password policy."},
    {ErrorCode::PasswordReused, ErrorOrigin::sspr, SSPR_ERR("PasswordReused"), EEXIST, PAM_AUTHTOK_ERR, false,
     "The new password must differ from the current one."},
    {ErrorCode::AuthtokLockBusy, ErrorOrigin::sspr, SSPR_ERR("AuthtokLockBusy"), ENOLCK, PAM_AUTHTOK_LOCK_BUSY,
     false, "The password database is busy. Please try again in a moment."},
    {ErrorCode::BackendUnavailable, ErrorOrigin::sspr, SSPR_ERR("BackendUnavailable"), EHOSTDOWN,
     PAM_AUTHINFO_UNAVAIL, false, "The password store cannot be reached. Please try again later."},
    {ErrorCode::DeliveryFailed, ErrorOrigin::sspr, SSPR_ERR("DeliveryFailed"), ECOMM, PAM_AUTHINFO_UNAVAIL,
     false, "The code could not be sent. Please try another method or try again later."},
    {ErrorCode::NoSuchSession, ErrorOrigin::sspr, SSPR_ERR("NoSuchSession"), ESTALE, PAM_AUTH_ERR, false,
     "The password reset session has ended. Please start again."},
    {ErrorCode::StepUpRequired, ErrorOrigin::sspr, SSPR_ERR("StepUpRequired"), EKEYEXPIRED, PAM_PERM_DENIED, false,
     "To change your security info, first confirm it is you with a method you registered before, or with your "
     "current password."},
    {ErrorCode::MethodNotOffered, ErrorOrigin::sspr, SSPR_ERR("MethodNotOffered"), EOPNOTSUPP, PAM_SERVICE_ERR, false,
     "This method is not offered on this system."},
    {ErrorCode::InvalidAddress, ErrorOrigin::sspr, SSPR_ERR("InvalidAddress"), EDESTADDRREQ, PAM_SERVICE_ERR, false,
     "That is not a valid e-mail address or phone number (phone numbers look like +4915112345678)."},
    {ErrorCode::InvalidAnswers, ErrorOrigin::sspr, SSPR_ERR("InvalidAnswers"), EDOM, PAM_SERVICE_ERR, false,
     "Those questions or answers cannot be used: pick different questions from the list, and give answers of 3 "
     "to 40 characters that all differ."},
    {ErrorCode::Internal, ErrorOrigin::sspr, SSPR_ERR("Internal"), EIO, PAM_SYSTEM_ERR, false,
     "The password reset service failed. Please contact your administrator."},
    {ErrorCode::PasswordTooYoung, ErrorOrigin::sspr, SSPR_ERR("PasswordTooYoung"), EAGAIN, PAM_AUTHTOK_ERR, false,
     "The password was changed too recently to change it again. Please try again later."},
    {ErrorCode::AccountLocked, ErrorOrigin::sspr, SSPR_ERR("AccountLocked"), ENOKEY, PAM_PERM_DENIED, false,
     "Your account is locked after too many failed logins. Reset your password, or ask your administrator to "
     "unlock it."},
    {ErrorCode::PasswordExpired, ErrorOrigin::sspr, SSPR_ERR("PasswordExpired"), ECANCELED, PAM_AUTHTOK_EXPIRED,
     false, "Your password has expired and can no longer be used to change it. Please reset your password."},
    {ErrorCode::AccessDenied, ErrorOrigin::bus, BUS_ERR("AccessDenied"), EACCES, PAM_PERM_DENIED, false,
     "Permission denied."},
    {ErrorCode::ServiceUnknown, ErrorOrigin::bus, BUS_ERR("ServiceUnknown"), EHOSTUNREACH,
     PAM_AUTHINFO_UNAVAIL, true, "The password reset service is not available."},
    {ErrorCode::NameHasNoOwner, ErrorOrigin::bus, BUS_ERR("NameHasNoOwner"), ENXIO, PAM_AUTHINFO_UNAVAIL, true,
     "The password reset service is not available."},
    {ErrorCode::NoReply, ErrorOrigin::bus, BUS_ERR("NoReply"), ETIMEDOUT, PAM_AUTHINFO_UNAVAIL, true,
     "The password reset service did not answer."},
    {ErrorCode::Timeout, ErrorOrigin::bus, BUS_ERR("Timeout"), ETIMEDOUT, PAM_AUTHINFO_UNAVAIL, true,
     "The password reset service did not answer."},
    {ErrorCode::Disconnected, ErrorOrigin::bus, BUS_ERR("Disconnected"), ECONNRESET, PAM_AUTHINFO_UNAVAIL, true,
     "The connection to the password reset service was lost."},
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
