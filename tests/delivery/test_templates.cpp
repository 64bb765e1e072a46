// Templates: exact rendering, unknown placeholders refused, brace escapes, JSON escaping,
// the loader's file checks, and the shipped templates render with the documented names.
#include "cmocka.hpp"
#include "delivery/templates.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace sspr::daemon::delivery;
using namespace std::string_literals;

namespace {

struct Dir {
  std::string path;
  Dir() {
    char tmpl[] = "/tmp/sspr-templates-test-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~Dir() { std::filesystem::remove_all(path); }
};

std::string put(const Dir& d, const std::string& name, const std::string& text) {
  const std::string path = d.path + "/" + name;
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

void expect_load_problem(const std::string& path, TemplateKind kind, const char* problem) {
  std::string p;
  assert_false(load_template(path, kind, p).has_value());
  assert_str(p, problem);
}

const std::map<std::string, std::string> kCodeValues = {
    {"code", "48213907"}, {"minutes", "5"}, {"user", "alice"}, {"host", "ws1.example.com"},
    {"purpose", "reset your password"}};
const std::map<std::string, std::string> kNoticeValues = {
    {"user", "alice"}, {"host", "ws1.example.com"}, {"event", "password changed"}, {"time", "2025-01-02 03:04 UTC"}};

}  // namespace

static void test_render(void**) {
  const std::map<std::string, std::string> v = {{"code", "123456"}, {"user", "alice"}, {"x_1", "X"}};
  assert_str(*render_template("Code {code} for {user}.", v), "Code 123456 for alice.");
  assert_str(*render_template("{code}{code}", v), "123456123456");
  assert_str(*render_template("{x_1}", v), "X");
  assert_str(*render_template("", v), "");
  assert_str(*render_template("no placeholders", v), "no placeholders");
  // Values are inserted verbatim and never rescanned.
  assert_str(*render_template("[{user}]", {{"user", "{code}"}, {"code", "no"}}), "[{code}]");
  assert_str(*render_template("{user}", {{"user", "a\nb\"c"}}), "a\nb\"c");
}

static void test_unknown_placeholder(void**) {
  const std::map<std::string, std::string> v = {{"code", "123456"}};
  assert_false(render_template("{cod}", v).has_value());
  assert_false(render_template("Code {code}, user {user}", v).has_value());
  assert_false(render_template("{CODE}", v).has_value());  // names are case-sensitive
}

static void test_braces(void**) {
  const std::map<std::string, std::string> v = {{"code", "1"}};
  assert_str(*render_template("{{code}}", v), "{code}");
  assert_str(*render_template("{{{code}}}", v), "{1}");
  assert_str(*render_template("a {{ b }} c", v), "a { b } c");
  // A brace that does not form a placeholder is literal: JSON needs no escaping.
  assert_str(*render_template(R"({"to":"{code}"})", v), R"({"to":"1"})");
  assert_str(*render_template("{ code }", v), "{ code }");
  assert_str(*render_template("{code", v), "{code");
  assert_str(*render_template("code}", v), "code}");
  assert_str(*render_template("{1abc}", v), "{1abc}");
  assert_str(*render_template("{}", v), "{}");
  assert_str(*render_template("{", v), "{");
  assert_str(*render_template("}", v), "}");
}

static void test_placeholders_listed(void**) {
  const auto names = template_placeholders("{code} {user} {{host}} {code} {x}");
  assert_int_equal(names.size(), 3);
  assert_str(names[0], "code");
  assert_str(names[1], "user");
  assert_str(names[2], "x");
}

static void test_json_escape(void**) {
  assert_str(json_escape("plain text 123"), "plain text 123");
  assert_str(json_escape("say \"hi\""), "say \\\"hi\\\"");
  assert_str(json_escape("back\\slash"), "back\\\\slash");
  assert_str(json_escape("line1\nline2\r\n"), "line1\\nline2\\r\\n");
  assert_str(json_escape("tab\there"), "tab\\there");
  assert_str(json_escape("\b\f"), "\\b\\f");
  assert_str(json_escape("\x01\x1f\x7f"), "\\u0001\\u001f\\u007f");
  assert_str(json_escape(std::string("a\0b", 3)), "a\\u0000b");
  assert_str(json_escape("caf\xc3\xa9 \xe2\x82\xac"), "caf\xc3\xa9 \xe2\x82\xac");  // UTF-8 passes
  assert_str(json_escape("\",\"to\":\"+1"), "\\\",\\\"to\\\":\\\"+1");  // no breaking out of a string
}

static void test_utf8(void**) {
  assert_true(valid_utf8("ascii"));
  assert_true(valid_utf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x91"));
  assert_false(valid_utf8("\xc3"));              // truncated
  assert_false(valid_utf8("\xc0\xaf"));          // overlong '/'
  assert_false(valid_utf8("\xed\xa0\x80"));      // surrogate
  assert_false(valid_utf8("\xf4\x90\x80\x80"));  // above U+10FFFF
  assert_false(valid_utf8("\xff"));
}

static void test_load_email_template(void**) {
  Dir d;
  std::string problem;
  const auto t = load_template(put(d, "a.txt", "Subject:  Code for {user} \r\n\r\nHello {user},\r\ncode {code}.\r\n"),
                               TemplateKind::email, problem);
  assert_true(t.has_value());
  assert_str(t->subject, "Code for {user}");
  assert_str(t->body, "Hello {user},\ncode {code}.\n");
  const auto r = render_message(*t, kCodeValues);
  assert_true(r.has_value());
  assert_str(r->subject, "Code for alice");
  assert_str(r->body, "Hello alice,\ncode 48213907.\n");
  assert_false(render_message(*t, {{"user", "alice"}}).has_value());

  expect_load_problem(put(d, "b.txt", "Hello\n\nbody\n"), TemplateKind::email, "the first line must be \"Subject: ...\"");
  expect_load_problem(put(d, "c.txt", "Subject: x\nbody\n"), TemplateKind::email,
                      "the subject line must be followed by an empty line");
  expect_load_problem(put(d, "d.txt", "Subject:   \n\nbody\n"), TemplateKind::email,
                      "the subject is empty or contains control characters");
  expect_load_problem(put(d, "e.txt", "Subject: a\x01" "b\n\nbody\n"), TemplateKind::email,
                      "the subject is empty or contains control characters");
  expect_load_problem(put(d, "f.txt", "Subject: x\n\n\n \n"), TemplateKind::email, "the message body is empty");
}

static void test_load_sms_template(void**) {
  Dir d;
  std::string problem;
  const auto t = load_template(put(d, "s.txt", "Code {code}\n\n"), TemplateKind::sms, problem);
  assert_true(t.has_value());
  assert_str(t->subject, "");
  assert_str(t->body, "Code {code}");
  expect_load_problem(put(d, "empty.txt", "\n"), TemplateKind::sms, "the message body is empty");
}

static void test_load_refuses_unsafe_files(void**) {
  Dir d;
  expect_load_problem(d.path + "/missing.txt", TemplateKind::sms, "cannot open: No such file or directory");
  const std::string target = put(d, "target.txt", "Code {code}\n");
  const std::string link = d.path + "/link.txt";
  assert_int_equal(symlink(target.c_str(), link.c_str()), 0);
  expect_load_problem(link, TemplateKind::sms, "cannot open: Too many levels of symbolic links");
  expect_load_problem(d.path, TemplateKind::sms, "not a regular file");
  const std::string fifo = d.path + "/fifo";
  assert_int_equal(mkfifo(fifo.c_str(), 0600), 0);
  expect_load_problem(fifo, TemplateKind::sms, "not a regular file");  // and open() did not hang
  expect_load_problem(put(d, "big.txt", std::string(kMaxTemplateSize + 1, 'x')), TemplateKind::sms,
                      "larger than 16384 bytes");
  std::string problem;
  assert_true(load_template(put(d, "max.txt", std::string(kMaxTemplateSize, 'x')), TemplateKind::sms, problem).has_value());
  expect_load_problem(put(d, "nul.txt", "a\0b"s), TemplateKind::sms, "contains a NUL byte");
  expect_load_problem(put(d, "latin1.txt", "caf\xe9\n"), TemplateKind::sms, "not UTF-8 text");
}

static void test_shipped_templates(void**) {
  const std::string dir = std::string(SSPR_SOURCE_DIR) + "/conf/templates/";
  struct Case {
    const char* file;
    TemplateKind kind;
    const std::vector<std::string>& allowed;
    const std::map<std::string, std::string>& values;
  };
  const Case cases[] = {
      {"code-email.txt", TemplateKind::email, kCodePlaceholders, kCodeValues},
      {"code-sms.txt", TemplateKind::sms, kCodePlaceholders, kCodeValues},
      {"notice-email.txt", TemplateKind::email, kNoticePlaceholders, kNoticeValues},
      {"notice-sms.txt", TemplateKind::sms, kNoticePlaceholders, kNoticeValues},
  };
  for (const auto& c : cases) {
    std::string problem;
    const auto t = load_template(dir + c.file, c.kind, problem);
    if (!t) fail_msg("%s: %s", c.file, problem.c_str());
    for (const auto& name : template_placeholders(t->subject + t->body))
      if (std::find(c.allowed.begin(), c.allowed.end(), name) == c.allowed.end())
        fail_msg("%s uses {%s}", c.file, name.c_str());
    const auto r = render_message(*t, c.values);
    assert_true(r.has_value());
    assert_true(r->body.find("administrator") != std::string::npos);
    assert_true(r->body.find("alice") != std::string::npos || r->body.find("48213907") != std::string::npos);
  }
  std::string problem;
  const auto code_email = render_message(*load_template(dir + "code-email.txt", TemplateKind::email, problem), kCodeValues);
  assert_str(code_email->subject, "Your one-time code for ws1.example.com");
  assert_true(code_email->body.find("\n    48213907\n") != std::string::npos);
  assert_true(code_email->body.find("valid for 5 minutes") != std::string::npos);
  assert_true(code_email->body.find("to reset your password on ws1.example.com") != std::string::npos);
  const auto code_sms = render_message(*load_template(dir + "code-sms.txt", TemplateKind::sms, problem), kCodeValues);
  assert_true(code_sms->body.rfind("48213907 is your ws1.example.com code", 0) == 0);
  assert_true(code_sms->body.size() <= 160);  // one SMS segment with these values
  const auto notice = render_message(*load_template(dir + "notice-email.txt", TemplateKind::email, problem), kNoticeValues);
  assert_true(notice->body.find("password changed") != std::string::npos);
  assert_true(notice->body.find("If this wasn't you, contact your administrator") != std::string::npos);
  const auto notice_sms = render_message(*load_template(dir + "notice-sms.txt", TemplateKind::sms, problem), kNoticeValues);
  assert_str(notice_sms->body,
             "ws1.example.com: password changed for alice at 2025-01-02 03:04 UTC. If this wasn't you, contact your "
             "administrator.");
}

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_render),
      cmocka_unit_test(test_unknown_placeholder),
      cmocka_unit_test(test_braces),
      cmocka_unit_test(test_placeholders_listed),
      cmocka_unit_test(test_json_escape),
      cmocka_unit_test(test_utf8),
      cmocka_unit_test(test_load_email_template),
      cmocka_unit_test(test_load_sms_template),
      cmocka_unit_test(test_load_refuses_unsafe_files),
      cmocka_unit_test(test_shipped_templates),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
