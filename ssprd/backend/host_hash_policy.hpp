// Which hash a new password gets: what `passwd` would write on this host, and never weaker than
// the user's current one. passwd(1) hashes through pam_unix in its PAM password stack, whose
// hash option (Debian 12: "pam_unix.so obscure yescrypt") wins over login.defs' ENCRYPT_METHOD;
// only without one does pam_unix fall back to login.defs. Reading login.defs alone made sspr
// write $6$ where passwd writes $y$.
#pragma once

#include "backend/login_defs.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sspr::daemon::backend {

struct PamUnixHash {
  bool found = false;                     // a pam_unix.so line in the password stack
  std::optional<HashMethod> method;       // its hash option, if any
  std::optional<unsigned long> rounds;    // its rounds= option (SHA rounds or yescrypt cost)
  std::vector<std::string> warnings;
};

inline constexpr const char* kPamDirectory = "/etc/pam.d";

// The first "password ... pam_unix.so ..." line of `service`'s stack in `pam_dir`, following
// @include (depth-bounded). Options: yescrypt, gost_yescrypt (as yescrypt), sha512, rounds=N;
// md5, bigcrypt, sha256 and blowfish are replaced by yescrypt with a warning, as in login.defs.
PamUnixHash read_pam_unix_hash(const std::string& pam_dir = kPamDirectory, const std::string& service = "passwd");

// pam_unix's hash option and rounds first, then login.defs for whatever it leaves open.
HashPolicy combine_hash_policy(const PamUnixHash& pam, const LoginDefs& defs);

// Never weaker than `current_hash` (the user's hash field): a yescrypt hash stays yescrypt even
// where the policy says SHA512, and a SHA512 hash keeps at least its rounds.
HashPolicy never_weaker(HashPolicy policy, std::string_view current_hash);

// read_pam_unix_hash + read_login_defs + combine_hash_policy, every warning logged.
HashPolicy host_hash_policy(const std::string& pam_dir = kPamDirectory,
                            const std::string& login_defs = kLoginDefsPath);

}  // namespace sspr::daemon::backend
