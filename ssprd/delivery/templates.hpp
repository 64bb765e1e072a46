// Message templates for codes and notices (files under [daemon] template_directory).
//
// Syntax: "{name}" (name = [A-Za-z_][A-Za-z0-9_]*) is replaced by values.at(name); "{{" and
// "}}" stand for one literal brace; any other brace is literal text, so JSON such as the SMS
// webhook's body template '{"to":"{to}"}' needs no escaping (only a literal "}}" does, as
// "}}}}"). Replacement is one pass: a value is never scanned for placeholders.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sspr::daemon::delivery {

inline constexpr std::size_t kMaxTemplateSize = 16 * 1024;

// The placeholders sspr fills in for each shipped template family; a template may use any
// subset. code-*: {code} {minutes} {user} {host} {purpose}; notice-*: {user} {host} {event} {time}.
inline const std::vector<std::string> kCodePlaceholders = {"code", "minutes", "user", "host", "purpose"};
inline const std::vector<std::string> kNoticePlaceholders = {"user", "host", "event", "time"};

// nullopt when the text uses a placeholder that `values` lacks. Values are inserted verbatim:
// callers pass validated values (and json_escape() them for JSON).
std::optional<std::string> render_template(std::string_view text, const std::map<std::string, std::string>& values);

// The placeholder names the text uses, in order of first use (for checking a template
// against the names its caller provides, e.g. at start-up).
std::vector<std::string> template_placeholders(std::string_view text);

// Escapes for the inside of a JSON string: quote, backslash, control characters (\n, \r,
// \t, \b, \f, others as \u00XX) and DEL. Other bytes, including UTF-8, pass unchanged.
std::string json_escape(std::string_view text);

// Strict UTF-8 (no overlong forms, surrogates or values above U+10FFFF).
bool valid_utf8(std::string_view text) noexcept;

enum class TemplateKind { email, sms };

struct MessageTemplate {
  std::string subject;  // e-mail only; empty for SMS
  std::string body;
};

// Reads a template file: a regular file (symlinks are not followed) of at most
// kMaxTemplateSize bytes of UTF-8 text without NUL; CRLF is read as LF.
// E-mail: first line "Subject: <text>" (no control characters), then an empty line, then
// the body. SMS: the whole file is the body, trailing line breaks removed.
// On failure returns nullopt and describes the reason in `problem`.
std::optional<MessageTemplate> load_template(const std::string& path, TemplateKind kind, std::string& problem);

// Renders subject and body; nullopt as for render_template().
std::optional<MessageTemplate> render_message(const MessageTemplate& message,
                                              const std::map<std::string, std::string>& values);

}  // namespace sspr::daemon::delivery
