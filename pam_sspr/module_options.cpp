#include "module_options.hpp"

#include "text.hpp"

#include <string_view>

namespace sspr::pam {

ModuleOptions parse_module_options(int argc, const char** argv, std::vector<std::string>& warnings) {
  ModuleOptions options;
  for (int i = 0; i < argc; ++i) {
    if (argv[i] == nullptr) continue;
    const std::string_view arg = argv[i];
    if (arg == "debug") {
      options.debug = true;
    } else if (arg.starts_with("timeout=")) {
      const auto value = parse_uint(arg.substr(8));
      if (value && *value >= kMinTimeoutMs && *value <= kMaxTimeoutMs)
        options.timeout_ms = *value;
      else
        warnings.push_back("ignoring '" + escape_untrusted(arg) + "': timeout must be " +
                           std::to_string(kMinTimeoutMs) + "-" + std::to_string(kMaxTimeoutMs) + " ms");
    } else if (arg.starts_with("config=")) {
      const auto path = arg.substr(7);
      if (!path.empty() && path.front() == '/')
        options.config_path = std::string(path);
      else
        warnings.push_back("ignoring '" + escape_untrusted(arg) + "': config must be an absolute path");
    } else if (arg.starts_with("status_socket=")) {
      const auto path = arg.substr(14);
      if (path.empty() || path.front() == '/')
        options.status_socket = std::string(path);
      else
        warnings.push_back("ignoring '" + escape_untrusted(arg) + "': status_socket must be an absolute path or empty");
    } else {
      warnings.push_back("ignoring unknown option '" + escape_untrusted(arg) + "'");
    }
  }
  return options;
}

}  // namespace sspr::pam
