// Small text helpers shared by the config parser, the module options and log output.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sspr {

std::string_view trim(std::string_view s) noexcept;

// Splits on commas and/or whitespace; empty items are dropped.
std::vector<std::string> split_list(std::string_view s);

// Decimal only, no sign, no leading '+'/spaces, at most 20 digits (leading zeros count: a bound
// on the input, not only on the value); nullopt on overflow or junk.
std::optional<std::uint64_t> parse_uint(std::string_view s) noexcept;

// yes/no, true/false, on/off, 1/0 (case-insensitive).
std::optional<bool> parse_bool(std::string_view s) noexcept;

// Makes untrusted text safe for one log line or terminal: control bytes, DEL and
// non-UTF-8-looking high bytes become \xNN, backslash becomes \\. Output is bounded.
std::string escape_untrusted(std::string_view s, std::size_t max_input = 256);

// A time the bus carries (microseconds since the epoch) in the local time zone: "2026-12-02",
// or with the minute "2026-12-02 17:39".
enum class TimeFormat { date, minute };
std::string local_time(std::uint64_t usec, TimeFormat format);

}  // namespace sspr
