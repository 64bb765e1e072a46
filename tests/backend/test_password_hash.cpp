// Hashing with libxcrypt per the login.defs policy: the configured prefix and cost, never DES
// or MD5, a hash that verifies, and the password limits.
#include "cmocka.hpp"
#include "backend/login_defs.hpp"
#include "backend/password_hash.hpp"

#include <crypt.h>

using namespace sspr;
using namespace sspr::daemon::backend;

namespace {

const std::string kFixtures = SSPR_SOURCE_DIR "/tests/data/shadow/";

std::string hash_with(const std::string& login_defs_file, const Secret& password) {
  const auto policy = read_login_defs(kFixtures + login_defs_file).policy;
  auto hash = hash_password(password, policy);
  assert_true(hash.ok());
  return *hash;
}

// The setting part: "$y$j9T$" / "$6$rounds=6000$" (everything before the salt).
std::string params_of(const std::string& hash) {
  const std::size_t salt = hash.rfind('$', hash.rfind('$') - 1);
  return hash.substr(0, salt + 1);
}

void expect_usable(const std::string& hash, const Secret& password) {
  assert_int_equal(crypt_checksalt(hash.c_str()), CRYPT_SALT_OK);
  assert_true(password_matches(password, hash));
  assert_false(password_matches(Secret("wrong password"), hash));
  assert_true(hash.find(':') == std::string::npos && hash.find('\n') == std::string::npos);
}

}  // namespace

static void test_yescrypt_from_login_defs(void**) {
  const Secret password("correct horse battery staple");
  const auto hash = hash_with("login.defs.yescrypt", password);  // YESCRYPT_COST_FACTOR 7
  assert_str(params_of(hash), "$y$jBT$");
  expect_usable(hash, password);
  // Each hash has its own salt.
  assert_true(hash != hash_with("login.defs.yescrypt", password));
  // pam_unix's default cost 5 is Debian's familiar "$y$j9T$".
  assert_str(params_of(*hash_password(password, HashPolicy{})), "$y$j9T$");
}

static void test_sha512_from_login_defs(void**) {
  const Secret password("correct horse battery staple");
  const auto hash = hash_with("login.defs.sha512", password);  // rounds 6000..9000: the minimum
  assert_str(params_of(hash), "$6$rounds=6000$");
  expect_usable(hash, password);
  // Unset rounds: libxcrypt's default, which it does not spell out.
  const auto plain = hash_password(password, HashPolicy{HashMethod::sha512, 5, 0});
  assert_true(plain.ok());
  assert_str(plain->substr(0, 3), "$6$");
  assert_true(plain->find("rounds=") == std::string::npos);
  expect_usable(*plain, password);
  const auto cheap = hash_password(password, HashPolicy{HashMethod::sha512, 5, 1000});
  assert_true(cheap.ok());
  assert_str(params_of(*cheap), "$6$rounds=1000$");
  expect_usable(*cheap, password);
}

static void test_des_and_md5_are_never_written(void**) {
  const Secret password("correct horse battery staple");
  for (const char* file : {"login.defs.des", "login.defs.md5"}) {
    const auto defs = read_login_defs(kFixtures + file);
    assert_int_equal(defs.warnings.size(), 1);
    const auto hash = hash_with(file, password);
    assert_str(hash.substr(0, 3), "$y$");
    expect_usable(hash, password);
  }
  // The MD5 fixture sets YESCRYPT_COST_FACTOR 4.
  assert_str(params_of(hash_with("login.defs.md5", password)), "$y$j8T$");
}

static void test_password_limits(void**) {
  const std::string max(kMaxPasswordBytes, 'p');
  const auto ok = hash_password(Secret(max), HashPolicy{});
  assert_true(ok.ok());
  assert_true(password_matches(Secret(max), *ok));
  // 512 bytes (libxcrypt's limit counts the NUL) and 513: refused, and never "match".
  const Secret limit(max + "p");
  assert_int_equal(static_cast<int>(hash_password(limit, HashPolicy{}).error()),
                   static_cast<int>(ErrorCode::InvalidArgument));
  assert_false(password_matches(limit, *ok));
  const Secret too_long(max + "pp");
  assert_int_equal(too_long.size(), 513);
  const auto refused = hash_password(too_long, HashPolicy{});
  assert_false(refused.ok());
  assert_int_equal(static_cast<int>(refused.error()), static_cast<int>(ErrorCode::InvalidArgument));
  assert_false(password_matches(too_long, *ok));
  // A NUL would cut the C string: "abc\0def" must not become "abc".
  const Secret with_nul(std::string_view("abc\0def", 7));
  assert_int_equal(static_cast<int>(hash_password(with_nul, HashPolicy{}).error()),
                   static_cast<int>(ErrorCode::InvalidArgument));
  const auto abc = hash_password(Secret("abc"), HashPolicy{});
  assert_true(abc.ok());
  assert_false(password_matches(with_nul, *abc));
  assert_int_equal(static_cast<int>(hash_password(Secret(""), HashPolicy{}).error()),
                   static_cast<int>(ErrorCode::InvalidArgument));
}

static void test_password_matches(void**) {
  // Vectors from an independent implementation: openssl passwd -6 / -5 -salt saltsalt. sspr
  // never writes SHA256 but still verifies it.
  const Secret password("correct horse");
  const std::string sha512 =
      "$6$saltsalt$hRM5XZ86KXEw9UOmjigeVqFgULtFB2sgpC9lXQDfMib3Zgw7mEiUvBJI2EplzfAqxL5Vvwp2scFtv/uamSo5z0";
  const std::string sha256 = "$5$saltsalt$myjXcpMpE2Ofk7fj9hqyNYSn6lmWG4Mqnjx.KIRRr4/";
  assert_true(password_matches(password, sha512));
  assert_true(password_matches(password, sha256));
  assert_false(password_matches(Secret("correct horsE"), sha512));
  assert_false(password_matches(Secret("correct horse "), sha512));
  // Locked, disabled, empty, truncated or garbage hashes never match.
  assert_false(password_matches(password, "!" + sha512));
  assert_false(password_matches(password, "*"));
  assert_false(password_matches(password, "*0"));
  assert_false(password_matches(password, ""));
  assert_false(password_matches(password, sha512.substr(0, sha512.size() - 1)));
  assert_false(password_matches(password, "$6$saltsalt$"));
  assert_false(password_matches(password, "garbage"));
  assert_false(password_matches(password, std::string_view("$6$saltsalt\0x", 13)));
}

int main() {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_yescrypt_from_login_defs),
                                     cmocka_unit_test(test_sha512_from_login_defs),
                                     cmocka_unit_test(test_des_and_md5_are_never_written),
                                     cmocka_unit_test(test_password_limits), cmocka_unit_test(test_password_matches)};
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
