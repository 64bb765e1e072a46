// The one text edit sspr makes to a shadow file: replace the hash (field 2) and the day of the
// last change (field 3) of one entry, and leave every other byte as it was — comments, blank
// lines, NIS lines, lines no parser understands, CRLF endings, a missing final newline.
// glibc's fgetspent/putspent round trip would drop some of those, so it is not used. Pure: no
// I/O, so it can be tested and fuzzed alone.
#pragma once

#include "errors.hpp"
#include "result.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sspr::daemon::backend {

inline constexpr std::size_t kMaxHashLength = 1024;

// Checks that need no file: InvalidUserName unless valid_user_name(user) (so it has no ':' or
// newline and cannot name a NIS "+"/"-" line); InvalidArgument if the hash is empty, longer
// than kMaxHashLength, or has a byte outside printable ASCII or a ':' (it would split or add a
// line), or if today_days is negative; `problem` says which, for the log.
Result<Done> check_entry_request(std::string_view user, std::string_view new_hash, std::int64_t today_days,
                                 std::string& problem);

// The whole new file content. Besides the request checks: NoSuchUser if no line's first field
// is `user`; Internal if more than one is, or if the user's line is not 9 fields with fields
// 3-9 empty or a decimal number (a CR of a CRLF ending makes field 9 malformed: sspr refuses
// rather than guess); NotPermitted if the entry is locked or disabled (its hash starts with '!'
// or '*'): a reset never undoes a lock. `problem` says which, with line numbers, for the log; it never quotes a
// hash.
Result<std::string> replace_shadow_entry(std::string_view content, std::string_view user, std::string_view new_hash,
                                         std::int64_t today_days, std::string& problem);

}  // namespace sspr::daemon::backend
