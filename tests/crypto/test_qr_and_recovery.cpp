// QR rendering: the exact module matrix libqrencode produced, in half blocks with a 2-module
// quiet zone, for known versions; both polarities. Recovery codes: format, uniqueness and the
// canonical form users' typing is reduced to.
#include "cmocka.hpp"
#include "crypto/qr.hpp"
#include "crypto/recovery_codes.hpp"

#include <qrencode.h>
#include <set>
#include <stdexcept>

using sspr::Secret;
using namespace sspr::daemon::crypto;

namespace {

// The pattern ^[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}$, written out: GCC 12's <regex>
// trips -Wmaybe-uninitialized under the sanitizer build.
bool well_formed(std::string_view code) {
  if (code.size() != 11 || code[5] != '-') return false;
  for (std::size_t i = 0; i < code.size(); ++i) {
    if (i == 5) continue;
    const char c = code[i];
    const bool digit = c >= '0' && c <= '9';
    const bool letter = c >= 'A' && c <= 'Z' && c != 'I' && c != 'L' && c != 'O' && c != 'U';
    if (!digit && !letter) return false;
  }
  return true;
}

const std::string kFull = "\u2588", kUpper = "\u2580", kLower = "\u2584", kSpace = " ";

// Splits rendered text into lines of glyphs; fails the test on any other character.
std::vector<std::vector<std::string>> glyphs(std::string_view text) {
  std::vector<std::vector<std::string>> lines(1);
  for (std::size_t i = 0; i < text.size();) {
    if (text[i] == '\n') {
      lines.emplace_back();
      ++i;
      continue;
    }
    const std::size_t n = text[i] == ' ' ? 1 : 3;
    const std::string g(text.substr(i, n));
    if (g != kFull && g != kUpper && g != kLower && g != kSpace) fail_msg("unexpected character at byte %zu", i);
    lines.back().push_back(g);
    i += n;
  }
  assert_true(lines.back().empty());  // every line ends in '\n'
  lines.pop_back();
  return lines;
}

// The dark modules libqrencode itself gives for `text` (ECC M, 8-bit), with the quiet zone.
std::vector<std::vector<bool>> expected_modules(std::string_view text, int& version) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
  QRcode* code = QRcode_encodeData(static_cast<int>(text.size()), bytes, 0, QR_ECLEVEL_M);
  assert_non_null(code);
  version = code->version;
  const int size = code->width + 2 * kQrQuietZone;
  const auto n = static_cast<std::size_t>(size);
  std::vector<std::vector<bool>> dark(n, std::vector<bool>(n));
  for (int y = 0; y < code->width; ++y)
    for (int x = 0; x < code->width; ++x)
      dark[static_cast<std::size_t>(y + kQrQuietZone)][static_cast<std::size_t>(x + kQrQuietZone)] =
          (code->data[y * code->width + x] & 1) != 0;
  QRcode_free(code);
  return dark;
}

// Renders `text` and checks it is exactly the expected matrix; returns the number of lines.
std::size_t check_rendering(std::string_view text, int expected_version, QrInk ink) {
  int version = 0;
  const auto dark = expected_modules(text, version);
  assert_int_equal(version, expected_version);
  const std::size_t size = dark.size();
  assert_int_equal(size, 17 + 4 * expected_version + 2 * kQrQuietZone);

  const Secret rendered = render_qr_text(text, ink);
  const auto lines = glyphs(rendered.reveal());
  assert_int_equal(lines.size(), (size + 1) / 2);
  for (std::size_t row = 0; row < lines.size(); ++row) {
    assert_int_equal(lines[row].size(), size);
    for (std::size_t x = 0; x < size; ++x) {
      const std::string& g = lines[row][x];
      const bool top_ink = g == kFull || g == kUpper;
      const bool bottom_ink = g == kFull || g == kLower;
      const std::size_t y = 2 * row;
      const bool want_top = ink == QrInk::dark_modules ? dark[y][x] : !dark[y][x];
      // Below the last module row (odd size) there is nothing to draw.
      const bool want_bottom = y + 1 < size && (ink == QrInk::dark_modules ? dark[y + 1][x] : !dark[y + 1][x]);
      assert_int_equal(top_ink, want_top);
      assert_int_equal(bottom_ink, want_bottom);
    }
  }
  // The top-left finder pattern starts right after the quiet zone: a dark 7-module edge.
  for (std::size_t i = 0; i < 7; ++i) {
    assert_true(dark[kQrQuietZone][kQrQuietZone + i]);
    assert_true(dark[kQrQuietZone + i][kQrQuietZone]);
  }
  return lines.size();
}

}  // namespace

static void test_qr_known_versions(void**) {
  // 5 bytes fit version 1 (21 modules): 25 with the quiet zone, 13 lines.
  assert_int_equal(check_rendering("hello", 1, QrInk::dark_modules), 13);
  assert_int_equal(check_rendering("hello", 1, QrInk::light_modules), 13);
  // 100 bytes at level M need version 6 (41 modules, 106 bytes): 45 wide, 23 lines.
  const std::string hundred(100, 'x');
  assert_int_equal(check_rendering(hundred, 6, QrInk::dark_modules), 23);
  // A typical otpauth URI.
  const std::string uri =
      "otpauth://totp/sspr:alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=sspr&algorithm=SHA1&digits=6&period=30";
  assert_int_equal(uri.size(), 111);  // over version 6's 106 bytes
  assert_int_equal(check_rendering(uri, 7, QrInk::dark_modules), 25);
  // Bytes that are not text, including NUL, are encoded as they are.
  check_rendering(std::string_view("a\0b\xff", 4), 1, QrInk::dark_modules);
}

static void test_qr_rendering_shape(void**) {
  const Secret rendered = render_qr_text("hello");
  const auto text = rendered.reveal();
  // Default polarity: dark modules are ink, the quiet zone is blank: first line all spaces.
  assert_str(text.substr(0, 26), std::string(25, ' ') + "\n");
  // Second line, rows 2 and 3: the finder's top edge (all dark) over its second row (dark,
  // five light, dark), after the 2 blank quiet-zone columns.
  assert_str(text.substr(26, 2 + 3 * 7), "  " + kFull + kUpper + kUpper + kUpper + kUpper + kUpper + kFull);
  const Secret inverted = render_qr_text("hello", QrInk::light_modules);
  assert_str(inverted.reveal().substr(0, 3 * 25 + 1), [] {
    std::string line;
    for (int i = 0; i < 25; ++i) line += kFull;
    return line + "\n";
  }());
}

static void test_qr_bounds(void**) {
  assert_true(render_qr_text("").empty());
  assert_true(render_qr_text(std::string(kMaxQrInput + 1, 'x')).empty());
  const Secret largest = render_qr_text(std::string(kMaxQrInput, 'x'));
  assert_false(largest.empty());
  // 1024 bytes at level M: version 26 (121 modules), 125 with the quiet zone, 63 lines.
  const auto lines = glyphs(largest.reveal());
  assert_int_equal(lines.size(), 63);
  assert_int_equal(lines.front().size(), 125);
}

static void test_recovery_codes_generated(void**) {
  const auto codes = generate_recovery_codes();
  assert_int_equal(codes.size(), 10);
  std::set<std::string> seen;
  for (const auto& code : codes) {
    const std::string text(code.reveal());
    assert_true(well_formed(text));
    seen.insert(text);
    // The generated form is already canonical.
    const auto canonical = canonical_recovery_code(text);
    assert_true(canonical.has_value());
    assert_true(canonical->equals(code));
  }
  assert_int_equal(seen.size(), 10);
  assert_int_equal(generate_recovery_codes(1).size(), 1);
  assert_int_equal(generate_recovery_codes(kMaxRecoveryCodes).size(), kMaxRecoveryCodes);
  assert_false(well_formed("ABCDE-FGHJU"));  // the checker itself
  assert_false(well_formed("ABCDEFGHJK0"));
  assert_true(well_formed("01234-VWXYZ"));
  for (unsigned bad : {0u, kMaxRecoveryCodes + 1}) {
    bool threw = false;
    try {
      (void)generate_recovery_codes(bad);
    } catch (const std::invalid_argument&) {
      threw = true;
    }
    assert_true(threw);
  }
}

static void test_recovery_code_canonical_form(void**) {
  for (const char* typed : {"abcde-fghjk", "ABCDE-FGHJK", "abcdefghjk", "AbCdE fGhJk", " ab cde - fgh jk ",
                            "abcde--fghjk", "a-b-c-d-e-f-g-h-j-k"}) {
    const auto c = canonical_recovery_code(typed);
    assert_true(c.has_value());
    assert_str(c->reveal(), "ABCDE-FGHJK");
  }
  // Crockford's reading of the letters left out: O is 0, I and L are 1.
  assert_str(canonical_recovery_code("oOiIl-LabCd")->reveal(), "00111-1ABCD");
  // Wrong length, letters outside the alphabet (U), other separators, non-ASCII, over-long.
  for (const char* bad : {"", "-", "abcde-fghj", "abcde-fghjkm", "abcde-fghju", "abcde_fghjk", "abcde.fghjk",
                          "abcde-fghj!", "abcde\tfghjk", "abcd\xc3\xa9-fghjk", "\xef\xbc\xa1" "bcde-fghjk"})
    assert_false(canonical_recovery_code(bad).has_value());
  assert_false(canonical_recovery_code(std::string_view("abcde\0fghjk", 11)).has_value());
  assert_false(canonical_recovery_code("abcde-fghjk" + std::string(kMaxRecoveryInput, ' ')).has_value());
  assert_true(canonical_recovery_code("abcde-fghjk" + std::string(kMaxRecoveryInput - 11, ' ')).has_value());
}

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_qr_known_versions),
      cmocka_unit_test(test_qr_rendering_shape),
      cmocka_unit_test(test_qr_bounds),
      cmocka_unit_test(test_recovery_codes_generated),
      cmocka_unit_test(test_recovery_code_canonical_form),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
