// Keyed digests (exact value, separation by key, domain and value), Argon2id answer hashes,
// and the normalisation that makes answers and questions compare as users expect.
#include "cmocka.hpp"
#include "crypto/answers.hpp"
#include "crypto/digest.hpp"

#include <sodium.h>
#include <stdexcept>

using sspr::Secret;
using namespace sspr::daemon::crypto;

namespace {

const Secret& key_one() {
  static const Secret key(std::string(32, '\x01'));
  return key;
}
const Secret& key_two() {
  static const Secret key(std::string(32, '\x02'));
  return key;
}

// The digest computed independently from its definition: BLAKE2b-256 keyed with `key` over
// domain || 0x00 || value.
std::string reference_digest(const Secret& key, std::string_view domain, std::string_view value) {
  std::string message(domain);
  message.push_back('\0');
  message.append(value);
  unsigned char digest[32];
  crypto_generichash(digest, sizeof digest, reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                     reinterpret_cast<const unsigned char*>(key.c_str()), key.size());
  char hex[65];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  return hex;
}

template <class F>
bool throws_invalid_argument(F f) {
  try {
    f();
  } catch (const std::invalid_argument&) {
    return true;
  }
  return false;
}

std::string normalized(std::string_view input) {
  const auto r = normalize_answer(input);
  if (!r) fail_msg("answer refused: \"%s\"", std::string(input).c_str());
  return std::string(r->reveal());
}

std::string question(std::string_view input) {
  const auto r = normalize_question(input);
  if (!r) fail_msg("question refused: \"%s\"", std::string(input).c_str());
  return *r;
}

}  // namespace

static void test_keyed_digest(void**) {
  assert_int_equal(sodium_init() >= 0, 1);
  const Secret code("ABCDE-FGHJK");
  const std::string d = keyed_digest(key_one(), "recovery-code", code);
  assert_int_equal(d.size(), 64);
  assert_str(d, reference_digest(key_one(), "recovery-code", "ABCDE-FGHJK"));
  assert_str(keyed_digest(key_one(), "recovery-code", code), d);  // deterministic
  assert_true(keyed_digest(key_two(), "recovery-code", code) != d);
  assert_true(keyed_digest(key_one(), "email-code", code) != d);
  assert_true(keyed_digest(key_one(), "recovery-code", Secret("ABCDE-FGHJM")) != d);
  // domain||0x00||value is unambiguous: moving bytes between domain and value changes it.
  assert_true(keyed_digest(key_one(), "ab", Secret("c")) != keyed_digest(key_one(), "a", Secret("bc")));
  assert_true(digest_matches(d, key_one(), "recovery-code", code));
  assert_false(digest_matches(d, key_two(), "recovery-code", code));
  assert_false(digest_matches(d, key_one(), "email-code", code));
  assert_false(digest_matches(d, key_one(), "recovery-code", Secret("ABCDE-FGHJM")));
  assert_false(digest_matches(d.substr(0, 63), key_one(), "recovery-code", code));
  assert_false(digest_matches("", key_one(), "recovery-code", code));

  assert_true(throws_invalid_argument([] { (void)keyed_digest(Secret(std::string(31, 'k')), "d", Secret("v")); }));
  assert_true(throws_invalid_argument([] { (void)keyed_digest(key_one(), "", Secret("v")); }));
  assert_true(throws_invalid_argument([] { (void)keyed_digest(key_one(), std::string_view("a\0b", 3), Secret("v")); }));
  assert_true(throws_invalid_argument([] { (void)keyed_digest(key_one(), std::string(65, 'd'), Secret("v")); }));
  (void)keyed_digest(key_one(), std::string(64, 'd'), Secret("v"));
}

static void test_answer_hash(void**) {
  const std::string hash = hash_answer(Secret("fluffy the cat"));
  // Argon2id with the INTERACTIVE limits: 64 MiB, 2 passes.
  assert_str(hash.substr(0, 31), "$argon2id$v=19$m=65536,t=2,p=1$");
  assert_true(verify_answer(hash, Secret("fluffy the cat")));
  assert_false(verify_answer(hash, Secret("fluffy the dog")));
  assert_false(verify_answer(hash, Secret("")));
  assert_false(answer_hash_needs_rehash(hash));
  // Salted: the same answer hashes differently each time.
  assert_true(hash_answer(Secret("fluffy the cat")) != hash);
  // Damaged, empty, over-long and non-Argon2id hashes never verify.
  std::string damaged = hash;
  damaged.back() = damaged.back() == 'A' ? 'B' : 'A';
  assert_false(verify_answer(damaged, Secret("fluffy the cat")));
  assert_false(verify_answer("", Secret("fluffy the cat")));
  assert_false(verify_answer(hash + std::string(200, 'A'), Secret("fluffy the cat")));
  assert_false(verify_answer(std::string_view(hash.data(), 10), Secret("fluffy the cat")));
  char argon2i[crypto_pwhash_argon2i_STRBYTES];
  assert_int_equal(crypto_pwhash_argon2i_str(argon2i, "fluffy the cat", 14, crypto_pwhash_argon2i_OPSLIMIT_MIN,
                                             crypto_pwhash_argon2i_MEMLIMIT_MIN),
                   0);
  assert_false(verify_answer(argon2i, Secret("fluffy the cat")));
  assert_true(answer_hash_needs_rehash(argon2i));
  assert_true(answer_hash_needs_rehash(""));
}

static void test_answer_normalization(void**) {
  // Case, spacing, trimming.
  assert_str(normalized("  Fluffy   the CAT "), "fluffy the cat");
  assert_str(normalized("fluffy the cat"), "fluffy the cat");
  assert_str(normalized("\tFluffy\n\r the\u00a0\u3000Cat\u2003"), "fluffy the cat");
  // NFKC: ligatures, full-width letters, superscripts; canonical equivalents agree.
  assert_str(normalized("\ufb01do"), "fido");
  assert_str(normalized("\uff26\uff29\uff24\uff2f"), "fido");
  assert_str(normalized("Rex\u00b2"), "rex2");
  assert_str(normalized("Caf\u00e9"), normalized("Cafe\u0301"));
  assert_str(normalized("Caf\u00c9"), "caf\u00e9");
  // Full case folding.
  assert_str(normalized("Stra\u00dfe"), "strasse");
  assert_str(normalized("\u0391\u0398\u0397\u039d\u0391"), "\u03b1\u03b8\u03b7\u03bd\u03b1");  // ΑΘΗΝΑ
  // Length in code points after normalisation: 3..40.
  assert_false(normalize_answer("ab").has_value());
  assert_false(normalize_answer("  ab   ").has_value());
  assert_str(normalized("a b"), "a b");
  assert_str(normalized(std::string(40, 'x')), std::string(40, 'x'));
  assert_false(normalize_answer(std::string(41, 'x')).has_value());
  std::string forty_e_acute;
  for (int i = 0; i < 40; ++i) forty_e_acute += "\u00e9";
  assert_str(normalized(forty_e_acute), forty_e_acute);  // 80 bytes, 40 code points
  assert_false(normalize_answer(forty_e_acute + "\u00e9").has_value());
  std::string twenty_words;  // 20 letters + 19 spaces = 39; one more word is 41
  for (int i = 0; i < 20; ++i) twenty_words += i ? "  w" : "w";
  assert_int_equal(normalized(twenty_words).size(), 39);
  assert_false(normalize_answer(twenty_words + " w").has_value());
  // A ligature counts as what it becomes: 20 "ﬁ" are 40 code points, 21 are too many.
  std::string ligatures;
  for (int i = 0; i < 20; ++i) ligatures += "\ufb01";
  assert_int_equal(normalized(ligatures).size(), 40);
  assert_false(normalize_answer(ligatures + "\ufb01").has_value());
  // Empty, blank, over-long input.
  assert_false(normalize_answer("").has_value());
  assert_false(normalize_answer("   \t\n ").has_value());
  assert_str(normalized(std::string(kMaxAnswerInput - 3, ' ') + "abc"), "abc");
  assert_false(normalize_answer(std::string(kMaxAnswerInput - 2, ' ') + "abc").has_value());
  // Invalid UTF-8: stray continuation, overlong, truncated, surrogate, beyond U+10FFFF.
  for (const char* bad :
       {"abc\x80", "\xc0\xaf" "abc", "abc\xe2\x82", "abc\xed\xa0\x80", "abc\xf4\x90\x80\x80", "\xff\xfe" "abc"})
    assert_false(normalize_answer(bad).has_value());
  // Control characters other than white space.
  assert_false(normalize_answer("abc\x01" "def").has_value());
  assert_false(normalize_answer(std::string_view("abc\0def", 7)).has_value());
  assert_false(normalize_answer("abc\x7f").has_value());
}

static void test_question_normalization(void**) {
  assert_str(question("  What was   your first\tpet's name? "), "What was your first pet's name?");
  // NFC only: case and compatibility characters stay; canonical equivalents agree.
  assert_str(question("Which CITY?"), "Which CITY?");
  assert_str(question("\uff37hich city?"), "\uff37hich city?");
  assert_str(question("Caf\u00e9 name?"), question("Cafe\u0301 name?"));
  assert_str(question("Caf\u00e9 name?"), "Caf\u00e9 name?");
  // 5..200 code points.
  assert_false(normalize_question("Why?").has_value());
  assert_false(normalize_question("  Why?  ").has_value());
  assert_str(question("  Why?! "), "Why?!");
  assert_str(question(std::string(200, 'q')), std::string(200, 'q'));
  assert_false(normalize_question(std::string(201, 'q')).has_value());
  assert_false(normalize_question(std::string(kMaxQuestionInput + 1, ' ')).has_value());
  // Controls, bidi overrides and other invisible format characters, bad UTF-8.
  assert_false(normalize_question("What\x1b[31m is it?").has_value());
  assert_false(normalize_question("What is \u202egnirts?").has_value());
  assert_false(normalize_question("What\u200b is it?").has_value());
  assert_false(normalize_question("What is it?\xff").has_value());
  assert_false(normalize_question("").has_value());
}

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_keyed_digest),
      cmocka_unit_test(test_answer_hash),
      cmocka_unit_test(test_answer_normalization),
      cmocka_unit_test(test_question_normalization),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
