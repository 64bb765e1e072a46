#include "backend/host_hash_policy.hpp"

#include "log.hpp"
#include "text.hpp"

#include <algorithm>
#include <fstream>

namespace sspr::daemon::backend {
namespace {

constexpr int kMaxIncludeDepth = 8;  // Linux-PAM's own limit for nested includes
constexpr std::size_t kMaxStackBytes = 1U << 16;

bool plain_file_name(std::string_view name) noexcept {
  return !name.empty() && name.find('/') == std::string_view::npos && name != "." && name != "..";
}

std::string_view module_basename(std::string_view path) noexcept {
  const auto slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

// Splits a PAM line into words; a bracketed control ("[success=1 default=ignore]") is one word.
std::vector<std::string_view> words_of(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    if (i >= line.size()) break;
    std::size_t end = i;
    if (line[i] == '[') {
      end = line.find(']', i);
      end = end == std::string_view::npos ? line.size() : end + 1;
    } else {
      while (end < line.size() && line[end] != ' ' && line[end] != '\t') ++end;
    }
    out.push_back(line.substr(i, end - i));
    i = end;
  }
  return out;
}

void read_option(std::string_view option, PamUnixHash& out) {
  if (option == "yescrypt" || option == "gost_yescrypt") {
    out.method = HashMethod::yescrypt;
  } else if (option == "sha512") {
    out.method = HashMethod::sha512;
  } else if (option == "md5" || option == "bigcrypt" || option == "sha256" || option == "blowfish") {
    out.method = HashMethod::yescrypt;
    out.warnings.push_back("pam_unix option '" + std::string(option) +
                           "' is not a method sspr writes; using yescrypt");
  } else if (option.starts_with("rounds=")) {
    const auto n = parse_uint(option.substr(7));
    if (n && *n > 0 && *n <= 999999999) out.rounds = static_cast<unsigned long>(*n);
  }
}

// true once the first pam_unix password line has been read.
bool scan(const std::string& pam_dir, const std::string& file, int depth, PamUnixHash& out) {
  if (depth > kMaxIncludeDepth || !plain_file_name(file)) return false;
  std::ifstream in(pam_dir + "/" + file);
  if (!in) return false;
  std::size_t bytes = 0;
  for (std::string raw; std::getline(in, raw);) {
    bytes += raw.size() + 1;
    if (bytes > kMaxStackBytes) return false;
    std::string_view line = raw;
    if (const auto hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    const auto words = words_of(line);
    if (words.empty()) continue;
    if (words[0] == "@include") {
      if (words.size() >= 2 && scan(pam_dir, std::string(words[1]), depth + 1, out)) return true;
      continue;
    }
    std::string_view type = words[0];
    if (!type.empty() && type.front() == '-') type.remove_prefix(1);
    if (type != "password" || words.size() < 3 || module_basename(words[2]) != "pam_unix.so") continue;
    out.found = true;
    for (std::size_t i = 3; i < words.size(); ++i) read_option(words[i], out);
    return true;
  }
  return false;
}

}  // namespace

PamUnixHash read_pam_unix_hash(const std::string& pam_dir, const std::string& service) {
  PamUnixHash out;
  try {
    scan(pam_dir, service, 0, out);
  } catch (const std::exception&) {
    out = PamUnixHash{};
  }
  return out;
}

HashPolicy combine_hash_policy(const PamUnixHash& pam, const LoginDefs& defs) {
  HashPolicy policy = defs.policy;
  if (!pam.method) return policy;  // pam_unix without a hash option follows login.defs
  policy.method = *pam.method;
  if (pam.rounds) {
    if (policy.method == HashMethod::yescrypt)
      policy.yescrypt_cost = std::clamp(*pam.rounds, 3UL, 11UL);  // pam_unix's own clamp
    else
      policy.sha_rounds = std::max(*pam.rounds, 1000UL);
  }
  return policy;
}

HashPolicy never_weaker(HashPolicy policy, std::string_view current_hash) {
  if (current_hash.starts_with("$y$") && policy.method != HashMethod::yescrypt) {
    policy.method = HashMethod::yescrypt;
  } else if (current_hash.starts_with("$6$rounds=") && policy.method == HashMethod::sha512) {
    const auto rest = current_hash.substr(10);
    const auto n = parse_uint(rest.substr(0, rest.find('$')));
    if (n && *n <= 999999999) {
      const unsigned long effective = policy.sha_rounds == 0 ? 5000UL : policy.sha_rounds;
      if (*n > effective) policy.sha_rounds = static_cast<unsigned long>(*n);
    }
  }
  return policy;
}

HashPolicy host_hash_policy(const std::string& pam_dir, const std::string& login_defs) {
  const auto pam = read_pam_unix_hash(pam_dir);
  for (const auto& w : pam.warnings) log_warning("%s/passwd: %s", pam_dir.c_str(), w.c_str());
  return combine_hash_policy(pam, read_login_defs(login_defs));
}

}  // namespace sspr::daemon::backend
