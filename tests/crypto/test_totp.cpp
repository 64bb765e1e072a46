// TOTP: the RFC 6238 vectors, the one-step window, replay refusal, strict code syntax, the
// otpauth URI, and agreement with the real oathtool for fresh random secrets.
#include "cmocka.hpp"
#include "crypto/random.hpp"
#include "crypto/totp.hpp"

#include <cerrno>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

using sspr::Secret;
using namespace sspr::daemon::crypto;

namespace {

const char* kSeed20 = "12345678901234567890";
const char* kSeed32 = "12345678901234567890123456789012";
const char* kSeed64 = "1234567890123456789012345678901234567890123456789012345678901234";

TotpParams params(unsigned digits, TotpAlgorithm algorithm = TotpAlgorithm::sha1, unsigned period = 30) {
  TotpParams p;
  p.digits = digits;
  p.algorithm = algorithm;
  p.period = period;
  return p;
}

void expect_step(std::optional<std::uint64_t> result, std::uint64_t step) {
  assert_true(result.has_value());
  assert_int_equal(*result, step);
}

std::string code_at(const Secret& secret, std::time_t t, const TotpParams& p) {
  return std::string(totp_code_at(secret, t, p).reveal());
}

// Runs oathtool directly (fork + execv, no shell); returns its first output line.
std::string run_oathtool(const std::vector<std::string>& args) {
  std::vector<std::string> argv_storage{SSPR_OATHTOOL};
  argv_storage.insert(argv_storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_storage) argv.push_back(a.data());
  argv.push_back(nullptr);

  int fds[2];
  assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
  const pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);  // dup2 clears O_CLOEXEC on the copy
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(fds[1]);
  std::string output;
  char buffer[256];
  for (;;) {
    const ssize_t n = read(fds[0], buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    output.append(buffer, static_cast<std::size_t>(n));
  }
  close(fds[0]);
  int status = 0;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_true(WIFEXITED(status));
  assert_int_equal(WEXITSTATUS(status), 0);
  return output.substr(0, output.find('\n'));
}

}  // namespace

static void test_rfc6238_vectors(void**) {
  struct Vector {
    std::time_t time;
    const char* sha1;
    const char* sha256;
    const char* sha512;
  };
  const Vector vectors[] = {
      {59, "94287082", "46119246", "90693936"},
      {1111111109, "07081804", "68084774", "25091201"},
      {1111111111, "14050471", "67062674", "99943326"},
      {1234567890, "89005924", "91819424", "93441116"},
      {2000000000, "69279037", "90698825", "38618901"},
      {20000000000, "65353130", "77737706", "47863826"},
  };
  const Secret seed20(kSeed20), seed32(kSeed32), seed64(kSeed64);
  for (const auto& v : vectors) {
    const auto step = static_cast<std::uint64_t>(v.time / 30);
    assert_str(code_at(seed20, v.time, params(8, TotpAlgorithm::sha1)), v.sha1);
    assert_str(code_at(seed32, v.time, params(8, TotpAlgorithm::sha256)), v.sha256);
    assert_str(code_at(seed64, v.time, params(8, TotpAlgorithm::sha512)), v.sha512);
    // verify_totp accepts exactly these codes at these times, as their own step.
    auto r = verify_totp(seed20, v.sha1, v.time, params(8, TotpAlgorithm::sha1), std::nullopt);
    assert_true(r.has_value());
    assert_int_equal(*r, step);
    r = verify_totp(seed32, v.sha256, v.time, params(8, TotpAlgorithm::sha256), std::nullopt);
    assert_true(r.has_value());
    assert_int_equal(*r, step);
    r = verify_totp(seed64, v.sha512, v.time, params(8, TotpAlgorithm::sha512), std::nullopt);
    assert_true(r.has_value());
    assert_int_equal(*r, step);
    // The wrong algorithm's code is refused.
    assert_false(verify_totp(seed20, v.sha256, v.time, params(8, TotpAlgorithm::sha1), std::nullopt).has_value());
  }
  // Six digits are the last six of the eight.
  assert_str(code_at(seed20, 59, params(6)), "287082");
}

static void test_window_is_one_step(void**) {
  const Secret secret(kSeed20);
  const auto p = params(6);
  const std::time_t now = 1111111111;  // step 37037037, 1 s into it
  const std::uint64_t step = 37037037;
  for (int delta = -2; delta <= 2; ++delta) {
    const std::string code = code_at(secret, now + 30 * delta, p);
    const auto r = verify_totp(secret, code, now, p, std::nullopt);
    if (delta >= -1 && delta <= 1) {
      assert_true(r.has_value());
      assert_int_equal(*r, step + static_cast<std::uint64_t>(delta));
    } else {
      assert_false(r.has_value());
    }
  }
  // The window moves with the step: at the first second of this step and of the next.
  expect_step(verify_totp(secret, code_at(secret, now - 31, p), 1111111110, p, std::nullopt), step - 1);
  assert_false(verify_totp(secret, code_at(secret, now - 31, p), 1111111140, p, std::nullopt).has_value());
  // At time 0 there is no step -1; step 0 and 1 are accepted.
  expect_step(verify_totp(secret, code_at(secret, 0, p), 0, p, std::nullopt), 0);
  expect_step(verify_totp(secret, code_at(secret, 30, p), 0, p, std::nullopt), 1);
  assert_false(verify_totp(secret, code_at(secret, 0, p), -1, p, std::nullopt).has_value());
}

static void test_replay_and_older_codes_refused(void**) {
  const Secret secret(kSeed20);
  const auto p = params(6);
  const std::time_t now = 1234567890;
  const std::uint64_t step = 1234567890 / 30;
  const std::string current = code_at(secret, now, p);
  const std::string previous = code_at(secret, now - 30, p);
  const std::string next = code_at(secret, now + 30, p);

  const auto first = verify_totp(secret, current, now, p, std::nullopt);
  assert_true(first.has_value());
  assert_int_equal(*first, step);
  // The same code again, even a second later in the same step: refused.
  assert_false(verify_totp(secret, current, now, p, first).has_value());
  assert_false(verify_totp(secret, current, now + 1, p, first).has_value());
  // A code from before the one used: refused although inside the window.
  assert_false(verify_totp(secret, previous, now, p, first).has_value());
  // A later code is still fine, and then the current one is refused too.
  const auto later = verify_totp(secret, next, now, p, first);
  assert_true(later.has_value());
  assert_int_equal(*later, step + 1);
  assert_false(verify_totp(secret, current, now, p, later).has_value());
  assert_false(verify_totp(secret, next, now, p, later).has_value());
  // An older last_used_step does not get in the way.
  expect_step(verify_totp(secret, previous, now, p, step - 2), step - 1);
}

static void test_malformed_codes_refused(void**) {
  const Secret secret(kSeed20);
  const auto p = params(6);
  const std::time_t now = 59;
  const std::string good = code_at(secret, now, p);
  assert_str(good, "287082");
  assert_true(verify_totp(secret, good, now, p, std::nullopt).has_value());
  const char* bad[] = {"", "28708", "2870822", "28708a", "a87082", " 287082", "287082 ", "287 082", "+87082", "-87082",
                       "\xd9\xa2\xd9\xa8\xd9\xa7\xd9\xa0\xd9\xa8\xd9\xa2" /* Arabic-Indic 287082 */};
  for (const char* code : bad) assert_false(verify_totp(secret, code, now, p, std::nullopt).has_value());
  assert_false(verify_totp(secret, std::string_view("287082\0", 7), now, p, std::nullopt).has_value());
  // 8-digit code for 6-digit parameters and vice versa.
  assert_false(verify_totp(secret, "94287082", now, p, std::nullopt).has_value());
  assert_false(verify_totp(secret, "287082", now, params(8), std::nullopt).has_value());
}

static void test_invalid_parameters_refused(void**) {
  const Secret secret(kSeed20);
  const std::string code = code_at(secret, 59, params(6));
  assert_false(verify_totp(secret, code, 59, params(5), std::nullopt).has_value());
  assert_false(verify_totp(secret, code, 59, params(9), std::nullopt).has_value());
  assert_false(verify_totp(secret, code, 59, params(6, TotpAlgorithm::sha1, 0), std::nullopt).has_value());
  assert_false(verify_totp(secret, code, 59, params(6, TotpAlgorithm::sha1, 14), std::nullopt).has_value());
  assert_false(verify_totp(secret, code, 59, params(6, TotpAlgorithm::sha1, 301), std::nullopt).has_value());
  assert_false(verify_totp(secret, code, 59, params(6, static_cast<TotpAlgorithm>(7)), std::nullopt).has_value());
  assert_true(totp_code_at(secret, 59, params(9)).empty());
  // Secrets shorter than 128 bits or longer than 64 bytes.
  const Secret short_secret("123456789012345");
  assert_true(totp_code_at(short_secret, 59, params(6)).empty());
  assert_false(verify_totp(short_secret, "000000", 59, params(6), std::nullopt).has_value());
  assert_true(totp_code_at(Secret(std::string(65, 'x')), 59, params(6)).empty());
  assert_true(totp_code_at(Secret(std::string(64, 'x')), 59, params(6)).size() == 6);
}

static void test_new_secret_and_base32(void**) {
  const Secret a = new_totp_secret();
  const Secret b = new_totp_secret();
  assert_int_equal(a.size(), 20);
  assert_false(a.equals(b));
  assert_str(base32_secret(Secret(kSeed20)).reveal(), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
  // 32 bytes need padding in RFC 4648; apps get it without.
  assert_str(base32_secret(Secret(kSeed32)).reveal(), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZA");
  assert_int_equal(base32_secret(a).size(), 32);
  assert_true(base32_secret(Secret("too short")).empty());
}

static void test_otpauth_uri(void**) {
  const Secret secret(kSeed20);
  assert_str(otpauth_uri("ACME Co & Sons", "alice@example.com", secret, TotpParams{}).reveal(),
             "otpauth://totp/ACME%20Co%20%26%20Sons:alice%40example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
             "&issuer=ACME%20Co%20%26%20Sons&algorithm=SHA1&digits=6&period=30");
  // Unreserved characters stay, UTF-8 is encoded byte by byte, '+' '/' '?' '#' '%' are encoded.
  const auto sha256_params = params(8, TotpAlgorithm::sha256, 60);
  assert_str(otpauth_uri("Caf\xc3\xa9 a-b.c_d~e", "x+y/z?#%", Secret(kSeed32), sha256_params).reveal(),
             "otpauth://totp/Caf%C3%A9%20a-b.c_d~e:x%2By%2Fz%3F%23%25"
             "?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZA&issuer=Caf%C3%A9%20a-b.c_d~e"
             "&algorithm=SHA256&digits=8&period=60");
  assert_str(otpauth_uri("sspr", "bob", Secret(kSeed64), params(7, TotpAlgorithm::sha512)).reveal(),
             "otpauth://totp/sspr:bob?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
             "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNA&issuer=sspr&algorithm=SHA512&digits=7&period=30");
  // Refused: empty parts, the label separator, control characters, bad UTF-8, over-long parts,
  // bad secrets or parameters.
  assert_true(otpauth_uri("", "alice", secret, TotpParams{}).empty());
  assert_true(otpauth_uri("sspr", "", secret, TotpParams{}).empty());
  assert_true(otpauth_uri("ss:pr", "alice", secret, TotpParams{}).empty());
  assert_true(otpauth_uri("sspr", "al:ice", secret, TotpParams{}).empty());
  assert_true(otpauth_uri("sspr", "al\nice", secret, TotpParams{}).empty());
  assert_true(otpauth_uri("sspr\x7f", "alice", secret, TotpParams{}).empty());
  assert_true(otpauth_uri("sspr", "al\xffice", secret, TotpParams{}).empty());
  assert_true(otpauth_uri(std::string(kMaxTotpIssuer + 1, 'i'), "alice", secret, TotpParams{}).empty());
  assert_true(otpauth_uri("sspr", std::string(kMaxTotpAccount + 1, 'a'), secret, TotpParams{}).empty());
  assert_true(otpauth_uri("sspr", "alice", Secret("short"), TotpParams{}).empty());
  assert_true(otpauth_uri("sspr", "alice", secret, params(9)).empty());
  // The longest accepted URI (everything percent-encoded) stays within the QR input bound.
  const auto longest = otpauth_uri(std::string(kMaxTotpIssuer, ' '), std::string(kMaxTotpAccount, ' '),
                                   Secret(std::string(kMaxTotpSecret, 'x')), params(8, TotpAlgorithm::sha256, 300));
  assert_false(longest.empty());
  assert_true(longest.size() <= 1024);
}

static void test_agrees_with_oathtool(void**) {
  const std::time_t times[] = {0, 59, 1111111109, 1234567890, 1700000015, 2000000000, 20000000000};
  // Fresh random secrets of each size, and each algorithm at its RFC seed size.
  struct Case {
    std::size_t secret_bytes;
    TotpAlgorithm algorithm;
    const char* oath_mode;
  };
  const Case cases[] = {{20, TotpAlgorithm::sha1, "--totp"},
                        {32, TotpAlgorithm::sha256, "--totp=SHA256"},
                        {64, TotpAlgorithm::sha512, "--totp=SHA512"}};
  for (const auto& c : cases) {
    // new_totp_secret() is always 20 bytes; longer ones for the other algorithms.
    const Secret secret = c.secret_bytes == 20 ? new_totp_secret() : random_bytes(c.secret_bytes);
    const std::string base32(base32_secret(secret).reveal());
    for (std::time_t t : times) {
      for (unsigned digits : {6u, 8u}) {
        const std::string expected = run_oathtool(
            {c.oath_mode, "-b", "--now=@" + std::to_string(t), "-d", std::to_string(digits), base32});
        assert_str(code_at(secret, t, params(digits, c.algorithm)), expected);
      }
    }
    // A non-default period.
    const std::string expected60 =
        run_oathtool({c.oath_mode, "-b", "--now=@1111111109", "-s", "60s", "-d", "6", base32});
    assert_str(code_at(secret, 1111111109, params(6, c.algorithm, 60)), expected60);
  }
}

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_rfc6238_vectors),
      cmocka_unit_test(test_window_is_one_step),
      cmocka_unit_test(test_replay_and_older_codes_refused),
      cmocka_unit_test(test_malformed_codes_refused),
      cmocka_unit_test(test_invalid_parameters_refused),
      cmocka_unit_test(test_new_secret_and_base32),
      cmocka_unit_test(test_otpauth_uri),
      cmocka_unit_test(test_agrees_with_oathtool),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
