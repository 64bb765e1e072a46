// Message templates (ssprd/delivery/templates.cpp): load_template (the file format, read
// from a file in a private scratch directory), render_template, render_message,
// template_placeholders, json_escape and valid_utf8.
// Input: one byte for the kind ('e' or an odd byte: e-mail; else SMS), then the file's bytes.
//
// Invariants:
//  - valid_utf8 agrees with an independent validator (RFC 3629 byte ranges);
//  - json_escape yields no control byte, and for UTF-8 text it is a JSON string body that a JSON
//    parser reads back as the original text;
//  - placeholder names are unique identifiers; rendering succeeds exactly when every one of
//    them has a value (with one missing it fails); rendering is one pass: the length grows by
//    the same amount for each byte of every value, even values that look like placeholders
//    (so a value is never scanned again); text without braces renders as itself;
//  - a loaded template is UTF-8 without NUL; an e-mail subject is non-empty without control
//    bytes; the body is not blank; an SMS body has no trailing newline; an oversized file is
//    refused.
#include "fuzz_support.hpp"

#include "delivery/templates.hpp"

#include <nlohmann/json.hpp>

using namespace sspr::daemon::delivery;
using sspr::fuzz::show;

namespace {

bool is_identifier(std::string_view s) {
  if (s.empty()) return false;
  const auto start = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; };
  if (!start(s.front())) return false;
  for (const char c : s)
    if (!start(c) && !(c >= '0' && c <= '9')) return false;
  return true;
}

std::map<std::string, std::string> values_for(const std::vector<std::string>& names, const std::string& value) {
  std::map<std::string, std::string> values;
  for (const auto& n : names) values[n] = value;
  return values;
}

void check_text(std::string_view text) {
  FUZZ_CHECK(valid_utf8(text) == sspr::fuzz::reference_utf8(text), "valid_utf8 disagrees on " + show(text));

  const std::string escaped = json_escape(text);
  FUZZ_CHECK(!sspr::fuzz::has_control(escaped), "json_escape left a control byte");
  if (valid_utf8(text)) {
    const auto parsed = nlohmann::json::parse("\"" + escaped + "\"", nullptr, false);
    FUZZ_CHECK(!parsed.is_discarded() && parsed.is_string() && parsed.get<std::string>() == text,
               "json_escape is not read back: " + show(escaped));
  }

  const auto names = template_placeholders(text);
  for (std::size_t i = 0; i < names.size(); ++i) {
    FUZZ_CHECK(is_identifier(names[i]), "placeholder name " + show(names[i]));
    for (std::size_t j = 0; j < i; ++j) FUZZ_CHECK(names[i] != names[j], "placeholder listed twice: " + names[i]);
  }

  const auto r0 = render_template(text, values_for(names, ""));
  const auto r1 = render_template(text, values_for(names, "x"));
  const std::string tricky = "{code}}}{{{";  // looks like template syntax: must stay as it is
  const auto rt = render_template(text, values_for(names, tricky));
  FUZZ_CHECK(r0 && r1 && rt, "rendering with every placeholder given failed");
  FUZZ_CHECK(r1->size() >= r0->size(), "a value made the result shorter");
  const std::size_t uses = r1->size() - r0->size();
  FUZZ_CHECK(rt->size() - r0->size() == uses * tricky.size(), "a value was scanned for placeholders");
  FUZZ_CHECK(r0->size() <= text.size(), "rendering empty values made the text longer");
  if (text.find_first_of("{}") == std::string_view::npos) FUZZ_CHECK(*r0 == text, "text without braces changed");
  if (!names.empty()) {
    auto missing = values_for(names, "x");
    missing.erase(names.front());
    FUZZ_CHECK(!render_template(text, missing), "rendering without " + names.front() + " succeeded");
  }
}

const sspr::fuzz::ScratchDir& scratch() {
  static const sspr::fuzz::ScratchDir dir;
  return dir;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  (void)scratch();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const auto kind = data[0] == 'e' || (data[0] != 's' && (data[0] & 1)) ? TemplateKind::email : TemplateKind::sms;
  const auto file = sspr::fuzz::as_view(data + 1, size - 1);

  check_text(file.substr(0, 4096));

  const auto& dir = scratch();
  dir.write("template.txt", file);
  std::string problem;
  const auto message = load_template(dir.file("template.txt"), kind, problem);
  if (!message) {
    FUZZ_CHECK(!problem.empty(), "a refused template without a reason");
    return 0;
  }
  FUZZ_CHECK(file.size() <= kMaxTemplateSize, "an oversized template was loaded");
  FUZZ_CHECK(file.find('\0') == std::string_view::npos, "a template with a NUL byte was loaded");
  FUZZ_CHECK(valid_utf8(file), "a template that is not UTF-8 was loaded");
  FUZZ_CHECK(message->body.find_first_not_of(" \t\n") != std::string::npos, "a blank body was loaded");
  FUZZ_CHECK(message->body.size() <= file.size() && message->subject.size() <= file.size(), "loading grew the text");
  if (kind == TemplateKind::email) {
    FUZZ_CHECK(!message->subject.empty() && !sspr::fuzz::has_control(message->subject),
               "bad subject: " + show(message->subject));
    FUZZ_CHECK(message->subject.front() != ' ' && message->subject.back() != ' ', "untrimmed subject");
  } else {
    FUZZ_CHECK(message->subject.empty(), "an SMS template with a subject");
    FUZZ_CHECK(message->body.back() != '\n', "an SMS body ending in a newline");
    if (file.find('\r') == std::string_view::npos) FUZZ_CHECK(file.starts_with(message->body), "SMS body is not the file");
  }
  check_text(message->subject);
  check_text(message->body.substr(0, 4096));

  auto names = template_placeholders(message->subject);
  for (const auto& n : template_placeholders(message->body)) names.push_back(n);
  const auto rendered = render_message(*message, values_for(names, "v"));
  FUZZ_CHECK(rendered.has_value(), "rendering a loaded template with all its placeholders failed");
  return 0;
}
