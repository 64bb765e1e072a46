#include "user_name.hpp"

namespace sspr {
namespace {
constexpr bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }
}  // namespace

bool valid_user_name(std::string_view name) noexcept {
  if (name.empty() || name.size() > kMaxUserNameLength) return false;
  if (!is_alpha(name.front()) && name.front() != '_') return false;
  // A trailing '$' marks Samba machine accounts; it is allowed only at the very end.
  if (name.back() == '$') name.remove_suffix(1);
  for (char c : name.substr(1)) {
    if (!(is_alpha(c) || is_digit(c) || c == '_' || c == '.' || c == '@' || c == '-')) return false;
  }
  return true;
}

}  // namespace sspr
