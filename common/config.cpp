#include "config.hpp"

#include "status_protocol.hpp"

#include "text.hpp"
#include "user_name.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "handle.hpp"

namespace sspr {
namespace {

constexpr std::size_t kMaxConfigFileSize = 1024 * 1024;
constexpr std::size_t kMaxLineLength = 4096;
constexpr std::size_t kMaxListItems = 256;

constexpr std::array<std::string_view, 3> kScopeChoices{"none", "all", "groups"};
constexpr std::array<std::string_view, 2> kUnavailableChoices{"ignore", "deny"};
constexpr std::array<std::string_view, 3> kLdapTlsChoices{"starttls", "ldaps", "none"};
constexpr std::array<std::string_view, 2> kNonInteractiveChoices{"deny", "allow"};
constexpr std::array<std::string_view, 3> kTotpAlgorithms{"SHA1", "SHA256", "SHA512"};
constexpr std::size_t kMaxTextLength = 512;

std::vector<std::string> split_text_list(std::string_view v) {
  std::vector<std::string> items;
  while (!v.empty()) {
    const auto bar = v.find('|');
    const auto item = trim(v.substr(0, bar));
    if (!item.empty()) items.emplace_back(item);
    if (bar == std::string_view::npos) break;
    v.remove_prefix(bar + 1);
  }
  return items;
}

bool as_bool(std::string_view v) { return *parse_bool(v); }

std::uint32_t as_u32(std::string_view v) { return static_cast<std::uint32_t>(*parse_uint(v)); }

const std::array kKeys = std::to_array<ConfigKey>({
    {"registration", "required_for", ValueType::choice, "none", 0, 0, kScopeChoices,
     "Who must register security info at login: none, all, or the members of required_groups.",
     [](Config& c, std::string_view v) {
       c.required_for = v == "all" ? RegistrationScope::all
                        : v == "groups" ? RegistrationScope::groups
                                        : RegistrationScope::none;
     }},
    {"registration", "required_groups", ValueType::name_list, "", 0, 0, {},
     "Groups whose members must register when required_for = groups (comma or space separated).",
     [](Config& c, std::string_view v) { c.required_groups = split_list(v); }},
    {"registration", "exempt_users", ValueType::name_list, "", 0, 0, {},
     "Users who are never required to register.",
     [](Config& c, std::string_view v) { c.exempt_users = split_list(v); }},
    {"registration", "exempt_groups", ValueType::name_list, "", 0, 0, {},
     "Members of these groups are never required to register.",
     [](Config& c, std::string_view v) { c.exempt_groups = split_list(v); }},
    {"registration", "min_uid", ValueType::unsigned_integer, "1000", 1, 2147483647, {},
     "Accounts with a lower uid (system accounts) are never required to register; root never is.",
     [](Config& c, std::string_view v) { c.min_uid = as_u32(v); }},
    {"registration", "methods_required", ValueType::unsigned_integer, "1", 1, 5, {},
     "How many confirmed methods make a user count as registered.",
     [](Config& c, std::string_view v) { c.methods_required = as_u32(v); }},
    {"registration", "grace_skips", ValueType::unsigned_integer, "3", 0, 100, {},
     "How many times a user who must register may skip it at login (0: never).",
     [](Config& c, std::string_view v) { c.grace_skips = as_u32(v); }},
    {"registration", "grace_days", ValueType::unsigned_integer, "14", 0, 365, {},
     "Skipping is allowed only this many days after the first prompt (0: no deadline).",
     [](Config& c, std::string_view v) { c.grace_days = as_u32(v); }},
    {"registration", "reconfirm_days", ValueType::unsigned_integer, "180", 0, 730, {},
     "Registered users confirm their security info is still right this often (0: never).",
     [](Config& c, std::string_view v) { c.reconfirm_days = as_u32(v); }},
    {"registration", "cooling_off_hours", ValueType::unsigned_integer, "24", 0, 720, {},
     "A method added or changed after the first registration cannot be used for a reset this long.",
     [](Config& c, std::string_view v) { c.cooling_off_hours = as_u32(v); }},
    {"enforcement", "when_unavailable", ValueType::choice, "ignore", 0, 0, kUnavailableChoices,
     "What pam_sspr does at login when ssprd cannot be reached: ignore (log, let the login go on) or deny.",
     [](Config& c, std::string_view v) {
       c.when_unavailable = v == "deny" ? UnavailableAction::deny : UnavailableAction::ignore;
     }},
    {"enforcement", "when_non_interactive", ValueType::choice, "deny", 0, 0, kNonInteractiveChoices,
     "A login that must register but cannot converse (e.g. ssh with a command): deny, or allow and log.",
     [](Config& c, std::string_view v) {
       c.when_non_interactive = v == "allow" ? NonInteractiveAction::allow : NonInteractiveAction::deny;
     }},
    {"methods", "totp", ValueType::boolean, "yes", 0, 0, {}, "Offer authenticator apps (TOTP, RFC 6238).",
     [](Config& c, std::string_view v) { c.method_totp = as_bool(v); }},
    {"methods", "email", ValueType::boolean, "yes", 0, 0, {}, "Offer e-mail (needs [email]).",
     [](Config& c, std::string_view v) { c.method_email = as_bool(v); }},
    {"methods", "sms", ValueType::boolean, "no", 0, 0, {}, "Offer mobile phone by SMS (needs [sms]).",
     [](Config& c, std::string_view v) { c.method_sms = as_bool(v); }},
    {"methods", "questions", ValueType::boolean, "yes", 0, 0, {}, "Offer security questions.",
     [](Config& c, std::string_view v) { c.method_questions = as_bool(v); }},
    {"methods", "recovery_codes", ValueType::boolean, "yes", 0, 0, {}, "Offer single-use recovery codes.",
     [](Config& c, std::string_view v) { c.method_recovery_codes = as_bool(v); }},
    {"totp", "issuer", ValueType::text, "sspr", 0, 0, {}, "Issuer shown in authenticator apps.",
     [](Config& c, std::string_view v) { c.totp_issuer = std::string(v); }},
    {"totp", "digits", ValueType::unsigned_integer, "6", 6, 8, {}, "Digits of a TOTP code.",
     [](Config& c, std::string_view v) { c.totp_digits = as_u32(v); }},
    {"totp", "period", ValueType::unsigned_integer, "30", 15, 120, {}, "Seconds per TOTP code.",
     [](Config& c, std::string_view v) { c.totp_period = as_u32(v); }},
    {"totp", "algorithm", ValueType::choice, "SHA1", 0, 0, kTotpAlgorithms,
     "TOTP hash; most authenticator apps support only SHA1.",
     [](Config& c, std::string_view v) { c.totp_algorithm = std::string(v); }},
    {"questions", "count", ValueType::unsigned_integer, "3", 3, 5, {}, "Security questions a user registers.",
     [](Config& c, std::string_view v) { c.questions_count = as_u32(v); }},
    {"questions", "custom", ValueType::text_list, "", 0, 0, {},
     "Extra questions offered besides the built-in ones, separated by '|'.",
     [](Config& c, std::string_view v) { c.questions_custom = split_text_list(v); }},
    {"codes", "length", ValueType::unsigned_integer, "6", 6, 8, {}, "Digits of a code sent by e-mail or SMS.",
     [](Config& c, std::string_view v) { c.code_length = as_u32(v); }},
    {"codes", "lifetime_minutes", ValueType::unsigned_integer, "5", 1, 60, {}, "Minutes a sent code stays valid.",
     [](Config& c, std::string_view v) { c.code_lifetime_minutes = as_u32(v); }},
    {"codes", "max_tries", ValueType::unsigned_integer, "3", 1, 10, {}, "Wrong entries before a sent code is void.",
     [](Config& c, std::string_view v) { c.code_max_tries = as_u32(v); }},
    {"email", "smtp_url", ValueType::text, "smtp://localhost:25", 0, 0, {},
     "SMTP server (smtp:// with STARTTLS, or smtps://).",
     [](Config& c, std::string_view v) { c.smtp_url = std::string(v); }},
    {"email", "from", ValueType::text, "", 0, 0, {}, "Sender address of sspr's mail (required for e-mail).",
     [](Config& c, std::string_view v) { c.mail_from = std::string(v); }},
    {"email", "require_starttls", ValueType::boolean, "yes", 0, 0, {},
     "Refuse to send mail without STARTTLS and a verified certificate; 'no' allows plain SMTP.",
     [](Config& c, std::string_view v) { c.require_starttls = as_bool(v); }},
    {"email", "ca_file", ValueType::optional_path, "", 0, 0, {}, "CA bundle for the SMTP server (default: system).",
     [](Config& c, std::string_view v) { c.smtp_ca_file = std::string(v); }},
    {"email", "username", ValueType::text, "", 0, 0, {}, "SMTP user name (empty: no authentication).",
     [](Config& c, std::string_view v) { c.smtp_username = std::string(v); }},
    {"email", "password_file", ValueType::optional_path, "", 0, 0, {}, "Root-only file holding the SMTP password.",
     [](Config& c, std::string_view v) { c.smtp_password_file = std::string(v); }},
    {"email", "timeout_seconds", ValueType::unsigned_integer, "10", 1, 120, {}, "Give up on the SMTP server after this.",
     [](Config& c, std::string_view v) { c.smtp_timeout_seconds = as_u32(v); }},
    {"sms", "webhook_url", ValueType::text, "", 0, 0, {}, "HTTPS URL that sends SMS (POST with a JSON body).",
     [](Config& c, std::string_view v) { c.sms_webhook_url = std::string(v); }},
    {"sms", "headers", ValueType::text_list, "", 0, 0, {},
     "Non-secret HTTP headers for the webhook, separated by '|' (this file is world-readable).",
     [](Config& c, std::string_view v) { c.sms_headers = split_text_list(v); }},
    {"sms", "headers_file", ValueType::optional_path, "", 0, 0, {},
     "Root-only file (0600) with secret headers such as 'Authorization: Bearer ...', one per line.",
     [](Config& c, std::string_view v) { c.sms_headers_file = std::string(v); }},
    {"sms", "body_template", ValueType::text, R"({"to":"{to}","message":"{message}"})", 0, 0, {},
     "JSON body of the webhook; {to} and {message} are filled in (JSON-escaped).",
     [](Config& c, std::string_view v) { c.sms_body_template = std::string(v); }},
    {"sms", "ca_file", ValueType::optional_path, "", 0, 0, {}, "CA bundle for the webhook (default: system).",
     [](Config& c, std::string_view v) { c.sms_ca_file = std::string(v); }},
    {"sms", "timeout_seconds", ValueType::unsigned_integer, "10", 1, 120, {}, "Give up on the webhook after this.",
     [](Config& c, std::string_view v) { c.sms_timeout_seconds = as_u32(v); }},
    {"reset", "methods_required", ValueType::unsigned_integer, "1", 1, 2, {},
     "Different registered methods a user proves to reset a forgotten password.",
     [](Config& c, std::string_view v) { c.reset_methods_required = as_u32(v); }},
    {"reset", "admin_groups", ValueType::name_list, "sudo wheel root", 0, 0, {},
     "Members of these groups always prove two methods, and never with security questions.",
     [](Config& c, std::string_view v) { c.admin_groups = split_list(v); }},
    {"reset", "admin_notify_addresses", ValueType::text, "", 0, 0, {},
     "E-mail addresses (space-separated) told whenever a member of an admin group resets a password.",
     [](Config& c, std::string_view v) { c.admin_notify_addresses = split_list(v); }},
    {"reset", "shadow_directory", ValueType::absolute_path, "/etc", 0, 0, {},
     "Where the shadow file of local accounts is (tests point it elsewhere).",
     [](Config& c, std::string_view v) { c.shadow_directory = std::string(v); }},
    {"reset", "questions_asked", ValueType::unsigned_integer, "2", 1, 5, {},
     "Security questions asked in a reset (a random subset of the user's; a new one after a wrong answer).",
     [](Config& c, std::string_view v) { c.reset_questions_asked = as_u32(v); }},
    {"reset", "decoy_phone_country", ValueType::unsigned_integer, "49", 1, 999, {},
     "The country calling code of the masked phone numbers shown for names that cannot be reset (that of your "
     "users' numbers, so that they look like theirs).",
     [](Config& c, std::string_view v) { c.decoy_phone_country = as_u32(v); }},
    {"reset", "faillock_directory", ValueType::optional_path, "/run/faillock", 0, 0, {},
     "pam_faillock's tally directory: a reset clears the user's tally there (empty: leave it alone).",
     [](Config& c, std::string_view v) { c.faillock_directory = std::string(v); }},
    // The throttle store keeps at most 248 events per user: the counts stay below that.
    {"throttle", "failed_proofs", ValueType::unsigned_integer, "5", 1, 200, {},
     "Failed identity proofs within failed_proofs_window_minutes that block password reset.",
     [](Config& c, std::string_view v) { c.throttle_failed_proofs = as_u32(v); }},
    {"throttle", "failed_proofs_window_minutes", ValueType::unsigned_integer, "1440", 1, 527040, {},
     "The window failed_proofs are counted in.",
     [](Config& c, std::string_view v) { c.throttle_failed_proofs_window_minutes = as_u32(v); }},
    {"throttle", "validations", ValueType::unsigned_integer, "5", 1, 200, {},
     "Code and answer checks allowed within validations_window_minutes; one more blocks.",
     [](Config& c, std::string_view v) { c.throttle_validations = as_u32(v); }},
    {"throttle", "validations_window_minutes", ValueType::unsigned_integer, "60", 1, 527040, {},
     "The window validations are counted in.",
     [](Config& c, std::string_view v) { c.throttle_validations_window_minutes = as_u32(v); }},
    {"throttle", "deliveries", ValueType::unsigned_integer, "10", 1, 200, {},
     "E-mails and SMS allowed within deliveries_window_minutes; one more blocks.",
     [](Config& c, std::string_view v) { c.throttle_deliveries = as_u32(v); }},
    {"throttle", "deliveries_window_minutes", ValueType::unsigned_integer, "10", 1, 527040, {},
     "The window deliveries are counted in.",
     [](Config& c, std::string_view v) { c.throttle_deliveries_window_minutes = as_u32(v); }},
    {"throttle", "block_minutes", ValueType::unsigned_integer, "1440", 1, 527040, {},
     "How long any of these blocks password reset (an admin ends it early with 'sspr unlock USER').",
     [](Config& c, std::string_view v) { c.throttle_block_minutes = as_u32(v); }},
    {"throttle", "origins_per_user", ValueType::unsigned_integer, "5", 1, 40, {},
     "Failures are counted per origin (a local uid, a remote host) and block only that origin; this many origins' "
     "worth of failures block the account from everywhere (the ceiling: 25 failed proofs a day by default).",
     [](Config& c, std::string_view v) { c.throttle_origins_per_user = as_u32(v); }},
    {"throttle", "method_failure_limit", ValueType::unsigned_integer, "100", 1, 100000, {},
     "Failures of one method in a row that disable it until an admin runs 'sspr unlock USER'.",
     [](Config& c, std::string_view v) { c.throttle_method_failure_limit = as_u32(v); }},
    {"password", "pwquality_config", ValueType::optional_path, "", 0, 0, {},
     "libpwquality settings for new passwords (empty: the system's /etc/security/pwquality.conf).",
     [](Config& c, std::string_view v) { c.pwquality_config = std::string(v); }},
    {"password", "banned_words_file", ValueType::optional_path, "", 0, 0, {},
     "Words (one per line, 4+ characters) no new password may contain (empty: none).",
     [](Config& c, std::string_view v) { c.banned_words_file = std::string(v); }},
    {"ldap", "enabled", ValueType::boolean, "no", 0, 0, {},
     "Accounts not in the local shadow file are directory (LDAP) accounts: reset and change go to the directory.",
     [](Config& c, std::string_view v) { c.ldap_enabled = as_bool(v); }},
    {"ldap", "uris", ValueType::text, "", 0, 0, {},
     "Directory servers, space-separated, tried in order (ldap:// for starttls and none, ldaps:// for ldaps).",
     [](Config& c, std::string_view v) { c.ldap_uris = split_list(v); }},
    {"ldap", "tls", ValueType::choice, "starttls", 0, 0, kLdapTlsChoices,
     "starttls or ldaps (the certificate and host name are always verified); none needs allow_plain.",
     [](Config& c, std::string_view v) { c.ldap_tls = std::string(v); }},
    {"ldap", "allow_plain", ValueType::boolean, "no", 0, 0, {},
     "Allow tls = none: passwords cross the network in clear. Only for ldapi:// or a test.",
     [](Config& c, std::string_view v) { c.ldap_allow_plain = as_bool(v); }},
    {"ldap", "ca_file", ValueType::optional_path, "", 0, 0, {},
     "CA certificates (PEM) for the directory (empty: TLS_CACERT of /etc/ldap/ldap.conf).",
     [](Config& c, std::string_view v) { c.ldap_ca_file = std::string(v); }},
    {"ldap", "base_dn", ValueType::text, "", 0, 0, {}, "Where user entries are searched (subtree).",
     [](Config& c, std::string_view v) { c.ldap_base_dn = std::string(v); }},
    {"ldap", "user_filter", ValueType::text, "(&(objectClass=posixAccount)(uid=%u))", 0, 0, {},
     "Finds a user's entry; %u is the login name, escaped (RFC 4515).",
     [](Config& c, std::string_view v) { c.ldap_user_filter = std::string(v); }},
    {"ldap", "dn_template", ValueType::text, "", 0, 0, {},
     "Instead of searching: the entry's DN, %u the escaped login name (e.g. uid=%u,ou=people,dc=example,dc=org).",
     [](Config& c, std::string_view v) { c.ldap_dn_template = std::string(v); }},
    {"ldap", "bind_dn", ValueType::text, "", 0, 0, {},
     "The service account sspr binds as to search, reset passwords and keep registration records.",
     [](Config& c, std::string_view v) { c.ldap_bind_dn = std::string(v); }},
    {"ldap", "bind_password_file", ValueType::optional_path, "", 0, 0, {},
     "Root-only file (0600) holding the service account's password.",
     [](Config& c, std::string_view v) { c.ldap_bind_password_file = std::string(v); }},
    {"ldap", "network_timeout_ms", ValueType::unsigned_integer, "5000", 100, 120000, {},
     "Give up connecting to one server after this (then the next URI is tried).",
     [](Config& c, std::string_view v) { c.ldap_network_timeout_ms = as_u32(v); }},
    {"ldap", "operation_timeout_ms", ValueType::unsigned_integer, "10000", 100, 120000, {},
     "Give up on one directory request after this.",
     [](Config& c, std::string_view v) { c.ldap_operation_timeout_ms = as_u32(v); }},
    {"ldap", "store_registrations", ValueType::boolean, "no", 0, 0, {},
     "Keep directory users' registration records in their entry, shared by every host (see conf/ldap/README.md).",
     [](Config& c, std::string_view v) { c.ldap_store_registrations = as_bool(v); }},
    {"ldap", "prefill_contacts", ValueType::boolean, "yes", 0, 0, {},
     "Offer the directory's mail and mobile as the address to register (confirmed with a code like any other).",
     [](Config& c, std::string_view v) { c.ldap_prefill_contacts = as_bool(v); }},
    {"ldap", "enrollment_attribute", ValueType::text, "ssprEnrollment", 0, 0, {},
     "The attribute that holds the record (conf/ldap/sspr-schema.ldif).",
     [](Config& c, std::string_view v) { c.ldap_registration_attribute = std::string(v); }},
    {"daemon", "state_directory", ValueType::absolute_path, "/var/lib/sspr", 0, 0, {},
     "Root-only directory (mode 0700) holding registration records and throttle state.",
     [](Config& c, std::string_view v) { c.state_directory = std::string(v); }},
    {"daemon", "template_directory", ValueType::absolute_path, "/usr/share/sspr/templates", 0, 0, {},
     "Where the e-mail and SMS templates are.",
     [](Config& c, std::string_view v) { c.template_directory = std::string(v); }},
    {"daemon", "audit_log", ValueType::optional_path, "/var/log/sspr/audit.jsonl", 0, 0, {},
     "Audit events as JSON lines (root-only; empty: journal only).",
     [](Config& c, std::string_view v) { c.audit_log = std::string(v); }},
    {"daemon", "status_socket", ValueType::optional_path, status::kDefaultSocketPath, 0, 0, {},
     "Root-only socket on which logins ask for their registration status without the system bus, "
     "in a root-only directory (empty: the bus only; pam_sspr's status_socket= must match).",
     [](Config& c, std::string_view v) { c.status_socket = std::string(v); }},
});

const ConfigKey* find_key(std::string_view section, std::string_view name) {
  for (const auto& key : kKeys)
    if (key.section == section && key.name == name) return &key;
  return nullptr;
}

bool known_section(std::string_view section) {
  return std::any_of(kKeys.begin(), kKeys.end(), [&](const ConfigKey& k) { return k.section == section; });
}

// Returns an empty string when `value` is acceptable for `key`, else the reason.
std::string check_value(const ConfigKey& key, std::string_view value) {
  switch (key.type) {
    case ValueType::unsigned_integer: {
      const auto number = parse_uint(value);
      if (!number) return "'" + escape_untrusted(value) + "' is not a non-negative integer";
      if (*number < key.min || *number > key.max)
        return std::to_string(*number) + " is out of range (" + std::to_string(key.min) + "-" +
               std::to_string(key.max) + ")";
      return {};
    }
    case ValueType::choice: {
      if (std::find(key.choices.begin(), key.choices.end(), value) != key.choices.end()) return {};
      std::string allowed;
      for (auto choice : key.choices) allowed += (allowed.empty() ? "" : ", ") + std::string(choice);
      return "'" + escape_untrusted(value) + "' is not one of: " + allowed;
    }
    case ValueType::name_list: {
      const auto items = split_list(value);
      if (items.size() > kMaxListItems) return "more than " + std::to_string(kMaxListItems) + " names";
      for (const auto& item : items)
        if (!valid_user_name(item)) return "'" + escape_untrusted(item) + "' is not a valid user or group name";
      return {};
    }
    case ValueType::boolean:
      if (!parse_bool(value)) return "'" + escape_untrusted(value) + "' is not a boolean (yes/no)";
      return {};
    case ValueType::text:
    case ValueType::text_list:
      if (value.size() > kMaxTextLength) return "longer than " + std::to_string(kMaxTextLength) + " bytes";
      for (char c : value)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return "contains control characters";
      return {};
    case ValueType::optional_path:
      if (value.empty()) return {};
      [[fallthrough]];
    case ValueType::absolute_path:
      if (value.empty() || value.front() != '/') return "'" + escape_untrusted(value) + "' is not an absolute path";
      if (value.size() > 1024) return "path is longer than 1024 characters";
      if (value.find("/../") != std::string_view::npos || value.ends_with("/.."))
        return "path must not contain '..'";
      for (char c : value)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return "path contains control characters";
      return {};
  }
  return "unsupported type";
}

void add_error(std::vector<ConfigDiagnostic>& errors, std::string_view file, unsigned line, std::string message) {
  errors.push_back({std::string(file), line, std::move(message)});
}

// Reads a whole config file through a descriptor whose owner and mode we have checked.
bool read_config_file(const std::string& path, std::string& text, std::vector<ConfigDiagnostic>& errors,
                      bool& missing) {
  missing = false;
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW));
  if (!fd) {
    if (errno == ENOENT) {
      missing = true;
      return false;
    }
    add_error(errors, path, 0, std::string("cannot open: ") + std::strerror(errno));
    return false;
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) < 0) {
    add_error(errors, path, 0, std::string("cannot stat: ") + std::strerror(errno));
    return false;
  }
  if (!S_ISREG(st.st_mode)) {
    add_error(errors, path, 0, "not a regular file");
    return false;
  }
  if (st.st_uid != 0 && st.st_uid != ::geteuid()) {
    add_error(errors, path, 0, "refusing a file not owned by root");
    return false;
  }
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    add_error(errors, path, 0, "refusing a file writable by group or others (chmod go-w)");
    return false;
  }
  if (static_cast<std::size_t>(st.st_size) > kMaxConfigFileSize) {
    add_error(errors, path, 0, "file is larger than 1 MiB");
    return false;
  }
  text.clear();
  char buffer[8192];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      add_error(errors, path, 0, std::string("read failed: ") + std::strerror(errno));
      return false;
    }
    if (n == 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
    if (text.size() > kMaxConfigFileSize) {
      add_error(errors, path, 0, "file is larger than 1 MiB");
      return false;
    }
  }
  return true;
}

std::vector<std::string> drop_in_files(const std::string& dir, std::vector<ConfigDiagnostic>& errors) {
  std::vector<std::string> names;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) {
    if (errno != ENOENT) add_error(errors, dir, 0, std::string("cannot open directory: ") + std::strerror(errno));
    return names;
  }
  while (const dirent* entry = ::readdir(d)) {
    std::string_view name = entry->d_name;
    if (name.starts_with('.') || !name.ends_with(".conf")) continue;
    names.emplace_back(name);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  for (auto& name : names) name = dir + "/" + name;
  return names;
}

}  // namespace

std::span<const ConfigKey> config_keys() noexcept { return kKeys; }

Config Config::defaults() {
  Config config;
  for (const auto& key : kKeys) key.store(config, key.default_value);
  return config;
}

std::string ConfigDiagnostic::to_string() const {
  return line == 0 ? file + ": " + message : file + ":" + std::to_string(line) + ": " + message;
}

void parse_config_text(std::string_view text, std::string_view file_name, Config& config,
                       std::vector<ConfigDiagnostic>& errors) {
  std::string section;
  unsigned line_number = 0;
  while (!text.empty()) {
    ++line_number;
    const auto newline = text.find('\n');
    std::string_view raw = text.substr(0, newline);
    text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);

    if (raw.size() > kMaxLineLength) {
      add_error(errors, file_name, line_number, "line is longer than 4096 characters");
      continue;
    }
    if (raw.find('\0') != std::string_view::npos) {
      add_error(errors, file_name, line_number, "line contains a NUL byte");
      continue;
    }
    const auto line = trim(raw);
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;

    if (line.front() == '[') {
      if (line.back() != ']' || line.size() < 3) {
        add_error(errors, file_name, line_number, "malformed section header, expected [name]");
        section.clear();
        continue;
      }
      section = std::string(trim(line.substr(1, line.size() - 2)));
      if (!known_section(section)) {
        add_error(errors, file_name, line_number, "unknown section [" + escape_untrusted(section) + "]");
        section = "\x01";  // keys below it are ignored without a second error per key
      }
      continue;
    }

    const auto equals = line.find('=');
    if (equals == std::string_view::npos) {
      add_error(errors, file_name, line_number, "expected 'key = value'");
      continue;
    }
    const auto name = trim(line.substr(0, equals));
    const auto value = trim(line.substr(equals + 1));
    if (section.empty()) {
      add_error(errors, file_name, line_number, "key '" + escape_untrusted(name) + "' outside of any [section]");
      continue;
    }
    if (section == "\x01") continue;
    const ConfigKey* key = find_key(section, name);
    if (key == nullptr) {
      add_error(errors, file_name, line_number,
                "unknown key '" + escape_untrusted(name) + "' in section [" + section + "]");
      continue;
    }
    if (auto problem = check_value(*key, value); !problem.empty()) {
      add_error(errors, file_name, line_number,
                "invalid value for '" + std::string(key->name) + "' in [" + section + "]: " + problem);
      continue;
    }
    key->store(config, value);
  }
}

ConfigResult load_config(const std::string& path, bool must_exist) {
  ConfigResult result{Config::defaults(), {}, {}};
  std::string text;
  bool missing = false;
  if (read_config_file(path, text, result.errors, missing)) {
    parse_config_text(text, path, result.config, result.errors);
    result.files_read.push_back(path);
  } else if (missing && must_exist) {
    add_error(result.errors, path, 0, "file does not exist");
  }
  for (const auto& drop_in : drop_in_files(path + ".d", result.errors)) {
    if (read_config_file(drop_in, text, result.errors, missing)) {
      parse_config_text(text, drop_in, result.config, result.errors);
      result.files_read.push_back(drop_in);
    }
  }
  return result;
}

namespace {

// The key table in order, with `on_section` called before the first key of each section: the
// shape both generated files (sspr.conf and sspr.conf(5)) share.
template <class OnSection, class OnKey>
void walk_keys(OnSection on_section, OnKey on_key) {
  std::string_view section;
  for (const auto& key : kKeys) {
    if (key.section != section) {
      section = key.section;
      on_section(section);
    }
    on_key(key);
  }
}

}  // namespace

std::string default_config_text() {
  std::string out =
      "# /etc/sspr.conf: configuration of sspr, self-service password reset.\n"
      "#\n"
      "# Every key is shown commented out at its built-in default. Files in /etc/sspr.conf.d/*.conf\n"
      "# are read after this one, in byte order of their names; a key set in a later file replaces\n"
      "# the earlier value (lists are replaced, not merged). Check with: ssprd --check-config\n";
  walk_keys([&](std::string_view section) { out += "\n[" + std::string(section) + "]\n"; },
            [&](const ConfigKey& key) {
              out += "# " + std::string(key.doc) + "\n";
              out += "#" + std::string(key.name) + " =" + (key.default_value.empty() ? "" : " ") +
                     std::string(key.default_value) + "\n";
            });
  return out;
}

namespace {

// The date of sspr.conf(5): fixed, so that the page is the same in every build. Bump it with
// the page's text.
constexpr std::string_view kManPageDate = "2026-12-02";

// Text from the key table on a roff text line: a backslash becomes \e; a hyphen becomes \-
// always in a value (`code`), and in prose only inside a word that is an option or a path
// (starts with '-' or contains '/'), so that it can be copied.
std::string roff_escape(std::string_view text, bool code) {
  std::string out;
  std::size_t i = 0;
  for (;;) {
    const auto end = std::min(text.find(' ', i), text.size());
    const auto word = text.substr(i, end - i);
    const bool hyphen_is_minus = code || word.starts_with('-') || word.find('/') != std::string_view::npos;
    for (char c : word) {
      if (c == '\\')
        out += "\\e";
      else if (c == '-' && hyphen_is_minus)
        out += "\\-";
      else
        out += c;
    }
    if (end == text.size()) break;
    out += ' ';
    i = end + 1;
  }
  return out;
}

// One text line: a leading '.' or '\'' would make it a request, a leading space a break.
void add_text_line(std::string& out, std::string_view line) {
  if (!line.empty() && (line.front() == '.' || line.front() == '\'' || line.front() == ' ')) out += "\\&";
  out += line;
  out += '\n';
}

std::string bold(std::string_view value) { return "\\fB" + roff_escape(value, true) + "\\fR"; }

// What the key accepts, from its type.
std::string accepted_values(const ConfigKey& key) {
  std::string text;
  switch (key.type) {
    case ValueType::unsigned_integer:
      text = "An integer from " + std::to_string(key.min) + " to " + std::to_string(key.max) + ".";
      break;
    case ValueType::boolean:
      text = "A boolean.";
      break;
    case ValueType::choice:
      text = "One of ";
      for (std::size_t i = 0; i < key.choices.size(); ++i)
        text += (i == 0 ? "" : ", ") + bold(key.choices[i]);
      text += ".";
      break;
    case ValueType::name_list:
      text = "User or group names, separated by commas or spaces.";
      break;
    case ValueType::absolute_path:
      text = "An absolute path.";
      break;
    case ValueType::optional_path:
      text = "An absolute path, or empty.";
      break;
    case ValueType::text:
      text = "One line of text, at most " + std::to_string(kMaxTextLength) + " bytes.";
      break;
    case ValueType::text_list:
      text = "Items separated by " + bold("|") + ", at most " + std::to_string(kMaxTextLength) + " bytes in all.";
      break;
  }
  return text;
}

}  // namespace

std::string config_man_page() {
  std::string out = ".TH SSPR.CONF 5 " + std::string(kManPageDate) + " sspr\n";
  out += R"roff(.ad l
.nh
.SH NAME
sspr.conf \- configuration of sspr, self\-service password reset
.SH SYNOPSIS
.I /etc/sspr.conf
.br
.I /etc/sspr.conf.d/*.conf
.SH DESCRIPTION
.B ssprd
reads
.I /etc/sspr.conf
and then the files
.I /etc/sspr.conf.d/*.conf
in byte order of their names (names that start with a dot are skipped).
A key set in a later file replaces the earlier value; lists are replaced, not merged.
A key that no file sets keeps its built\-in default.
The shipped
.I /etc/sspr.conf
shows every key commented out at its default; site settings are best kept in drop\-in files.
With
\fB\-\-config\fR \fIFILE\fR,
.B ssprd
reads
.I FILE
and
.IR FILE .d/*.conf
instead.
.PP
Every file must be a regular file, not a symbolic link, owned by root, not writable by group
or others, and at most 1 MiB long.
.PP
A line
.BI [ section ]
begins a section, and
.IB key " = " value
lines set the keys of the section above them.
Space around keys and values is ignored.
Blank lines and lines whose first non\-blank character is
.B #
or
.B ;
are ignored; a comment cannot follow a value on its line.
A line is at most 4096 characters long.
Booleans are
.BR yes ,
.BR true ,
.BR on ,
.B 1
or
.BR no ,
.BR false ,
.BR off ,
.BR 0 ,
in any case.
.PP
Unknown sections and keys and invalid values are errors, and any error stops
.B ssprd
from starting (exit status 78): a daemon that guessed at a broken policy could enforce the
wrong thing.
Check a change with
.B ssprd \-\-check\-config
first: it prints every problem as
.IR file : line ": " message .
.B ssprd \-\-print\-default\-config
prints the shipped file.
.PP
.B pam_sspr.so
reads the same files only for the two keys of
.BR [enforcement] ,
and only when it needs them (module option
.BR config= );
a line with an error is logged and left out, and the keys that parsed still apply
(a file that is not root's, or that others may write, is not read at all).
.SH OPTIONS
The keys by section, each with its meaning, the values it accepts and its default.
)roff";
  walk_keys([&](std::string_view section) { out += ".SS [" + std::string(section) + "]\n"; },
            [&](const ConfigKey& key) {
              out += ".TP\n.B " + std::string(key.name) + "\n";
              add_text_line(out, roff_escape(key.doc, false));
              add_text_line(out, accepted_values(key));
              add_text_line(out, "Default: " +
                                     (key.default_value.empty() ? std::string("empty") : bold(key.default_value)) + ".");
            });
  out += R"roff(.SH FILES
.TP
.I /etc/sspr.conf
The configuration file.
.TP
.I /etc/sspr.conf.d/*.conf
Drop\-in files, read after it in byte order of their names.
.SH EXAMPLES
A drop\-in file that requires the members of two groups to register two methods:
.PP
.EX
# /etc/sspr.conf.d/50\-registration.conf
[registration]
required_for = groups
required_groups = staff, students
methods_required = 2
.EE
.SH SEE ALSO
.BR sspr (1),
.BR pam_sspr (8),
.BR ssprd (8),
.BR pwquality.conf (5)
)roff";
  return out;
}

const char* to_string(RegistrationScope scope) noexcept {
  switch (scope) {
    case RegistrationScope::none: return "none";
    case RegistrationScope::all: return "all";
    case RegistrationScope::groups: return "groups";
  }
  return "?";
}

const char* to_string(UnavailableAction action) noexcept {
  return action == UnavailableAction::deny ? "deny" : "ignore";
}

const char* to_string(NonInteractiveAction action) noexcept {
  return action == NonInteractiveAction::allow ? "allow" : "deny";
}

}  // namespace sspr
