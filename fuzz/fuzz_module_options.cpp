// pam_sspr.so's module arguments (pam_sspr/module_options.cpp parse_module_options): the
// words after the module path in /etc/pam.d/*. Input: the arguments separated by NUL bytes;
// an argument that is the single byte 0xff stands for a null pointer in argv.
//
// Invariants:
//  - the options are always usable: timeout within 100..30000 ms, an absolute config path;
//  - each argument is either taken or reported by exactly one warning (a typo never locks
//    anyone out, and never passes silently); the last valid timeout=, config= and
//    status_socket= (absolute or empty) win; debug
//    is on exactly when an argument is "debug";
//  - warnings are printable one-liners (the argument is escaped in them).
#include "fuzz_support.hpp"

#include "module_options.hpp"

using namespace sspr;
using namespace sspr::pam;
using sspr::fuzz::show;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 4096) return 0;
  std::vector<std::string> args;
  std::vector<bool> null_arg;
  const auto text = fuzz::as_view(data, size);
  for (std::size_t pos = 0; pos <= text.size() && args.size() < 64;) {
    const auto nul = text.find('\0', pos);
    const auto arg = text.substr(pos, nul == std::string_view::npos ? std::string_view::npos : nul - pos);
    args.emplace_back(arg);
    null_arg.push_back(arg == "\xff");
    if (nul == std::string_view::npos) break;
    pos = nul + 1;
  }
  std::vector<const char*> argv;
  for (std::size_t i = 0; i < args.size(); ++i) argv.push_back(null_arg[i] ? nullptr : args[i].c_str());

  std::vector<std::string> warnings;
  const auto options = parse_module_options(static_cast<int>(argv.size()), argv.data(), warnings);

  FUZZ_CHECK(options.timeout_ms >= kMinTimeoutMs && options.timeout_ms <= kMaxTimeoutMs,
             "timeout " + std::to_string(options.timeout_ms));
  FUZZ_CHECK(!options.config_path.empty() && options.config_path.front() == '/', "config path " + show(options.config_path));

  // What each argument should do, by the documented rules.
  bool debug = false;
  std::uint64_t timeout = 3000;
  std::string config = kDefaultConfigPath;
  std::string status_socket = status::kDefaultSocketPath;
  std::size_t rejected = 0;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (null_arg[i]) continue;
    const std::string_view arg = argv[i];  // as the module sees it: up to the first NUL
    if (arg == "debug") {
      debug = true;
    } else if (arg.starts_with("timeout=")) {
      const auto digits = arg.substr(8);
      std::uint64_t v = 0;
      bool ok = !digits.empty() && digits.size() <= 20;
      for (const char c : digits) {
        ok = ok && c >= '0' && c <= '9';
        if (ok && v <= 1000000) v = v * 10 + static_cast<std::uint64_t>(c - '0');
      }
      if (ok && v >= kMinTimeoutMs && v <= kMaxTimeoutMs)
        timeout = v;
      else
        ++rejected;
    } else if (arg.starts_with("config=") && arg.size() > 7 && arg[7] == '/') {
      config = std::string(arg.substr(7));
    } else if (arg.starts_with("status_socket=") && (arg.size() == 14 || arg[14] == '/')) {
      status_socket = std::string(arg.substr(14));
    } else {
      ++rejected;
    }
  }
  FUZZ_CHECK(options.debug == debug, "debug is " + std::to_string(options.debug));
  FUZZ_CHECK(options.timeout_ms == timeout, "timeout " + std::to_string(options.timeout_ms) + ", expected " + std::to_string(timeout));
  FUZZ_CHECK(options.config_path == config, "config " + show(options.config_path) + ", expected " + show(config));
  FUZZ_CHECK(options.status_socket == status_socket,
             "status socket " + show(options.status_socket) + ", expected " + show(status_socket));
  FUZZ_CHECK(options.status_socket.empty() || options.status_socket.front() == '/',
             "status socket " + show(options.status_socket));
  FUZZ_CHECK(warnings.size() == rejected,
             std::to_string(warnings.size()) + " warnings for " + std::to_string(rejected) + " rejected arguments");
  for (const auto& w : warnings) {
    FUZZ_CHECK(w.starts_with("ignoring "), "warning " + show(w));
    FUZZ_CHECK(!fuzz::has_control(w), "warning with a control byte: " + show(w));
    FUZZ_CHECK(w.size() <= 4 * 256 + 128, "overlong warning");
  }
  return 0;
}
