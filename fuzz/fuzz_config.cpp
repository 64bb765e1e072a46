// sspr.conf text (common/config.cpp parse_config_text) and the text helpers it is built on
// (common/text.cpp split_list, parse_uint, parse_bool, escape_untrusted; user_name.cpp).
// Input: the text of one configuration file.
//
// Invariants:
//  - every diagnostic names the file, has a line number within the text, and is one line of
//    printable text (untrusted bytes reach it escaped only);
//  - parsing is deterministic and idempotent: the same text parsed again over its own result
//    gives the same configuration and the same diagnostics;
//  - a text without any key line leaves the defaults as they were;
//  - the helpers agree with their header: split_list items are non-empty and hold no
//    separator; parse_uint accepts exactly the decimal numbers that fit 64 bits; parse_bool
//    exactly its eight words; escape_untrusted output is printable ASCII and bounded.
#include "fuzz_support.hpp"

#include "config.hpp"
#include "text.hpp"
#include "user_name.hpp"

#include <limits>

using namespace sspr;
using sspr::fuzz::show;

namespace {

void check_diagnostics(const std::vector<ConfigDiagnostic>& errors, std::string_view text, std::string_view file) {
  std::size_t lines = 0;
  for (std::size_t pos = 0; pos < text.size(); ++lines) {
    const auto eol = text.find('\n', pos);
    pos = eol == std::string_view::npos ? text.size() : eol + 1;
  }
  for (const auto& e : errors) {
    FUZZ_CHECK(e.file == file, "diagnostic names another file: " + show(e.file));
    FUZZ_CHECK(e.line >= 1 && e.line <= lines,
               "diagnostic line " + std::to_string(e.line) + " of " + std::to_string(lines) + " lines");
    FUZZ_CHECK(!e.message.empty(), "empty diagnostic");
    FUZZ_CHECK(!fuzz::has_control(e.message), "diagnostic with a control byte: " + show(e.message));
    const auto full = e.to_string();
    FUZZ_CHECK(!fuzz::has_control(full), "diagnostic line with a control byte: " + show(full));
  }
}

// text.cpp also refuses more than 20 characters (the most a 64-bit number has), even when
// they are leading zeros.
std::optional<std::uint64_t> reference_uint(std::string_view s) {
  if (s.empty() || s.size() > 20) return std::nullopt;
  std::uint64_t v = 0;
  for (const char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    if (__builtin_mul_overflow(v, 10u, &v) || __builtin_add_overflow(v, static_cast<unsigned>(c - '0'), &v))
      return std::nullopt;
  }
  return v;
}

std::optional<bool> reference_bool(std::string_view s) {
  std::string lower;
  for (const char c : s) lower.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
  for (const char* yes : {"yes", "true", "on", "1"})
    if (lower == yes) return true;
  for (const char* no : {"no", "false", "off", "0"})
    if (lower == no) return false;
  return std::nullopt;
}

void check_helpers(std::string_view s) {
  for (const auto& item : split_list(s)) {
    FUZZ_CHECK(!item.empty(), "split_list gave an empty item");
    FUZZ_CHECK(item.find_first_of(", \t") == std::string::npos, "split_list item with a separator: " + show(item));
  }
  FUZZ_CHECK(parse_uint(s) == reference_uint(s), "parse_uint disagrees on " + show(s));
  FUZZ_CHECK(parse_bool(s) == reference_bool(s), "parse_bool disagrees on " + show(s));
  const auto trimmed = trim(s);
  FUZZ_CHECK(trim(trimmed) == trimmed, "trim is not idempotent on " + show(s));
  for (const std::size_t max : {std::size_t{256}, std::size_t{32}}) {
    const auto escaped = escape_untrusted(s, max);
    for (const char ch : escaped) {
      const auto c = static_cast<unsigned char>(ch);
      FUZZ_CHECK(c >= 0x20 && c < 0x7f, "escape_untrusted left a byte 0x" + std::to_string(c) + " in " + show(s));
    }
    FUZZ_CHECK(escaped.size() <= 4 * max + 3, "escape_untrusted output is not bounded");
  }
  if (valid_user_name(s)) {
    FUZZ_CHECK(!s.empty() && s.size() <= kMaxUserNameLength, "valid user name of bad length");
    FUZZ_CHECK(s.find_first_of(":/\n, \t\\*()") == std::string_view::npos, "valid user name with " + show(s));
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // The shipped default text parses to the defaults without a diagnostic.
  Config c = Config::defaults();
  std::vector<ConfigDiagnostic> errors;
  parse_config_text(default_config_text(), "default", c, errors);
  FUZZ_CHECK(errors.empty() && c == Config::defaults(), "the default configuration text does not parse cleanly");
  (void)config_man_page();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto text = fuzz::as_view(data, size);
  const std::string_view file = "/etc/sspr.conf.d/fuzz.conf";

  Config config = Config::defaults();
  std::vector<ConfigDiagnostic> errors;
  parse_config_text(text, file, config, errors);
  check_diagnostics(errors, text, file);

  Config again = config;
  std::vector<ConfigDiagnostic> errors_again;
  parse_config_text(text, file, again, errors_again);
  FUZZ_CHECK(again == config, "parsing the same text twice changes the configuration");
  FUZZ_CHECK(errors_again.size() == errors.size(), "parsing the same text twice changes the diagnostics");
  for (std::size_t i = 0; i < errors.size(); ++i)
    FUZZ_CHECK(errors[i].to_string() == errors_again[i].to_string(), "diagnostics differ between two parses");

  // No line with an '=' outside comments: nothing can have been set.
  bool any_assignment = false;
  for (std::size_t pos = 0; pos < text.size() && !any_assignment;) {
    const auto eol = text.find('\n', pos);
    const auto line = trim(text.substr(pos, eol == std::string_view::npos ? std::string_view::npos : eol - pos));
    any_assignment = !line.empty() && line.front() != '#' && line.front() != ';' && line.find('=') != std::string_view::npos;
    pos = eol == std::string_view::npos ? text.size() : eol + 1;
  }
  if (!any_assignment) FUZZ_CHECK(config == Config::defaults(), "a text without keys changed the configuration");

  // The helpers, on each line's value (the part after the first '=') and on the whole text.
  check_helpers(text.substr(0, 512));
  for (std::size_t pos = 0, n = 0; pos < text.size() && n < 16; ++n) {
    const auto eol = text.find('\n', pos);
    const auto line = text.substr(pos, eol == std::string_view::npos ? std::string_view::npos : eol - pos);
    const auto eq = line.find('=');
    check_helpers(trim(eq == std::string_view::npos ? line : line.substr(eq + 1)));
    pos = eol == std::string_view::npos ? text.size() : eol + 1;
  }
  return 0;
}
