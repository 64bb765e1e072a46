// Sealing: round trip, and every kind of damage refused. The key file: created once with the
// right mode and size, reused, refused (with the exact problem sentence) when unsafe or wrong;
// the systemd credential preferred when present.
#include "cmocka.hpp"
#include "crypto/random.hpp"
#include "crypto/sealed.hpp"
#include "crypto/secret_key.hpp"
#include "crypto/subkey.hpp"

#include <algorithm>
#include <cstdlib>
#include <fcntl.h>
#include <iterator>
#include <sodium.h>
#include <stdexcept>
#include <sys/stat.h>
#include <unistd.h>

using sspr::ErrorCode;
using sspr::Secret;
using namespace sspr::daemon::crypto;

namespace {

const char* kRestore =
    "restore the key from a backup, or remove it to have a new one created (existing TOTP registrations and recovery "
    "codes then stop working)";
const char* kModeProblem = " must be owned by root with no access for group or others (chown root: and chmod 0600 it)";
const std::string kKnownKey = "0123456789abcdef0123456789ABCDEF";

std::vector<unsigned char> decode(const std::string& text) {
  std::vector<unsigned char> bin(text.size());
  std::size_t size = 0;
  assert_int_equal(sodium_base642bin(bin.data(), bin.size(), text.data(), text.size(), nullptr, &size, nullptr,
                                     sodium_base64_VARIANT_ORIGINAL),
                   0);
  bin.resize(size);
  return bin;
}

std::string encode(const std::vector<unsigned char>& bin) {
  std::string text(sodium_base64_ENCODED_LEN(bin.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(text.data(), text.size(), bin.data(), bin.size(), sodium_base64_VARIANT_ORIGINAL);
  text.resize(text.size() - 1);
  return text;
}

struct TempDir {
  std::string path;
  int fd = -1;
  TempDir() {
    char tmpl[] = "/tmp/sspr-crypto-key-XXXXXX";
    path = mkdtemp(tmpl);
    fd = open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  }
  ~TempDir() {
    close(fd);
    std::filesystem::remove_all(path);
  }
  std::string at(const char* name) const { return path + "/" + name; }
  std::vector<std::string> entries() const {
    std::vector<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(path)) names.push_back(e.path().filename());
    std::sort(names.begin(), names.end());
    return names;
  }
};

void put(const std::string& path, const std::string& content, mode_t mode) {
  unlink(path.c_str());  // a 0400 file could not be rewritten by a non-root test
  std::ofstream(path, std::ios::binary) << content;
  assert_int_equal(chmod(path.c_str(), mode), 0);
}

void expect_refused(const TempDir& dir, const std::string& problem) {
  std::string p = "stale";
  const auto key = load_or_create_key(dir.fd, p);
  assert_false(key.ok());
  assert_int_equal(static_cast<int>(key.error()), static_cast<int>(ErrorCode::Internal));
  assert_str(p, problem);
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

int clear_credentials(void**) {
  unsetenv("CREDENTIALS_DIRECTORY");
  return 0;
}

}  // namespace

// --- sealing ------------------------------------------------------------------------------

static void test_seal_round_trip(void**) {
  const Secret key = random_bytes(32);
  const std::string sealed = seal(key, "JBSWY3DPEHPK3PXP");
  // 24-byte nonce + 16-byte tag + 16 bytes of plaintext = 56 bytes = 76 base64 characters.
  assert_int_equal(sealed.size(), 76);
  const auto opened = unseal(key, sealed);
  assert_true(opened.has_value());
  assert_str(opened->reveal(), "JBSWY3DPEHPK3PXP");
  // A fresh nonce every time.
  assert_true(seal(key, "JBSWY3DPEHPK3PXP") != sealed);
  // Binary and empty plaintexts survive too.
  const std::string binary("\0\x01\xff\n", 4);
  assert_true(unseal(key, seal(key, binary))->reveal() == binary);
  const auto empty = unseal(key, seal(key, ""));
  assert_true(empty.has_value());
  assert_true(empty->empty());
}

static void test_unseal_refuses_damage(void**) {
  const Secret key = random_bytes(32);
  const std::string sealed = seal(key, "a TOTP secret");
  const auto box = decode(sealed);
  // Every single flipped bit position in nonce, ciphertext and tag.
  for (std::size_t i = 0; i < box.size(); ++i) {
    auto damaged = box;
    damaged[i] ^= 0x01;
    assert_false(unseal(key, encode(damaged)).has_value());
  }
  // Truncated (by bytes, and below nonce + tag), extended, wrong key.
  for (std::size_t n = 0; n < box.size(); ++n) {
    const std::vector<unsigned char> truncated(box.begin(), box.begin() + static_cast<long>(n));
    assert_false(unseal(key, encode(truncated)).has_value());
  }
  auto longer = box;
  longer.push_back(0);
  assert_false(unseal(key, encode(longer)).has_value());
  assert_false(unseal(random_bytes(32), sealed).has_value());
  assert_false(unseal(Secret("short key"), sealed).has_value());
  // Not base64, or base64 with something after it, or the URL-safe alphabet.
  assert_false(unseal(key, "").has_value());
  assert_false(unseal(key, "not base64!").has_value());
  assert_false(unseal(key, sealed + "x").has_value());
  assert_false(unseal(key, sealed + "\n").has_value());
  assert_false(unseal(key, " " + sealed).has_value());
  assert_false(unseal(key, sealed.substr(0, sealed.size() - 1)).has_value());
  std::string url_safe = sealed;
  std::replace(url_safe.begin(), url_safe.end(), '+', '-');
  std::replace(url_safe.begin(), url_safe.end(), '/', '_');
  if (url_safe != sealed) assert_false(unseal(key, url_safe).has_value());
  // Over the size bound: refused unread.
  assert_false(unseal(key, std::string(kMaxSealedSize + 4, 'A')).has_value());
}

static void test_seal_bounds(void**) {
  const Secret key = random_bytes(32);
  const std::string largest(kMaxSealedPlaintext, 'p');
  const std::string sealed = seal(key, largest);
  assert_int_equal(sealed.size(), kMaxSealedSize);
  assert_true(unseal(key, sealed)->reveal() == largest);
  bool threw = false;
  try {
    (void)seal(key, largest + "p");
  } catch (const std::invalid_argument&) {
    threw = true;
  }
  assert_true(threw);
  threw = false;
  try {
    (void)seal(Secret(std::string(31, 'k')), "x");
  } catch (const std::invalid_argument&) {
    threw = true;
  }
  assert_true(threw);
}

// --- subkeys -------------------------------------------------------------------------------

static void test_subkeys(void**) {
  const Secret master(kKnownKey);
  const Secret sealing = derive_subkey(master, KeyPurpose::sealing);
  const Secret digest = derive_subkey(master, KeyPurpose::digest);
  assert_int_equal(sealing.size(), 32);
  assert_int_equal(digest.size(), 32);
  assert_true(derive_subkey(master, KeyPurpose::sealing).equals(sealing));  // deterministic
  assert_false(sealing.equals(digest));
  assert_false(sealing.equals(master));
  assert_false(derive_subkey(Secret(std::string(32, 'm')), KeyPurpose::sealing).equals(sealing));
  // Exactly crypto_kdf_derive_from_key, subkey id 1, with the fixed contexts: stored data
  // depends on these never changing.
  unsigned char expected[32];
  const auto* m = reinterpret_cast<const unsigned char*>(master.c_str());
  crypto_kdf_derive_from_key(expected, sizeof expected, 1, "ssprseal", m);
  assert_memory_equal(sealing.c_str(), expected, 32);
  crypto_kdf_derive_from_key(expected, sizeof expected, 1, "ssprdgst", m);
  assert_memory_equal(digest.c_str(), expected, 32);
  bool threw = false;
  try {
    (void)derive_subkey(Secret("short"), KeyPurpose::digest);
  } catch (const std::invalid_argument&) {
    threw = true;
  }
  assert_true(threw);
}

// --- the key file -------------------------------------------------------------------------

static void test_key_created_then_reused(void**) {
  TempDir dir;
  std::string problem = "stale";
  auto first = load_or_create_key(dir.fd, problem);
  assert_true(first.ok());
  assert_str(problem, "");
  assert_int_equal(first->size(), 32);

  struct stat st {};
  assert_int_equal(lstat(dir.at("secret.key").c_str(), &st), 0);
  assert_true(S_ISREG(st.st_mode));
  assert_int_equal(st.st_mode & 07777, 0600);
  assert_int_equal(st.st_size, 32);
  assert_int_equal(st.st_uid, geteuid());
  assert_int_equal(st.st_nlink, 1);  // the temp name is gone
  assert_true(dir.entries() == std::vector<std::string>{"secret.key"});
  assert_true(slurp(dir.at("secret.key")) == std::string(first->reveal()));

  auto second = load_or_create_key(dir.fd, problem);
  assert_true(second.ok());
  assert_true(second->equals(*first));
  assert_true(dir.entries() == std::vector<std::string>{"secret.key"});
}

static void test_existing_key_is_used(void**) {
  TempDir dir;
  put(dir.at("secret.key"), kKnownKey, 0600);
  std::string problem;
  auto key = load_or_create_key(dir.fd, problem);
  assert_true(key.ok());
  assert_str(key->reveal(), kKnownKey);
  // Read-only for root is fine too.
  assert_int_equal(chmod(dir.at("secret.key").c_str(), 0400), 0);
  assert_true(load_or_create_key(dir.fd, problem).ok());
}

static void test_key_refused_when_unsafe_or_wrong(void**) {
  {
    TempDir dir;
    put(dir.at("secret.key"), kKnownKey, 0644);
    expect_refused(dir, std::string("secret.key") + kModeProblem);
    assert_int_equal(chmod(dir.at("secret.key").c_str(), 0640), 0);
    expect_refused(dir, std::string("secret.key") + kModeProblem);
    assert_int_equal(chmod(dir.at("secret.key").c_str(), 0601), 0);
    expect_refused(dir, std::string("secret.key") + kModeProblem);
  }
  {
    TempDir dir;
    put(dir.at("secret.key"), kKnownKey.substr(0, 31), 0600);
    expect_refused(dir, std::string("secret.key is 31 bytes long instead of 32; ") + kRestore);
    put(dir.at("secret.key"), kKnownKey + "\n", 0600);
    expect_refused(dir, std::string("secret.key is 33 bytes long instead of 32; ") + kRestore);
    put(dir.at("secret.key"), "", 0600);
    expect_refused(dir, std::string("secret.key is 0 bytes long instead of 32; ") + kRestore);
    assert_true(dir.entries() == std::vector<std::string>{"secret.key"});  // never replaced
  }
  {
    // A symlink to a perfectly good key, and a dangling one: neither is followed or replaced.
    TempDir dir;
    put(dir.at("real.key"), kKnownKey, 0600);
    assert_int_equal(symlink("real.key", dir.at("secret.key").c_str()), 0);
    expect_refused(dir, std::string("secret.key is a symbolic link; ") + kRestore);
    assert_int_equal(unlink(dir.at("secret.key").c_str()), 0);
    assert_int_equal(symlink("missing.key", dir.at("secret.key").c_str()), 0);
    expect_refused(dir, std::string("secret.key is a symbolic link; ") + kRestore);
    assert_true(dir.entries() == (std::vector<std::string>{"real.key", "secret.key"}));
  }
  {
    TempDir dir;
    assert_int_equal(mkdir(dir.at("secret.key").c_str(), 0700), 0);
    expect_refused(dir, std::string("secret.key is not a regular file; ") + kRestore);
  }
  {
    // A FIFO must not block the open.
    TempDir dir;
    assert_int_equal(mkfifo(dir.at("secret.key").c_str(), 0600), 0);
    expect_refused(dir, std::string("secret.key is not a regular file; ") + kRestore);
  }
  if (geteuid() == 0) {
    TempDir dir;
    put(dir.at("secret.key"), kKnownKey, 0600);
    assert_int_equal(chown(dir.at("secret.key").c_str(), 65534, 65534), 0);
    expect_refused(dir, std::string("secret.key") + kModeProblem);
  }
}

static void test_key_creation_failure_reported(void**) {
  // The state directory was removed under us (this also fails for root, unlike permissions).
  TempDir dir;
  assert_int_equal(rmdir(dir.path.c_str()), 0);
  expect_refused(dir, "secret.key: cannot create: No such file or directory");
}

static void test_credential_preferred(void**) {
  TempDir state, credentials;
  put(credentials.at("sspr.key"), kKnownKey, 0400);
  setenv("CREDENTIALS_DIRECTORY", credentials.path.c_str(), 1);
  std::string problem;
  auto key = load_or_create_key(state.fd, problem);
  assert_true(key.ok());
  assert_str(key->reveal(), kKnownKey);
  assert_true(state.entries().empty());  // no state-directory key made

  // A bad credential is an error, not a reason to fall back to another key.
  put(credentials.at("sspr.key"), "short", 0400);
  const std::string shown = credentials.path + "/sspr.key";
  expect_refused(state, shown +
                            " is 5 bytes long instead of 32; check the LoadCredential= or SetCredential= setting for "
                            "sspr.key in ssprd.service; it must provide exactly the 32 bytes of the key");
  put(credentials.at("sspr.key"), kKnownKey, 0444);
  expect_refused(state, shown + kModeProblem);

  // No credential of that name: the state directory's key.
  assert_int_equal(unlink(credentials.at("sspr.key").c_str()), 0);
  key = load_or_create_key(state.fd, problem);
  assert_true(key.ok());
  assert_true(state.entries() == std::vector<std::string>{"secret.key"});

  setenv("CREDENTIALS_DIRECTORY", "relative/dir", 1);
  expect_refused(state, "CREDENTIALS_DIRECTORY is not an absolute path; ssprd must be started by systemd or with an "
                        "absolute path");
  unsetenv("CREDENTIALS_DIRECTORY");
}

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_seal_round_trip),
      cmocka_unit_test(test_unseal_refuses_damage),
      cmocka_unit_test(test_seal_bounds),
      cmocka_unit_test(test_subkeys),
      cmocka_unit_test_setup(test_key_created_then_reused, clear_credentials),
      cmocka_unit_test_setup(test_existing_key_is_used, clear_credentials),
      cmocka_unit_test_setup(test_key_refused_when_unsafe_or_wrong, clear_credentials),
      cmocka_unit_test_setup(test_key_creation_failure_reported, clear_credentials),
      cmocka_unit_test_setup_teardown(test_credential_preferred, clear_credentials, clear_credentials),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
