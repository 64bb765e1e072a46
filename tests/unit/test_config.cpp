// The config key table and parser: every key's default, a valid value, out-of-range and bad
// values, unknown keys and sections, bad syntax (all with file:line), drop-in order, file
// permissions, and the shipped conf/sspr.conf and man/sspr.conf.5 being exactly what the table
// generates.
#include "cmocka.hpp"
#include "config.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

using namespace sspr;

namespace {

struct Parsed {
  Config config;
  std::vector<ConfigDiagnostic> errors;
};

Parsed parse(const std::string& text) {
  Parsed p{Config::defaults(), {}};
  parse_config_text(text, "test.conf", p.config, p.errors);
  return p;
}

std::string one_error(const std::string& text) {
  const auto p = parse(text);
  if (p.errors.size() != 1) return "expected exactly one error, got " + std::to_string(p.errors.size());
  return p.errors[0].to_string();
}

std::string key_line(const ConfigKey& key, const std::string& value) {
  return "[" + std::string(key.section) + "]\n" + std::string(key.name) + " = " + value + "\n";
}

std::string make_temp_dir() {
  char tmpl[] = "/tmp/sspr-config-test-XXXXXX";
  assert_non_null(mkdtemp(tmpl));
  return tmpl;
}

void write(const std::string& path, const std::string& text, mode_t mode = 0644) {
  std::ofstream(path) << text;
  chmod(path.c_str(), mode);
}

}  // namespace

static void test_defaults(void**) {
  const auto c = Config::defaults();
  assert_int_equal(static_cast<int>(c.required_for), static_cast<int>(RegistrationScope::none));
  assert_true(c.required_groups.empty());
  assert_true(c.exempt_users.empty());
  assert_true(c.exempt_groups.empty());
  assert_int_equal(c.min_uid, 1000);
  assert_int_equal(c.methods_required, 1);
  assert_int_equal(static_cast<int>(c.when_unavailable), static_cast<int>(UnavailableAction::ignore));
  assert_str(c.state_directory, "/var/lib/sspr");
  assert_int_equal(c.grace_skips, 3);
  assert_int_equal(c.grace_days, 14);
  assert_int_equal(c.reconfirm_days, 180);
  assert_int_equal(c.cooling_off_hours, 24);
  assert_int_equal(static_cast<int>(c.when_non_interactive), static_cast<int>(NonInteractiveAction::deny));
  assert_true(c.method_totp && c.method_email && !c.method_sms && c.method_questions && c.method_recovery_codes);
  assert_str(c.totp_issuer, "sspr");
  assert_int_equal(c.totp_digits, 6);
  assert_int_equal(c.totp_period, 30);
  assert_str(c.totp_algorithm, "SHA1");
  assert_int_equal(c.questions_count, 3);
  assert_true(c.questions_custom.empty());
  assert_int_equal(c.code_length, 6);
  assert_int_equal(c.code_lifetime_minutes, 5);
  assert_int_equal(c.code_max_tries, 3);
  assert_str(c.smtp_url, "smtp://localhost:25");
  assert_true(c.require_starttls);
  assert_str(c.sms_body_template, R"({"to":"{to}","message":"{message}"})");
  assert_str(c.template_directory, "/usr/share/sspr/templates");
  assert_str(c.audit_log, "/var/log/sspr/audit.jsonl");
}

static void test_every_key_accepts_its_default_and_keeps_defaults(void**) {
  for (const auto& key : config_keys()) {
    const auto p = parse(key_line(key, std::string(key.default_value)));
    assert_int_equal(p.errors.size(), 0);
    assert_true(p.config == Config::defaults());
    assert_false(key.doc.empty());
  }
}

static void test_every_key_rejects_bad_values_with_file_and_line(void**) {
  for (const auto& key : config_keys()) {
    const std::string where = "test.conf:2: invalid value for '" + std::string(key.name) + "' in [" +
                              std::string(key.section) + "]: ";
    switch (key.type) {
      case ValueType::unsigned_integer: {
        assert_int_equal(parse(key_line(key, std::to_string(key.min))).errors.size(), 0);
        assert_int_equal(parse(key_line(key, std::to_string(key.max))).errors.size(), 0);
        const std::string range = " is out of range (" + std::to_string(key.min) + "-" + std::to_string(key.max) + ")";
        assert_str(one_error(key_line(key, std::to_string(key.max + 1))), where + std::to_string(key.max + 1) + range);
        if (key.min > 0)
          assert_str(one_error(key_line(key, std::to_string(key.min - 1))), where + std::to_string(key.min - 1) + range);
        assert_str(one_error(key_line(key, "12abc")), where + "'12abc' is not a non-negative integer");
        assert_str(one_error(key_line(key, "-1")), where + "'-1' is not a non-negative integer");
        break;
      }
      case ValueType::choice: {
        std::string allowed;
        for (auto c : key.choices) {
          assert_int_equal(parse(key_line(key, std::string(c))).errors.size(), 0);
          allowed += (allowed.empty() ? "" : ", ") + std::string(c);
        }
        assert_str(one_error(key_line(key, "bogus")), where + "'bogus' is not one of: " + allowed);
        break;
      }
      case ValueType::name_list:
        assert_int_equal(parse(key_line(key, "alice, bob wheel")).errors.size(), 0);
        assert_str(one_error(key_line(key, "alice, ../etc")), where + "'../etc' is not a valid user or group name");
        break;
      case ValueType::boolean:
        for (const char* v : {"yes", "no", "true", "false", "on", "off", "1", "0"})
          assert_int_equal(parse(key_line(key, v)).errors.size(), 0);
        assert_str(one_error(key_line(key, "maybe")), where + "'maybe' is not a boolean (yes/no)");
        break;
      case ValueType::text:
      case ValueType::text_list:
        assert_int_equal(parse(key_line(key, "Ünïcode text | with, punctuation {x}")).errors.size(), 0);
        assert_str(one_error(key_line(key, "bell\a")), where + "contains control characters");
        assert_str(one_error(key_line(key, std::string(513, 'x'))), where + "longer than 512 bytes");
        break;
      case ValueType::optional_path:
        assert_int_equal(parse(key_line(key, "")).errors.size(), 0);
        [[fallthrough]];
      case ValueType::absolute_path:
        assert_int_equal(parse(key_line(key, "/srv/sspr")).errors.size(), 0);
        assert_str(one_error(key_line(key, "relative/dir")), where + "'relative/dir' is not an absolute path");
        assert_str(one_error(key_line(key, "/var/../etc")), where + "path must not contain '..'");
        break;
    }
  }
}

static void test_values_land_in_their_fields(void**) {
  const auto p = parse(
      "# comment\n; also a comment\n\n[registration]\nrequired_for = groups\nrequired_groups = staff, dev\n"
      "exempt_users = carol\nexempt_groups=contractors admins\nmin_uid = 500\nmethods_required = 2\n"
      "[enforcement]\n  when_unavailable   =   deny  \n[daemon]\nstate_directory = /srv/sspr\n"
      "[questions]\ncustom = What is your quest? | Who wrote 'Dune', and when? |\n[methods]\nsms = yes\n");
  assert_int_equal(p.errors.size(), 0);
  assert_int_equal(static_cast<int>(p.config.required_for), static_cast<int>(RegistrationScope::groups));
  assert_int_equal(p.config.required_groups.size(), 2);
  assert_str(p.config.required_groups[1], "dev");
  assert_str(p.config.exempt_users[0], "carol");
  assert_int_equal(p.config.exempt_groups.size(), 2);
  assert_int_equal(p.config.min_uid, 500);
  assert_int_equal(p.config.methods_required, 2);
  assert_int_equal(static_cast<int>(p.config.when_unavailable), static_cast<int>(UnavailableAction::deny));
  assert_str(p.config.state_directory, "/srv/sspr");
  assert_int_equal(p.config.questions_custom.size(), 2);
  assert_str(p.config.questions_custom[1], "Who wrote 'Dune', and when?");
  assert_true(p.config.method_sms);
}

static void test_syntax_errors(void**) {
  assert_str(one_error("[registration]\nfrobnicate = 1\n"), "test.conf:2: unknown key 'frobnicate' in section [registration]");
  assert_str(one_error("min_uid = 5\n"), "test.conf:1: key 'min_uid' outside of any [section]");
  assert_str(one_error("[registration]\nmin_uid 5\n"), "test.conf:2: expected 'key = value'");
  assert_str(one_error("[registration\n"), "test.conf:1: malformed section header, expected [name]");
  // Keys under an unknown section are not reported one by one.
  assert_str(one_error("[nonsense]\na = 1\nb = 2\n"), "test.conf:1: unknown section [nonsense]");
  assert_str(one_error("[registration]\n" + std::string(5000, 'x') + "\n"), "test.conf:2: line is longer than 4096 characters");
  assert_str(one_error(std::string("[registration]\nmin_uid = 5\0\n", 27)), "test.conf:2: line contains a NUL byte");
  assert_str(one_error("[registration]\nexempt_users = a\x1b[31m\n"),
             "test.conf:2: invalid value for 'exempt_users' in [registration]: 'a\\x1b[31m' is not a valid user or group name");
  // A bad value leaves the previous (default) value in place.
  const auto p = parse("[registration]\nmin_uid = 0\n");
  assert_int_equal(p.config.min_uid, 1000);
}

static void test_drop_ins_override_in_byte_order(void**) {
  const auto dir = make_temp_dir();
  write(dir + "/sspr.conf", "[registration]\nmin_uid = 2000\nrequired_for = all\n");
  mkdir((dir + "/sspr.conf.d").c_str(), 0755);
  write(dir + "/sspr.conf.d/20-later.conf", "[registration]\nmin_uid = 3000\nexempt_users = x\n");
  write(dir + "/sspr.conf.d/10-early.conf", "[registration]\nmin_uid = 2500\nexempt_users = a b\n");
  write(dir + "/sspr.conf.d/30-ignored.conf.disabled", "[registration]\nmin_uid = 9\n");
  write(dir + "/sspr.conf.d/.hidden.conf", "[registration]\nmin_uid = 9\n");
  const auto r = load_config(dir + "/sspr.conf", true);
  assert_true(r.ok());
  assert_int_equal(r.files_read.size(), 3);
  assert_str(r.files_read[1], dir + "/sspr.conf.d/10-early.conf");
  assert_int_equal(r.config.min_uid, 3000);
  assert_int_equal(r.config.exempt_users.size(), 1);  // lists are replaced, not merged
  assert_int_equal(static_cast<int>(r.config.required_for), static_cast<int>(RegistrationScope::all));

  write(dir + "/sspr.conf.d/40-bad.conf", "[registration]\nmin_uid = x\n");
  const auto bad = load_config(dir + "/sspr.conf", true);
  assert_int_equal(bad.errors.size(), 1);
  assert_str(bad.errors[0].to_string(), dir + "/sspr.conf.d/40-bad.conf:2: invalid value for 'min_uid' in [registration]: 'x' is not a non-negative integer");
  std::filesystem::remove_all(dir);
}

static void test_missing_and_unsafe_files(void**) {
  const auto dir = make_temp_dir();
  const auto missing = load_config(dir + "/none.conf", false);
  assert_true(missing.ok());
  assert_true(missing.config == Config::defaults());
  const auto required = load_config(dir + "/none.conf", true);
  assert_int_equal(required.errors.size(), 1);
  assert_str(required.errors[0].to_string(), dir + "/none.conf: file does not exist");

  write(dir + "/open.conf", "[registration]\nrequired_for = none\n", 0666);
  const auto unsafe = load_config(dir + "/open.conf", true);
  assert_int_equal(unsafe.errors.size(), 1);
  assert_str(unsafe.errors[0].to_string(), dir + "/open.conf: refusing a file writable by group or others (chmod go-w)");

  assert_int_equal(symlink((dir + "/open.conf").c_str(), (dir + "/link.conf").c_str()), 0);
  const auto link = load_config(dir + "/link.conf", true);
  assert_int_equal(link.errors.size(), 1);
  std::filesystem::remove_all(dir);
}

static void test_shipped_config_is_the_generated_default(void**) {
  std::ifstream in(SSPR_SOURCE_DIR "/conf/sspr.conf");
  std::stringstream shipped;
  shipped << in.rdbuf();
  assert_str(shipped.str(), default_config_text());
  const auto p = parse(shipped.str());
  assert_int_equal(p.errors.size(), 0);
  // Every key is in it, commented at its default.
  for (const auto& key : config_keys()) {
    const std::string line = "#" + std::string(key.name) + " =" + (key.default_value.empty() ? "" : " ") +
                             std::string(key.default_value) + "\n";
    assert_true(shipped.str().find(line) != std::string::npos);
  }
}

// man/sspr.conf.5 is generated too (ssprd --print-config-man): it documents every key, with
// the default the parser really uses.
static void test_shipped_man_page_is_the_generated_one(void**) {
  std::ifstream in(SSPR_SOURCE_DIR "/man/sspr.conf.5");
  std::stringstream shipped;
  shipped << in.rdbuf();
  assert_str(shipped.str(), config_man_page());
  for (const auto& key : config_keys()) {
    expect_contains(shipped.str(), ".TP\n.B " + std::string(key.name) + "\n");
    if (key.default_value.empty()) continue;
    std::string value;  // the default as the page shows it: hyphens are \- in roff
    for (char c : key.default_value) value += c == '-' ? std::string("\\-") : std::string(1, c);
    expect_contains(shipped.str(), "Default: \\fB" + value + "\\fR.\n");
  }
}

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_defaults),
      cmocka_unit_test(test_every_key_accepts_its_default_and_keeps_defaults),
      cmocka_unit_test(test_every_key_rejects_bad_values_with_file_and_line),
      cmocka_unit_test(test_values_land_in_their_fields),
      cmocka_unit_test(test_syntax_errors),
      cmocka_unit_test(test_drop_ins_override_in_byte_order),
      cmocka_unit_test(test_missing_and_unsafe_files),
      cmocka_unit_test(test_shipped_config_is_the_generated_default),
      cmocka_unit_test(test_shipped_man_page_is_the_generated_one),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
