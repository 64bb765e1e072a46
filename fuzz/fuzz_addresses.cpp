// Recipient addresses (ssprd/delivery/addresses.cpp valid_email_address, valid_e164_number,
// mask_email, mask_phone). Input: the address as typed.
//
// Invariants:
//  - both validators agree with independent implementations of the rules in addresses.hpp;
//  - nothing accepted can break out of an SMTP envelope, a header or a JSON string: no control
//    byte, space, quote, backslash, angle bracket, comma, semicolon, colon or non-ASCII byte;
//  - a masked address shows only the first character of the local part, the first character
//    of the domain and the top-level label ("a***@m***.com"): the local part (when longer than
//    one character) never appears whole; an invalid address masks to "***";
//  - a masked number shows the '+', two more leading digits and the last two digits only.
#include "fuzz_support.hpp"

#include "delivery/addresses.hpp"

using namespace sspr::daemon::delivery;
using sspr::fuzz::show;

namespace {

bool alpha(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
bool digit(char c) { return c >= '0' && c <= '9'; }

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == sep) {
      parts.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  return parts;
}

bool reference_email(std::string_view a) {
  if (a.empty() || a.size() > 254) return false;
  const auto halves = split(a, '@');
  if (halves.size() != 2) return false;
  const auto local = halves[0], domain = halves[1];
  if (local.empty() || local.size() > 64) return false;
  static constexpr std::string_view kSpecials = "!#$%&'*+/=?^_`{|}~-";
  for (const auto atom : split(local, '.')) {  // leading/trailing dots and ".." make an empty atom
    if (atom.empty()) return false;
    for (const char c : atom)
      if (!alpha(c) && !digit(c) && kSpecials.find(c) == std::string_view::npos) return false;
  }
  if (domain.empty() || domain.size() > 253) return false;
  const auto labels = split(domain, '.');
  if (labels.size() < 2) return false;
  for (const auto label : labels) {
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
    for (const char c : label)
      if (!alpha(c) && !digit(c) && c != '-') return false;
  }
  const auto tld = labels.back();
  bool all_digits = true;
  for (const char c : tld) all_digits = all_digits && digit(c);
  return !all_digits;
}

bool reference_e164(std::string_view n) {
  if (n.empty() || n[0] != '+') return false;
  const auto digits = n.substr(1);
  if (digits.size() < 8 || digits.size() > 15 || digits[0] == '0') return false;
  for (const char c : digits)
    if (!digit(c)) return false;
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto address = sspr::fuzz::as_view(data, size);

  const bool email = valid_email_address(address);
  FUZZ_CHECK(email == reference_email(address), "valid_email_address disagrees on " + show(address));
  const std::string masked = mask_email(address);
  if (!email) {
    FUZZ_CHECK(masked == "***", "an invalid address masked as " + show(masked));
  } else {
    for (const char ch : address) {
      const auto c = static_cast<unsigned char>(ch);
      FUZZ_CHECK(c > 0x20 && c < 0x7f && std::string_view(" \"\\<>,;:()[]").find(ch) == std::string_view::npos,
                 "an address with a dangerous byte was accepted: " + show(address));
    }
    const auto at = address.find('@');
    const auto local = address.substr(0, at);
    const auto domain = address.substr(at + 1);
    const auto tld = domain.substr(domain.rfind('.') + 1);
    const std::string expected = std::string(1, local.front()) + "***@" + std::string(1, domain.front()) + "***." + std::string(tld);
    FUZZ_CHECK(masked == expected, "mask_email gave " + show(masked) + " for " + show(address));
    // Nothing of the local part but its first character shows: another local part with the
    // same first character masks the same.
    const std::string other = std::string(1, local.front()) + (local.size() > 1 ? "q@" : "@") + std::string(domain);
    FUZZ_CHECK(mask_email(other) == masked, "the mask depends on more than the first character: " + show(masked));
    // So the local part appears whole only when it is one character, or spelled by what the
    // mask shows anyway ('*', '.', '@', the first characters and the top-level label).
    if (local.size() > 1 && masked.find(local) != std::string::npos) {
      const std::string shown = "*.@" + std::string(1, local.front()) + std::string(1, domain.front()) + std::string(tld);
      FUZZ_CHECK(local.find_first_not_of(shown) == std::string_view::npos,
                 "the masked address " + show(masked) + " shows the local part " + show(local));
    }
  }

  const bool phone = valid_e164_number(address);
  FUZZ_CHECK(phone == reference_e164(address), "valid_e164_number disagrees on " + show(address));
  const std::string masked_phone = mask_phone(address);
  if (!phone) {
    FUZZ_CHECK(masked_phone == "***", "an invalid number masked as " + show(masked_phone));
  } else {
    const std::string expected = std::string(address.substr(0, 3)) + " *** ***" + std::string(address.substr(address.size() - 2));
    FUZZ_CHECK(masked_phone == expected, "mask_phone gave " + show(masked_phone) + " for " + show(address));
    std::size_t shown = 0;
    for (const char c : masked_phone) shown += digit(c) ? 1 : 0;
    FUZZ_CHECK(shown == 4, "mask_phone shows " + std::to_string(shown) + " digits");
    FUZZ_CHECK(masked_phone.find(address.substr(1)) == std::string::npos, "mask_phone shows the whole number");
  }
  FUZZ_CHECK(!(email && phone), "an input is both an e-mail address and a phone number");
  return 0;
}
