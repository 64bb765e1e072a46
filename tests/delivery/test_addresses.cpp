// Addresses are the only caller-supplied text that reaches an SMTP envelope, a mail header
// or a webhook body: everything that could break out of those is refused, and logs see only
// the masked forms.
#include "cmocka.hpp"
#include "delivery/addresses.hpp"

#include <string_view>

using namespace sspr::daemon::delivery;
using namespace std::string_literals;

static void test_valid_email_addresses(void**) {
  const char* valid[] = {
      "alice@example.com",
      "a@b.co",
      "first.last@mail.example.org",
      "user+tag@example.com",
      "o'brien@example.ie",
      "x!#$%&'*+/=?^_`{|}~-y@example.com",
      "UPPER@EXAMPLE.COM",
      "a@xn--bcher-kva.example",
      "a@my-host.example.com",
      "a@1.example.com",
  };
  for (const char* a : valid) {
    if (!valid_email_address(a)) fail_msg("refused: %s", a);
  }
  // Limits: 64-character local part, 63-character labels, 254 characters in all.
  assert_true(valid_email_address(std::string(64, 'l') + "@example.com"));
  const std::string label63(63, 'd');
  const std::string at_limit = std::string(64, 'l') + "@" + label63 + "." + label63 + "." + std::string(57, 'd') + ".com";
  assert_int_equal(at_limit.size(), 254);
  assert_true(valid_email_address(at_limit));
}

static void test_invalid_email_addresses(void**) {
  const std::string invalid[] = {
      "",
      "alice",
      "@example.com",
      "alice@",
      "alice@example",  // no dot in the domain
      "alice@@example.com",
      "alice@bob@example.com",
      ".alice@example.com",
      "alice.@example.com",
      "al..ice@example.com",
      "alice@-example.com",
      "alice@example-.com",
      "alice@example..com",
      "alice@.example.com",
      "alice@example.com.",
      "alice@1.2.3.4",
      "alice@[127.0.0.1]",
      "\"alice\"@example.com",
      "alice smith@example.com",
      "alice@exa mple.com",
      "alice(comment)@example.com",
      "<alice@example.com>",
      "alice@example.com>",
      "alice,bob@example.com",
      "alice;bob@example.com",
      "alice:bob@example.com",
      "alice\\bob@example.com",
      "ali[ce@example.com",
      "al\xc3\xa9@example.com",       // non-ASCII local part
      "alice@b\xc3\xbc" "cher.example",  // non-ASCII domain
      "alice@exam_ple.com",
      // Header and SMTP command injection attempts.
      "alice@example.com\r\nBcc: mallory@evil.example",
      "alice@example.com\nBcc: mallory@evil.example",
      "alice@example.com\r",
      "alice\r\n@example.com",
      "alice@example.com>\r\nRCPT TO:<mallory@evil.example",
      "alice@example.com\t",
      std::string("alice@example.com\0.evil", 24),
      "alice\x7f@example.com",
      std::string(65, 'l') + "@example.com",
      "a@" + std::string(64, 'd') + ".com",
  };
  for (const auto& a : invalid) {
    if (valid_email_address(a)) fail_msg("accepted: %s", a.c_str());
  }
  const std::string label63(63, 'd');
  const std::string too_long = std::string(64, 'l') + "@" + label63 + "." + label63 + "." + std::string(58, 'd') + ".com";
  assert_int_equal(too_long.size(), 255);
  assert_false(valid_email_address(too_long));
}

static void test_e164_numbers(void**) {
  for (const char* n : {"+4915112345612", "+12025550123", "+33612345678", "+12345678", "+123456789012345"})
    if (!valid_e164_number(n)) fail_msg("refused: %s", n);
  const std::string invalid[] = {
      "",
      "+",
      "4915112345612",       // no '+'
      "+04915112345612",     // leading zero
      "+1234567",            // 7 digits
      "+1234567890123456",   // 16 digits
      "+49 151 12345612",
      "+49-151-12345612",
      "+49151123456a2",
      "++4915112345612",
      "+4915112345612\r\n",
      "+4915112345612\"",
      std::string("+49151\0" "12345612", 15),
      "\xef\xbc\x8b" "4915112345612",  // fullwidth plus
  };
  for (const auto& n : invalid)
    if (valid_e164_number(n)) fail_msg("accepted: %s", n.c_str());
}

static void test_masking(void**) {
  assert_str(mask_email("alice@example.com"), "a***@e***.com");
  assert_str(mask_email("bob.smith@mail.example.co.uk"), "b***@m***.uk");
  assert_str(mask_email("x@y.org"), "x***@y***.org");
  assert_str(mask_email("not an address"), "***");
  assert_str(mask_email("alice@example.com\r\nBcc: x@y.z"), "***");
  assert_str(mask_phone("+4915112345612"), "+49 *** ***12");
  assert_str(mask_phone("+12025550123"), "+12 *** ***23");
  assert_str(mask_phone("0151 1234"), "***");
}

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_valid_email_addresses),
      cmocka_unit_test(test_invalid_email_addresses),
      cmocka_unit_test(test_e164_numbers),
      cmocka_unit_test(test_masking),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
