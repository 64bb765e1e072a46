// A user's registration record: what they registered, in a form that holds no usable secret
// (TOTP secrets sealed under the daemon key, codes and answers only as digests/hashes), plus
// the bookkeeping of grace and reconfirmation. Serialised as versioned JSON.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sspr::daemon {

enum class MethodType { totp, email, sms, questions, recovery_codes };
inline constexpr MethodType kAllMethodTypes[] = {MethodType::totp, MethodType::email, MethodType::sms,
                                                 MethodType::questions, MethodType::recovery_codes};

const char* to_string(MethodType type) noexcept;
std::optional<MethodType> method_type_from_string(std::string_view name) noexcept;
// "Authenticator app", "E-mail", ... for users.
const char* display_name(MethodType type) noexcept;

struct TotpMethod {
  std::string sealed_secret;  // seal(daemon key, raw secret)
  std::string algorithm = "SHA1";
  std::uint32_t digits = 6;
  std::uint32_t period = 30;
  std::optional<std::uint64_t> last_step;  // never accept this step or an earlier one again
};

struct ContactMethod {
  std::string address;  // validated e-mail address or E.164 number
};

struct QuestionAnswer {
  std::string question;
  std::string answer_hash;  // Argon2id of the normalised answer
};

struct QuestionsMethod {
  std::vector<QuestionAnswer> items;
};

struct RecoveryCodesMethod {
  std::vector<std::string> digests;  // keyed digests of the unused codes
};

struct MethodTimes {
  std::int64_t added = 0;        // unix seconds
  std::int64_t usable_from = 0;  // for resets; later than `added` during a cooling-off
};

struct RegistrationRecord {
  std::optional<TotpMethod> totp;
  std::optional<ContactMethod> email;
  std::optional<ContactMethod> sms;
  std::optional<QuestionsMethod> questions;
  std::optional<RecoveryCodesMethod> recovery_codes;
  MethodTimes totp_times, email_times, sms_times, questions_times, recovery_codes_times;

  std::int64_t first_registered = 0;  // when the user first counted as registered
  std::int64_t last_confirmed = 0;    // registration or reconfirmation
  std::int64_t first_prompted = 0;    // start of the current grace period
  std::uint32_t skips_used = 0;       // in the current grace period

  bool has(MethodType type) const noexcept;
  void remove(MethodType type) noexcept;
  MethodTimes& times(MethodType type) noexcept;
  const MethodTimes& times(MethodType type) const noexcept;
  std::vector<MethodType> methods() const;
  std::size_t method_count() const noexcept { return methods().size(); }
};

// Strict: anything unexpected is an error (returned as a sentence in `problem`).
std::optional<RegistrationRecord> parse_record(std::string_view json, std::string_view expected_user, std::string& problem);
std::string serialize_record(const RegistrationRecord& record, std::string_view user);

}  // namespace sspr::daemon
