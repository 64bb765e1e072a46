#include "backend/login_defs.hpp"

#include "handle.hpp"
#include "log.hpp"
#include "text.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <map>
#include <optional>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

namespace sspr::daemon::backend {
namespace {

constexpr unsigned long kMinYescryptCost = 3;
constexpr unsigned long kMaxYescryptCost = 11;
constexpr unsigned long kDefaultYescryptCost = 5;
constexpr unsigned long kMinShaRounds = 1000;
constexpr unsigned long kMaxShaRounds = 999999999;

bool equals_ignoring_case(std::string_view a, const char* b) noexcept {
  return a.size() == std::strlen(b) && ::strncasecmp(a.data(), b, a.size()) == 0;
}

// getdef's value syntax: the rest of the line, trimmed; a leading '"' runs to the next '"'.
std::string_view value_of(std::string_view rest) noexcept {
  rest = trim(rest);
  if (!rest.empty() && rest.front() == '"') {
    rest.remove_prefix(1);
    const auto end = rest.find('"');
    if (end != std::string_view::npos) rest = rest.substr(0, end);
  }
  return rest;
}

std::optional<unsigned long> number(std::string_view text) noexcept {
  const auto n = parse_uint(text);
  if (!n || *n > kMaxShaRounds) return std::nullopt;
  return static_cast<unsigned long>(*n);
}

void read_method(const std::string* value, LoginDefs& out) {
  if (value == nullptr) return;  // unset: yescrypt, the best libxcrypt has
  const std::string_view v = *value;
  if (equals_ignoring_case(v, "YESCRYPT")) {
    out.policy.method = HashMethod::yescrypt;
  } else if (equals_ignoring_case(v, "SHA512")) {
    out.policy.method = HashMethod::sha512;
  } else {
    out.policy.method = HashMethod::yescrypt;
    const char* why = equals_ignoring_case(v, "DES") || equals_ignoring_case(v, "MD5")
                          ? "is too weak to protect a password"
                      : equals_ignoring_case(v, "SHA256") ? "is a legacy method in libxcrypt"
                                                          : "is not a method sspr supports";
    out.warnings.push_back("login.defs: ENCRYPT_METHOD '" + escape_untrusted(v, 32) + "' " + why + "; using YESCRYPT");
  }
}

void read_yescrypt_cost(const std::string* value, LoginDefs& out) {
  if (value == nullptr) return;
  const auto n = number(*value);
  if (!n) {
    out.warnings.push_back("login.defs: YESCRYPT_COST_FACTOR '" + escape_untrusted(*value, 32) +
                           "' is not a number; using " + std::to_string(kDefaultYescryptCost));
    return;
  }
  unsigned long cost = *n;
  if (cost < kMinYescryptCost) cost = kMinYescryptCost;
  if (cost > kMaxYescryptCost) cost = kMaxYescryptCost;
  if (cost != *n)
    out.warnings.push_back("login.defs: YESCRYPT_COST_FACTOR " + std::to_string(*n) + " is outside " +
                           std::to_string(kMinYescryptCost) + ".." + std::to_string(kMaxYescryptCost) + "; using " +
                           std::to_string(cost));
  out.policy.yescrypt_cost = cost;
}

std::optional<unsigned long> read_rounds(const char* key, const std::string* value, LoginDefs& out) {
  if (value == nullptr) return std::nullopt;
  const auto n = number(*value);
  if (!n) {
    out.warnings.push_back(std::string("login.defs: ") + key + " '" + escape_untrusted(*value, 32) +
                           "' is not a number; ignored");
    return std::nullopt;
  }
  if (*n < kMinShaRounds) {
    out.warnings.push_back(std::string("login.defs: ") + key + " " + std::to_string(*n) + " is below " +
                           std::to_string(kMinShaRounds) + "; using " + std::to_string(kMinShaRounds));
    return kMinShaRounds;
  }
  return *n;
}

// 0 or an errno. login.defs is a few KiB; anything past 1 MiB is not a login.defs.
int read_small_file(const std::string& path, std::string& text) {
  const UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
  if (!fd) return errno;
  struct stat st {};
  if (::fstat(fd.get(), &st) < 0) return errno;
  if (!S_ISREG(st.st_mode)) return EINVAL;
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno;
    if (n == 0) return 0;
    text.append(buffer, static_cast<std::size_t>(n));
    if (text.size() > (1U << 20)) return EFBIG;
  }
}

}  // namespace

std::string_view hash_prefix(HashMethod method) noexcept {
  switch (method) {
    case HashMethod::sha512:
      return "$6$";
    case HashMethod::yescrypt:
      break;
  }
  return "$y$";
}

LoginDefs parse_login_defs(std::string_view text) {
  std::map<std::string, std::string, std::less<>> values;
  while (!text.empty()) {
    const auto eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view{} : text.substr(eol + 1);
    line = trim(line);
    if (line.empty() || line.front() == '#') continue;
    const auto space = line.find_first_of(" \t");
    if (space == std::string_view::npos) continue;  // a key without a value means nothing
    values[std::string(line.substr(0, space))] = std::string(value_of(line.substr(space)));
  }
  const auto find = [&](const char* key) -> const std::string* {
    const auto it = values.find(key);
    return it == values.end() ? nullptr : &it->second;
  };

  LoginDefs out;
  read_method(find("ENCRYPT_METHOD"), out);
  read_yescrypt_cost(find("YESCRYPT_COST_FACTOR"), out);
  const auto min = read_rounds("SHA_CRYPT_MIN_ROUNDS", find("SHA_CRYPT_MIN_ROUNDS"), out);
  const auto max = read_rounds("SHA_CRYPT_MAX_ROUNDS", find("SHA_CRYPT_MAX_ROUNDS"), out);
  out.policy.sha_rounds = min ? *min : max ? *max : 0;
  return out;
}

LoginDefs read_login_defs(const std::string& path) {
  LoginDefs out;
  std::string text;
  const int error = read_small_file(path, text);
  if (error == 0) {
    out = parse_login_defs(text);
  } else if (error != ENOENT) {
    out.warnings.push_back("cannot read " + path + " (" + std::strerror(error) + "); using YESCRYPT with cost " +
                           std::to_string(kDefaultYescryptCost));
  }
  for (const auto& w : out.warnings) log_warning("%s", w.c_str());
  return out;
}

}  // namespace sspr::daemon::backend
