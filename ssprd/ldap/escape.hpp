// Putting an untrusted value into an LDAP filter or DN. Names reaching here have already
// passed valid_user_name(), which admits no LDAP metacharacter; escaping anyway means a
// looser rule later cannot turn into an injection. Pure functions, tested alone.
#pragma once

#include <string>
#include <string_view>

namespace sspr::ldap {

// RFC 4515 assertion value: every byte outside [A-Za-z0-9_.@-] becomes \XX, which covers the
// required '*', '(', ')', '\' and NUL, and every control or non-ASCII byte.
std::string escape_filter_value(std::string_view value);

// RFC 4514 attribute value: every byte outside [A-Za-z0-9_.@-] becomes \XX (hex pairs are
// valid for any character), which covers ',', '+', '"', '\', '<', '>', ';', '=', NUL, a
// leading '#' or space and a trailing space.
std::string escape_dn_value(std::string_view value);

// `pattern` with every "%u" replaced by `escaped_value` (already escaped for its context).
std::string substitute_user(std::string_view pattern, std::string_view escaped_value);

}  // namespace sspr::ldap
