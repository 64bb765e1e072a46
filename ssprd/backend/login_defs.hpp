// The hashing policy an administrator set in /etc/login.defs, read the way shadow-utils reads
// it, except that sspr writes only hashes libxcrypt calls current (crypt_checksalt OK):
// yescrypt or SHA512. DES, MD5 and SHA256 (which libxcrypt classes as legacy), and anything
// unknown, fall back to yescrypt with a warning.
#pragma once


#include <string>
#include <string_view>
#include <vector>

namespace sspr::daemon::backend {

enum class HashMethod { yescrypt, sha512 };

struct HashPolicy {
  HashMethod method = HashMethod::yescrypt;
  // pam_unix's default and clamp (3..11); shadow-utils allows 1, which is too cheap.
  unsigned long yescrypt_cost = 5;
  // 0 means libxcrypt's default (5000); otherwise 1000..999999999, as SHA-crypt allows.
  unsigned long sha_rounds = 0;
};

struct LoginDefs {
  HashPolicy policy;
  // One sentence per value that was ignored, clamped or replaced; read_login_defs() logs them.
  std::vector<std::string> warnings;
};

inline constexpr const char* kLoginDefsPath = "/etc/login.defs";

// Keys used: ENCRYPT_METHOD (YESCRYPT or SHA512, case-insensitive; default YESCRYPT),
// YESCRYPT_COST_FACTOR, SHA_CRYPT_MIN_ROUNDS, SHA_CRYPT_MAX_ROUNDS. Syntax as shadow-utils'
// getdef: "KEY value" per line, '#' comments, optional double quotes; the last occurrence wins.
// SHA rounds: SHA_CRYPT_MIN_ROUNDS if set, else SHA_CRYPT_MAX_ROUNDS (shadow-utils picks at
// random between them; the minimum is the cheapest value the policy allows and is deterministic).
LoginDefs parse_login_defs(std::string_view text);

// A missing file gives the defaults silently; an unreadable one gives the defaults with a
// warning. Every warning is logged.
LoginDefs read_login_defs(const std::string& path = kLoginDefsPath);

// "$y$" or "$6$".
std::string_view hash_prefix(HashMethod method) noexcept;

}  // namespace sspr::daemon::backend
