// /etc/sspr.conf (+ /etc/sspr.conf.d/*.conf): INI sections parsed through one typed key table.
// The table is the single source of each key's type, default, allowed range and one-line doc;
// the daemon, `ssprd --check-config`, `ssprd --print-default-config` and the shipped
// conf/sspr.conf all come from it.
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

struct Config {
  // [registration]
  RegistrationScope required_for{};
  std::vector<std::string> required_groups;
  std::vector<std::string> exempt_users;
  std::vector<std::string> exempt_groups;
  std::uint32_t min_uid{};
  std::uint32_t methods_required{};
  // [enforcement]
  UnavailableAction when_unavailable{};
  // [daemon]
  std::string state_directory;

  // Every key at its table default.
  static Config defaults();
  bool operator==(const Config&) const = default;
};

enum class ValueType { unsigned_integer, choice, name_list, absolute_path };

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

const char* to_string(RegistrationScope scope) noexcept;
const char* to_string(UnavailableAction action) noexcept;

}  // namespace sspr
