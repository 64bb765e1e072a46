// Recipient addresses: strict validation (every address ends up in an SMTP envelope, a mail
// header or a JSON body, so anything that could break out of those is refused here) and the
// masked forms that are the only way an address appears in logs or user-facing messages.
#pragma once

#include <string>
#include <string_view>

namespace sspr::daemon::delivery {

// ASCII only; exactly one '@'; local part of 1-64 characters from
// [A-Za-z0-9.!#$%&'*+/=?^_`{|}~-], not starting or ending with '.', without "..";
// domain of LDH labels (1-63, no leading/trailing '-') with at least one dot, at most 253
// characters, and a top-level label that is not all digits; at most 254 characters in all.
// Quoted local parts, address literals and comments are refused on purpose.
bool valid_email_address(std::string_view address) noexcept;

// E.164: '+' and 8-15 digits, the first 1-9. No spaces or separators.
bool valid_e164_number(std::string_view number) noexcept;

// "alice@mail.example.com" -> "a***@m***.com". Returns "***" for an invalid address.
std::string mask_email(std::string_view address);

// "+4915112345612" -> "+49 *** ***12". Returns "***" for an invalid number.
std::string mask_phone(std::string_view number);

}  // namespace sspr::daemon::delivery
