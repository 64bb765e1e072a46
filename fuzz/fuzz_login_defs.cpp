// /etc/login.defs (ssprd/backend/login_defs.cpp parse_login_defs, hash_prefix).
// Input: the text of a login.defs file.
//
// Invariants:
//  - the policy is always one sspr may use: yescrypt or SHA512, a yescrypt cost of 3..11, SHA
//    rounds 0 (libxcrypt's default) or 1000..999999999;
//  - warnings are printable one-liners (what came from the file is escaped);
//  - the last occurrence of a key wins: the text with "ENCRYPT_METHOD SHA512",
//    "YESCRYPT_COST_FACTOR 7" and "SHA_CRYPT_MIN_ROUNDS 5000" appended selects exactly those;
//  - comments and blank lines appended change nothing.
#include "fuzz_support.hpp"

#include "backend/login_defs.hpp"

using namespace sspr::daemon::backend;
using sspr::fuzz::show;

namespace {

void check_policy(const LoginDefs& d) {
  const auto& p = d.policy;
  FUZZ_CHECK(p.method == HashMethod::yescrypt || p.method == HashMethod::sha512, "unknown hash method");
  FUZZ_CHECK(p.yescrypt_cost >= 3 && p.yescrypt_cost <= 11, "yescrypt cost " + std::to_string(p.yescrypt_cost));
  FUZZ_CHECK(p.sha_rounds == 0 || (p.sha_rounds >= 1000 && p.sha_rounds <= 999999999),
             "SHA rounds " + std::to_string(p.sha_rounds));
  const auto prefix = hash_prefix(p.method);
  FUZZ_CHECK(prefix == "$y$" || prefix == "$6$", "hash prefix " + show(prefix));
  for (const auto& w : d.warnings) {
    FUZZ_CHECK(w.starts_with("login.defs: "), "warning without its prefix: " + show(w));
    FUZZ_CHECK(!sspr::fuzz::has_control(w), "warning with a control byte: " + show(w));
    FUZZ_CHECK(w.size() < 512, "overlong warning: " + show(w));
  }
}

bool same(const LoginDefs& a, const LoginDefs& b) {
  return a.policy.method == b.policy.method && a.policy.yescrypt_cost == b.policy.yescrypt_cost &&
         a.policy.sha_rounds == b.policy.sha_rounds && a.warnings == b.warnings;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(sspr::fuzz::as_view(data, size));
  const auto defs = parse_login_defs(text);
  check_policy(defs);

  const auto commented = parse_login_defs(text + "\n# ENCRYPT_METHOD DES\n\n   \t\n#YESCRYPT_COST_FACTOR 1\n");
  check_policy(commented);
  FUZZ_CHECK(same(defs, commented), "appended comments changed the result");

  const auto overridden =
      parse_login_defs(text + "\nENCRYPT_METHOD SHA512\nYESCRYPT_COST_FACTOR 7\nSHA_CRYPT_MIN_ROUNDS 5000\n");
  check_policy(overridden);
  FUZZ_CHECK(overridden.policy.method == HashMethod::sha512, "a later ENCRYPT_METHOD did not win");
  FUZZ_CHECK(overridden.policy.yescrypt_cost == 7, "a later YESCRYPT_COST_FACTOR did not win");
  FUZZ_CHECK(overridden.policy.sha_rounds == 5000, "a later SHA_CRYPT_MIN_ROUNDS did not win");
  return 0;
}
