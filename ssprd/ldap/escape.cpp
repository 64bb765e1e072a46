#include "ldap/escape.hpp"

namespace sspr::ldap {
namespace {

bool safe(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
         c == '@' || c == '-';
}

// Both RFCs accept a backslash and two hex digits for any byte, so one escaper serves both;
// the two names keep each call site saying which grammar it targets.
std::string hex_escape(std::string_view value) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (safe(c)) {
      out.push_back(c);
    } else {
      const auto byte = static_cast<unsigned char>(c);
      out.push_back('\\');
      out.push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 0x0f]);
    }
  }
  return out;
}

}  // namespace

std::string escape_filter_value(std::string_view value) { return hex_escape(value); }

std::string escape_dn_value(std::string_view value) { return hex_escape(value); }

std::string substitute_user(std::string_view pattern, std::string_view escaped_value) {
  std::string out;
  std::size_t start = 0;
  for (std::size_t at = pattern.find("%u"); at != std::string_view::npos; at = pattern.find("%u", start)) {
    out.append(pattern.substr(start, at - start));
    out.append(escaped_value);
    start = at + 2;
  }
  out.append(pattern.substr(start));
  return out;
}

}  // namespace sspr::ldap
