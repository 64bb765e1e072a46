// What users type for security questions and recovery codes: ssprd/crypto/answers.cpp
// normalize_answer, normalize_question and ssprd/crypto/recovery_codes.cpp
// canonical_recovery_code. Input: the text as typed (all three parsers get all of it).
//
// Invariants:
//  - a normalised answer normalises to itself (what is hashed at registration is what a
//    later, identical answer produces), is UTF-8 with no control character, no leading,
//    trailing or double space and 3..40 code points; ASCII case does not matter;
//  - a normalised question likewise normalises to itself, 5..200 code points;
//  - invalid UTF-8 is refused by both;
//  - a canonical recovery code is XXXXX-XXXXX over Crockford's alphabet and is its own
//    canonical form; case, spaces and dashes in the input do not matter.
#include "fuzz_support.hpp"

#include "crypto/answers.hpp"
#include "crypto/recovery_codes.hpp"

using namespace sspr;
using namespace sspr::daemon::crypto;
using sspr::fuzz::show;

namespace {

std::size_t code_points(std::string_view s) {
  std::size_t n = 0;
  for (const char c : s) n += (static_cast<unsigned char>(c) & 0xc0) != 0x80 ? 1 : 0;
  return n;
}

void check_collapsed(std::string_view s, std::size_t min, std::size_t max, const char* what) {
  FUZZ_CHECK(fuzz::reference_utf8(s), std::string(what) + " is not UTF-8: " + show(s));
  FUZZ_CHECK(!s.empty() && s.front() != ' ' && s.back() != ' ', std::string(what) + " is not trimmed: " + show(s));
  FUZZ_CHECK(s.find("  ") == std::string_view::npos, std::string(what) + " has a double space: " + show(s));
  FUZZ_CHECK(!fuzz::has_control(s), std::string(what) + " has a control byte: " + show(s));
  const auto n = code_points(s);
  FUZZ_CHECK(n >= min && n <= max, std::string(what) + " of " + std::to_string(n) + " code points: " + show(s));
}

std::string ascii_upper(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto text = fuzz::as_view(data, size);
  const bool utf8 = fuzz::reference_utf8(text);

  if (const auto answer = normalize_answer(text)) {
    FUZZ_CHECK(utf8, "an answer that is not UTF-8 was accepted");
    const auto a = answer->reveal();
    check_collapsed(a, kMinAnswerLength, kMaxAnswerLength, "answer");
    const auto again = normalize_answer(a);
    FUZZ_CHECK(again && again->equals(*answer),
               "a normalised answer does not normalise to itself: " + show(text) + " -> " + show(a) + " -> " +
                   (again ? show(again->reveal()) : std::string("refused")));
    const auto upper = normalize_answer(ascii_upper(text));
    FUZZ_CHECK(upper && upper->equals(*answer), "ASCII case changes the answer " + show(text));
  }

  if (const auto question = normalize_question(text)) {
    FUZZ_CHECK(utf8, "a question that is not UTF-8 was accepted");
    check_collapsed(*question, kMinQuestionLength, kMaxQuestionLength, "question");
    const auto again = normalize_question(*question);
    FUZZ_CHECK(again && *again == *question,
               "a normalised question does not normalise to itself: " + show(text) + " -> " + show(*question));
  }

  if (const auto code = canonical_recovery_code(text)) {
    const auto c = code->reveal();
    FUZZ_CHECK(c.size() == 11 && c[5] == '-', "canonical code of the wrong shape: " + show(c));
    for (std::size_t i = 0; i < c.size(); ++i)
      if (i != 5) FUZZ_CHECK(kRecoveryAlphabet.find(c[i]) != std::string_view::npos, "canonical code " + show(c));
    const auto again = canonical_recovery_code(c);
    FUZZ_CHECK(again && again->equals(*code), "a canonical code is not its own canonical form: " + show(c));
    std::string lower(text);
    for (auto& ch : lower)
      if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
    const auto from_lower = canonical_recovery_code(lower);
    FUZZ_CHECK(from_lower && from_lower->equals(*code), "case changes the code " + show(text));
    if (text.size() <= kMaxRecoveryInput / 2) {
      std::string dashed;
      for (const char ch : text) dashed += std::string(1, ch) + (ch == ' ' ? " " : "-");
      const auto from_dashed = canonical_recovery_code(dashed);
      FUZZ_CHECK(from_dashed && from_dashed->equals(*code), "dashes change the code " + show(text));
    }
  } else if (text.size() <= kMaxRecoveryInput) {
    // Only alphabet characters (after Crockford's reading), spaces and dashes, ten of them.
    std::size_t characters = 0;
    bool clean = true;
    for (char ch : text) {
      if (ch == ' ' || ch == '-') continue;
      if (ch >= 'a' && ch <= 'z') ch = static_cast<char>(ch - 'a' + 'A');
      if (ch == 'O') ch = '0';
      if (ch == 'I' || ch == 'L') ch = '1';
      clean = clean && kRecoveryAlphabet.find(ch) != std::string_view::npos;
      ++characters;
    }
    FUZZ_CHECK(!clean || characters != 10, "a well-formed code was refused: " + show(text));
  }
  return 0;
}
