// Security questions and answers in canonical form, so that what a user types at reset time
// compares equal to what they typed at registration despite case, spacing and Unicode variants.
#pragma once

#include "secret.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace sspr::daemon::crypto {

inline constexpr std::size_t kMaxAnswerInput = 1024;    // bytes, before normalisation
inline constexpr std::size_t kMinAnswerLength = 3;      // code points, after
inline constexpr std::size_t kMaxAnswerLength = 40;
inline constexpr std::size_t kMaxQuestionInput = 1024;  // bytes
inline constexpr std::size_t kMinQuestionLength = 5;    // code points
inline constexpr std::size_t kMaxQuestionLength = 200;

// NFKC ("ﬁ" -> "fi", full-width -> ASCII), full case folding (then NFKC again), leading and
// trailing white space removed and every internal run of white space made one U+0020.
// nullopt for invalid UTF-8, control characters other than white space, or a result outside
// kMinAnswerLength..kMaxAnswerLength code points. The result is what hash_answer() takes.
std::optional<Secret> normalize_answer(std::string_view utf8);

// For showing questions and finding duplicates: NFC (the text stays as written, only
// canonically equivalent spellings are merged), white space trimmed and collapsed to one
// U+0020. nullopt for invalid UTF-8, control or format characters (Cc, Cf: they could hide or
// reorder text on screen), or a result outside kMinQuestionLength..kMaxQuestionLength.
std::optional<std::string> normalize_question(std::string_view utf8);

}  // namespace sspr::daemon::crypto
