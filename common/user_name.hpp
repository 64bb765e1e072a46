// The one rule for user and group names, shared by the module, the daemon and the config
// parser. It is stricter than NSS on purpose: a name that passes can be a file name, a log
// field and (escaped) an LDAP value without surprises.
#pragma once

#include <string_view>

namespace sspr {

inline constexpr std::size_t kMaxUserNameLength = 64;

// [A-Za-z_][A-Za-z0-9_.@-]* with an optional trailing '$', at most kMaxUserNameLength bytes.
bool valid_user_name(std::string_view name) noexcept;

}  // namespace sspr
