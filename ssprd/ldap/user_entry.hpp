// Finding a user's entry and reading some of its attributes. The login name is escaped for
// its context (RFC 4515 in a filter, RFC 4514 in a DN) before it reaches the directory.
#pragma once

#include "ldap/connection.hpp"

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace sspr::ldap {

// settings.dn_template with %u replaced by the RFC 4514-escaped name. Needs no server.
std::string dn_from_template(const LdapSettings& settings, std::string_view user);

// The user's DN. With settings.dn_template it is built without asking the server (a missing
// entry shows up in the next request as NoSuchUser). Otherwise a subtree search of base_dn
// with user_filter, as whoever the connection is bound as, must find exactly one entry:
// none is NoSuchUser, two or more is Internal (the filter is ambiguous: sspr will not pick
// one). Unreachable or timed out: BackendUnavailable.
Result<std::string> find_user_dn(Connection& connection, const LdapSettings& settings, std::string_view user,
                                 Diagnostic& diag);

// Attribute name (as asked for) -> its values, byte for byte. A name the entry lacks, or the
// bound identity may not read, has no key.
using Attributes = std::map<std::string, std::vector<std::string>>;

// Reads `names` of the entry `dn` (a base-scope search). NoSuchUser if there is no such
// entry; BackendUnavailable if unreachable or timed out; Internal otherwise.
Result<Attributes> read_entry(Connection& connection, const std::string& dn, const std::vector<std::string>& names,
                              Diagnostic& diag);

}  // namespace sspr::ldap
