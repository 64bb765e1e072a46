#include "delivery/templates.hpp"

#include "handle.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace sspr::daemon::delivery {
namespace {

bool is_name_start(char c) noexcept { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }
bool is_name_char(char c) noexcept { return is_name_start(c) || (c >= '0' && c <= '9'); }

// If text[pos] == '{' starts a placeholder "{name}", returns the name's length, else 0.
std::size_t placeholder_at(std::string_view text, std::size_t pos) noexcept {
  std::size_t end = pos + 1;
  if (end >= text.size() || !is_name_start(text[end])) return 0;
  while (end < text.size() && is_name_char(text[end])) ++end;
  if (end >= text.size() || text[end] != '}') return 0;
  return end - pos - 1;
}

// Walks the text once, calling literal(piece) and placeholder(name); stops when a callback
// returns false. Shared by rendering and placeholder listing so they cannot disagree.
template <class Literal, class Placeholder>
bool walk(std::string_view text, Literal literal, Placeholder placeholder) {
  std::size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if ((c == '{' || c == '}') && i + 1 < text.size() && text[i + 1] == c) {
      if (!literal(text.substr(i, 1))) return false;
      i += 2;
      continue;
    }
    if (c == '{') {
      if (const std::size_t n = placeholder_at(text, i); n > 0) {
        if (!placeholder(text.substr(i + 1, n))) return false;
        i += n + 2;
        continue;
      }
    }
    std::size_t next = i + 1;
    while (next < text.size() && text[next] != '{' && text[next] != '}') ++next;
    if (!literal(text.substr(i, next - i))) return false;
    i = next;
  }
  return true;
}

bool has_control(std::string_view s) noexcept {
  return std::any_of(s.begin(), s.end(), [](char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return c < 0x20 || c == 0x7f;
  });
}

std::string strip_prefix_ci(std::string_view line, std::string_view prefix, bool& matched) {
  matched = line.size() >= prefix.size() &&
            std::equal(prefix.begin(), prefix.end(), line.begin(),
                       [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) ==
                                                   std::tolower(static_cast<unsigned char>(b)); });
  return matched ? std::string(line.substr(prefix.size())) : std::string();
}

std::string_view trim_blanks(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

bool valid_utf8(std::string_view s) noexcept {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    unsigned min = 0;
    unsigned cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xe0) == 0xc0) {
      n = 1, min = 0x80, cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      n = 2, min = 0x800, cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      n = 3, min = 0x10000, cp = c & 0x07;
    } else {
      return false;
    }
    if (i + n >= s.size()) return false;
    for (std::size_t k = 1; k <= n; ++k) {
      const auto d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3f);
    }
    // Overlong forms, surrogates and values beyond U+10FFFF are not UTF-8.
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += n + 1;
  }
  return true;
}

std::optional<std::string> render_template(std::string_view text, const std::map<std::string, std::string>& values) {
  std::string out;
  out.reserve(text.size());
  const bool ok = walk(
      text,
      [&](std::string_view piece) {
        out += piece;
        return true;
      },
      [&](std::string_view name) {
        const auto it = values.find(std::string(name));
        if (it == values.end()) return false;
        out += it->second;
        return true;
      });
  if (!ok) return std::nullopt;
  return out;
}

std::vector<std::string> template_placeholders(std::string_view text) {
  std::vector<std::string> names;
  walk(
      text, [](std::string_view) { return true; },
      [&](std::string_view name) {
        if (std::find(names.begin(), names.end(), name) == names.end()) names.emplace_back(name);
        return true;
      });
  return names;
}

std::string json_escape(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(text.size() + 8);
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    switch (ch) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += "\\u00";
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 0xf]);
        } else {
          out.push_back(ch);
        }
    }
  }
  return out;
}

std::optional<MessageTemplate> load_template(const std::string& path, TemplateKind kind, std::string& problem) {
  // O_NONBLOCK: a FIFO planted in place of a template must not hang the caller in open().
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY));
  if (!fd) {
    problem = std::string("cannot open: ") + std::strerror(errno);
    return std::nullopt;
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) < 0 || !S_ISREG(st.st_mode)) {
    problem = "not a regular file";
    return std::nullopt;
  }
  if (st.st_size > static_cast<off_t>(kMaxTemplateSize)) {
    problem = "larger than " + std::to_string(kMaxTemplateSize) + " bytes";
    return std::nullopt;
  }
  // Read one byte past the limit so a file that grew after fstat() is still caught.
  std::string raw(kMaxTemplateSize + 1, '\0');
  std::size_t got = 0;
  while (got < raw.size()) {
    const ssize_t n = ::read(fd.get(), raw.data() + got, raw.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      problem = std::string("cannot read: ") + std::strerror(errno);
      return std::nullopt;
    }
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  if (got > kMaxTemplateSize) {
    problem = "larger than " + std::to_string(kMaxTemplateSize) + " bytes";
    return std::nullopt;
  }
  raw.resize(got);
  if (raw.find('\0') != std::string::npos) {
    problem = "contains a NUL byte";
    return std::nullopt;
  }
  if (!valid_utf8(raw)) {
    problem = "not UTF-8 text";
    return std::nullopt;
  }
  std::string text;
  text.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i)
    if (!(raw[i] == '\r' && i + 1 < raw.size() && raw[i + 1] == '\n')) text.push_back(raw[i]);

  MessageTemplate result;
  std::string_view rest = text;
  if (kind == TemplateKind::email) {
    const std::size_t eol = rest.find('\n');
    bool matched = false;
    const std::string subject = strip_prefix_ci(rest.substr(0, eol), "Subject:", matched);
    if (!matched) {
      problem = "the first line must be \"Subject: ...\"";
      return std::nullopt;
    }
    result.subject = std::string(trim_blanks(subject));
    if (result.subject.empty() || has_control(result.subject)) {
      problem = "the subject is empty or contains control characters";
      return std::nullopt;
    }
    if (eol == std::string_view::npos || rest.substr(eol + 1, 1) != "\n") {
      problem = "the subject line must be followed by an empty line";
      return std::nullopt;
    }
    rest.remove_prefix(eol + 2);
  }
  while (kind == TemplateKind::sms && !rest.empty() && rest.back() == '\n') rest.remove_suffix(1);
  if (rest.find_first_not_of(" \t\n") == std::string_view::npos) {
    problem = "the message body is empty";
    return std::nullopt;
  }
  result.body = std::string(rest);
  return result;
}

std::optional<MessageTemplate> render_message(const MessageTemplate& message,
                                              const std::map<std::string, std::string>& values) {
  auto subject = render_template(message.subject, values);
  auto body = render_template(message.body, values);
  if (!subject || !body) return std::nullopt;
  return MessageTemplate{std::move(*subject), std::move(*body)};
}

}  // namespace sspr::daemon::delivery
