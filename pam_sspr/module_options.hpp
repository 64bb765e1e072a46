// pam_sspr.so module arguments (the words after the module path in /etc/pam.d/*).
#pragma once

#include "config.hpp"
#include "status_protocol.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace sspr::pam {

struct ModuleOptions {
  bool debug = false;
  // Budget for reaching ssprd and getting its answer, connection included. Keeps a hung
  // daemon from holding a login for sd-bus's default 25 s.
  std::uint64_t timeout_ms = 3000;
  std::string config_path = kDefaultConfigPath;
  // Where ssprd answers root's status queries without the bus (sspr.conf [daemon]
  // status_socket); empty: the bus only.
  std::string status_socket = status::kDefaultSocketPath;
};

inline constexpr std::uint64_t kMinTimeoutMs = 100;
inline constexpr std::uint64_t kMaxTimeoutMs = 30000;

// Unknown or bad arguments are reported in `warnings` and otherwise ignored (the value keeps
// its default), as Linux-PAM modules do: a typo must not lock users out.
ModuleOptions parse_module_options(int argc, const char** argv, std::vector<std::string>& warnings);

}  // namespace sspr::pam
