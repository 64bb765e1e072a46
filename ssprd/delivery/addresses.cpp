#include "delivery/addresses.hpp"

#include <cstddef>

namespace sspr::daemon::delivery {
namespace {

constexpr std::size_t kMaxAddress = 254;
constexpr std::size_t kMaxLocal = 64;
constexpr std::size_t kMaxDomain = 253;
constexpr std::size_t kMaxLabel = 63;

bool is_alpha(char c) noexcept { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

// RFC 5322 "atext" plus '.', which the dot rules below constrain.
bool is_local_char(char c) noexcept {
  if (is_alpha(c) || is_digit(c) || c == '.') return true;
  for (char allowed : std::string_view("!#$%&'*+/=?^_`{|}~-"))
    if (c == allowed) return true;
  return false;
}

bool valid_local_part(std::string_view local) noexcept {
  if (local.empty() || local.size() > kMaxLocal) return false;
  if (local.front() == '.' || local.back() == '.') return false;
  char previous = '\0';
  for (char c : local) {
    if (!is_local_char(c)) return false;
    if (c == '.' && previous == '.') return false;
    previous = c;
  }
  return true;
}

bool valid_label(std::string_view label) noexcept {
  if (label.empty() || label.size() > kMaxLabel) return false;
  if (label.front() == '-' || label.back() == '-') return false;
  for (char c : label)
    if (!is_alpha(c) && !is_digit(c) && c != '-') return false;
  return true;
}

bool valid_domain(std::string_view domain) noexcept {
  if (domain.empty() || domain.size() > kMaxDomain) return false;
  std::size_t labels = 0;
  std::string_view last;
  while (true) {
    const std::size_t dot = domain.find('.');
    const std::string_view label = domain.substr(0, dot);
    if (!valid_label(label)) return false;
    ++labels;
    last = label;
    if (dot == std::string_view::npos) break;
    domain.remove_prefix(dot + 1);
  }
  if (labels < 2) return false;
  // An all-digit top label makes "1.2.3.4" look like a domain; no real TLD is numeric.
  for (char c : last)
    if (!is_digit(c)) return true;
  return false;
}

}  // namespace

bool valid_email_address(std::string_view address) noexcept {
  if (address.empty() || address.size() > kMaxAddress) return false;
  const std::size_t at = address.find('@');
  if (at == std::string_view::npos || address.find('@', at + 1) != std::string_view::npos) return false;
  // The character classes above already exclude controls, spaces, non-ASCII and the specials.
  return valid_local_part(address.substr(0, at)) && valid_domain(address.substr(at + 1));
}

bool valid_e164_number(std::string_view number) noexcept {
  if (number.size() < 9 || number.size() > 16 || number.front() != '+') return false;
  if (number[1] < '1' || number[1] > '9') return false;
  for (char c : number.substr(1))
    if (!is_digit(c)) return false;
  return true;
}

std::string mask_email(std::string_view address) {
  if (!valid_email_address(address)) return "***";
  const std::size_t at = address.find('@');
  const std::string_view domain = address.substr(at + 1);
  const std::string_view tld = domain.substr(domain.rfind('.') + 1);
  std::string out;
  out.push_back(address.front());
  out += "***@";
  out.push_back(domain.front());
  out += "***.";
  out += tld;
  return out;
}

std::string mask_phone(std::string_view number) {
  if (!valid_e164_number(number)) return "***";
  std::string out(number.substr(0, 3));
  out += " *** ***";
  out += number.substr(number.size() - 2);
  return out;
}

}  // namespace sspr::daemon::delivery
