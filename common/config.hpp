// /etc/sspr.conf (+ /etc/sspr.conf.d/*.conf): INI sections parsed through one typed key table.
// The table is the single source of each key's type, default, allowed range and one-line doc;
// the daemon, `ssprd --check-config`, `ssprd --print-default-config`, the shipped
// conf/sspr.conf and the man page sspr.conf(5) all come from it.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sspr {

inline constexpr const char* kDefaultConfigPath = "/etc/sspr.conf";

enum class RegistrationScope { none, all, groups };
enum class UnavailableAction { ignore, deny };
enum class NonInteractiveAction { deny, allow };

struct Config {
  // [registration]
  RegistrationScope required_for{};
  std::vector<std::string> required_groups;
  std::vector<std::string> exempt_users;
  std::vector<std::string> exempt_groups;
  std::uint32_t min_uid{};
  std::uint32_t methods_required{};
  std::uint32_t grace_skips{};
  std::uint32_t grace_days{};
  std::uint32_t reconfirm_days{};
  std::uint32_t cooling_off_hours{};
  // [enforcement]
  UnavailableAction when_unavailable{};
  NonInteractiveAction when_non_interactive{};
  // [methods]
  bool method_totp{};
  bool method_email{};
  bool method_sms{};
  bool method_questions{};
  bool method_recovery_codes{};
  // [totp]
  std::string totp_issuer;
  std::uint32_t totp_digits{};
  std::uint32_t totp_period{};
  std::string totp_algorithm;
  // [questions]
  std::uint32_t questions_count{};
  std::vector<std::string> questions_custom;
  // [codes]
  std::uint32_t code_length{};
  std::uint32_t code_lifetime_minutes{};
  std::uint32_t code_max_tries{};
  // [email]
  std::string smtp_url;
  std::string mail_from;
  bool require_starttls{};
  std::string smtp_ca_file;
  std::string smtp_username;
  std::string smtp_password_file;
  std::uint32_t smtp_timeout_seconds{};
  // [sms]
  std::string sms_webhook_url;
  std::vector<std::string> sms_headers;
  std::string sms_headers_file;
  std::string sms_body_template;
  std::string sms_ca_file;
  std::uint32_t sms_timeout_seconds{};
  // [reset]
  std::uint32_t reset_methods_required{};
  std::vector<std::string> admin_groups;
  std::vector<std::string> admin_notify_addresses;
  std::string shadow_directory;
  std::string faillock_directory;
  std::uint32_t reset_questions_asked{};
  std::uint32_t decoy_phone_country{};
  // [throttle]: the limits on guessing (defaults: Entra ID's published numbers).
  std::uint32_t throttle_failed_proofs{};
  std::uint32_t throttle_failed_proofs_window_minutes{};
  std::uint32_t throttle_validations{};
  std::uint32_t throttle_validations_window_minutes{};
  std::uint32_t throttle_deliveries{};
  std::uint32_t throttle_deliveries_window_minutes{};
  std::uint32_t throttle_block_minutes{};
  std::uint32_t throttle_method_failure_limit{};
  std::uint32_t throttle_origins_per_user{};
  // [password]
  std::string pwquality_config;
  std::string banned_words_file;
  // [daemon]
  // [ldap]: directory accounts and, optionally, their registration records.
  bool ldap_enabled{};
  std::vector<std::string> ldap_uris;
  std::string ldap_tls;
  bool ldap_allow_plain{};
  std::string ldap_ca_file;
  std::string ldap_base_dn;
  std::string ldap_user_filter;
  std::string ldap_dn_template;
  std::string ldap_bind_dn;
  std::string ldap_bind_password_file;
  std::uint32_t ldap_network_timeout_ms{};
  std::uint32_t ldap_operation_timeout_ms{};
  bool ldap_store_registrations{};
  bool ldap_prefill_contacts{};
  std::string ldap_registration_attribute;
  std::string state_directory;
  std::string template_directory;
  std::string audit_log;
  std::string status_socket;

  // Every key at its table default.
  static Config defaults();
  bool operator==(const Config&) const = default;
};

enum class ValueType {
  unsigned_integer,
  boolean,
  choice,
  name_list,      // user/group names, comma or space separated
  absolute_path,  // required
  optional_path,  // empty or an absolute path
  text,           // one line of printable text (UTF-8 allowed), at most 512 bytes
  text_list,      // '|'-separated items of text
};

struct ConfigKey {
  std::string_view section;
  std::string_view name;
  ValueType type;
  std::string_view default_value;
  std::uint64_t min = 0;                        // unsigned_integer
  std::uint64_t max = 0;                        // unsigned_integer
  std::span<const std::string_view> choices{};  // choice
  std::string_view doc;
  // Stores an already validated value; returns false only for a value the type check let
  // through but the key rejects (never for well-formed input).
  void (*store)(Config&, std::string_view value);
};

std::span<const ConfigKey> config_keys() noexcept;

struct ConfigDiagnostic {
  std::string file;
  unsigned line = 0;  // 0: the file as a whole
  std::string message;
  std::string to_string() const;  // "file:line: message"
};

struct ConfigResult {
  Config config;
  std::vector<ConfigDiagnostic> errors;
  std::vector<std::string> files_read;
  bool ok() const noexcept { return errors.empty(); }
};

// Parses one file's text onto `config`, appending diagnostics.
void parse_config_text(std::string_view text, std::string_view file_name, Config& config,
                       std::vector<ConfigDiagnostic>& errors);

// Reads `path` and then `path`.d/*.conf in byte order; later files override earlier ones.
// A missing main file is an error only when `must_exist`. Files that are not root-owned or
// are writable by group/others are refused (checked on the open descriptor).
ConfigResult load_config(const std::string& path, bool must_exist);

// The text of conf/sspr.conf: every key commented out at its default, with its doc line.
std::string default_config_text();

// The man page sspr.conf(5) in man(7) roff (the shipped man/sspr.conf.5): the syntax, then
// every key of the table with the values it accepts, its default and its doc line.
std::string config_man_page();

const char* to_string(RegistrationScope scope) noexcept;
const char* to_string(UnavailableAction action) noexcept;
const char* to_string(NonInteractiveAction action) noexcept;

}  // namespace sspr
