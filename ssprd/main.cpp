// ssprd: the privileged sspr daemon. See ssprd(8) / docs/architecture.md.
#include "bus_names.hpp"
#include "config.hpp"
#include "daemon.hpp"
#include "delivery/addresses.hpp"
#include "ldap/connection.hpp"
#include "ldap_settings_from_config.hpp"
#include "log.hpp"
#include "text.hpp"

#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>

namespace {

constexpr int kExitConfig = 78;  // sysexits.h EX_CONFIG; also in systemd/ssprd.service.in

void print_usage() {
  std::printf(
      "Usage: ssprd [OPTIONS]\n"
      "\n"
      "The privileged daemon of sspr, self-service password reset. It owns the system bus\n"
      "name %s and is normally started by systemd (ssprd.service).\n"
      "\n"
      "  --config FILE            read FILE and FILE.d/*.conf instead of %s\n"
      "  --check-config           validate the configuration and the files it names, print every problem,\n"
      "                           exit non-zero on any\n"
      "  --print-default-config   print a configuration file with every key at its default\n"
      "  --print-config-man       print the man page sspr.conf(5), generated from the same key table\n"
      "  --bus-introspect=IFACE   print the D-Bus introspection XML of IFACE (%s or %s) and exit\n"
      "  --debug                  log debug messages\n"
      "  --version                print the version\n"
      "  --help                   this text\n",
      sspr::bus::kServiceName, sspr::kDefaultConfigPath, sspr::bus::kManagerInterface, sspr::bus::kSessionInterface);
}

// Checks that need the daemon's libraries (the address rules live with the mailer, the
// directory settings with the LDAP backend).
void check_with_daemon_rules(sspr::ConfigResult& loaded, const std::string& config_path) {
  if (loaded.config.ldap_enabled)
    if (const auto problem = sspr::ldap::check_settings(sspr::daemon::ldap_settings_from(loaded.config)))
      loaded.errors.push_back({config_path, 0, "[ldap] " + *problem});
  for (const auto& address : loaded.config.admin_notify_addresses)
    if (!sspr::daemon::delivery::valid_email_address(address))
      loaded.errors.push_back({config_path, 0,
                               "[reset] admin_notify_addresses: '" + sspr::escape_untrusted(address) +
                                   "' is not a valid e-mail address"});
}

}  // namespace

int main(int argc, char** argv) {
  sspr::log_set_identifier("ssprd");
  std::string config_path = sspr::kDefaultConfigPath;
  bool config_given = false, check_only = false;

  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--help") {
      print_usage();
      return 0;
    } else if (arg == "--version") {
      std::printf("ssprd %s\n", SSPR_VERSION);
      return 0;
    } else if (arg == "--config" && i + 1 < argc) {
      config_path = argv[++i];
      config_given = true;
    } else if (arg.starts_with("--config=")) {
      config_path = std::string(arg.substr(9));
      config_given = true;
    } else if (arg == "--check-config") {
      check_only = true;
    } else if (arg == "--print-default-config") {
      std::fputs(sspr::default_config_text().c_str(), stdout);
      return 0;
    } else if (arg == "--print-config-man") {
      std::fputs(sspr::config_man_page().c_str(), stdout);
      return 0;
    } else if (arg.starts_with("--bus-introspect=")) {
      const std::string interface(arg.substr(17));
      if (interface != sspr::bus::kManagerInterface && interface != sspr::bus::kSessionInterface) {
        std::fprintf(stderr, "ssprd: unknown interface; known: %s, %s\n", sspr::bus::kManagerInterface,
                     sspr::bus::kSessionInterface);
        return 2;
      }
      const auto xml = sspr::daemon::introspect(interface);
      if (xml.empty()) return std::fprintf(stderr, "ssprd: introspection failed\n"), 1;
      std::fputs(xml.c_str(), stdout);
      return 0;
    } else if (arg == "--debug") {
      sspr::log_set_max_level(LOG_DEBUG);
    } else {
      std::fprintf(stderr, "ssprd: unknown or incomplete option '%s' (see --help)\n", argv[i]);
      return 2;
    }
  }

  auto loaded = sspr::load_config(config_path, config_given);
  check_with_daemon_rules(loaded, config_path);
  // The files the LDAP settings name: errors for --check-config; for the daemon only a warning,
  // since a file may be fixed or rotated while it runs (it is read at every use), and local
  // accounts must not lose their reset for it.
  if (loaded.config.ldap_enabled && loaded.ok())
    for (const auto& problem : sspr::ldap::check_files(sspr::daemon::ldap_settings_from(loaded.config))) {
      if (check_only)
        loaded.errors.push_back({config_path, 0, "[ldap] " + problem});
      else
        log_warning("[ldap] %s", problem.c_str());
    }
  for (const auto& error : loaded.errors) std::fprintf(stderr, "%s\n", error.to_string().c_str());
  if (check_only) {
    if (!loaded.ok()) {
      std::fprintf(stderr, "ssprd: configuration has %zu error(s)\n", loaded.errors.size());
      return 1;
    }
    for (const auto& file : loaded.files_read) std::printf("%s: ok\n", file.c_str());
    if (loaded.files_read.empty()) std::printf("%s: not present, built-in defaults apply\n", config_path.c_str());
    return 0;
  }
  // A daemon that guessed at a broken policy could enforce the wrong thing: refuse to start.
  if (!loaded.ok()) {
    log_error("refusing to start with %zu configuration error(s); run 'ssprd --check-config'", loaded.errors.size());
    // EX_CONFIG: the unit's RestartPreventExitStatus= stops systemd from retrying, so a pending
    // D-Bus activation fails at once and pam_sspr steps aside without waiting out its timeout.
    return kExitConfig;
  }
  return sspr::daemon::run_daemon(loaded.config);
}
