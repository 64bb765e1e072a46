#include "crypto/answers.hpp"

#include "crypto/scratch_buffer.hpp"

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <unicase.h>
#include <unictype.h>
#include <uninorm.h>
#include <unistr.h>

namespace sspr::daemon::crypto {
namespace {

// Owns a buffer libunistring malloc'ed; wipes it (it may hold an answer) before freeing.
class UnistringBuffer {
 public:
  UnistringBuffer() noexcept = default;
  UnistringBuffer(const UnistringBuffer&) = delete;
  UnistringBuffer& operator=(const UnistringBuffer&) = delete;
  ~UnistringBuffer() {
    secure_wipe(data_, size_);
    std::free(data_);
  }
  // Takes the result of a u8_* call (call it first: `size` is an out-parameter of that call);
  // false if it failed for bad input, throws if for memory.
  bool take(std::uint8_t* data, std::size_t size) {
    if (data == nullptr) {
      if (errno == ENOMEM) throw std::bad_alloc();
      return false;
    }
    data_ = data;
    size_ = size;
    return true;
  }
  const std::uint8_t* data() const noexcept { return data_; }
  std::size_t size() const noexcept { return size_; }

 private:
  std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
};

const std::uint8_t* u8(std::string_view s) noexcept { return reinterpret_cast<const std::uint8_t*>(s.data()); }

// Copies `text` into `out` with white space trimmed and collapsed; false if a code point is
// rejected by `refuse` or the result has fewer than `min` or more than `max` code points.
template <class Refuse>
bool collapse_white_space(const std::uint8_t* text, std::size_t size, std::size_t min, std::size_t max, Refuse refuse,
                          ScratchBuffer& out) {
  std::size_t code_points = 0;
  bool pending_space = false;
  for (std::size_t i = 0; i < size;) {
    ucs4_t uc = 0;
    const int length = u8_mbtouc(&uc, text + i, size - i);
    if (length <= 0) return false;
    const std::string_view bytes(reinterpret_cast<const char*>(text + i), static_cast<std::size_t>(length));
    i += static_cast<std::size_t>(length);
    if (uc_is_property_white_space(uc)) {
      pending_space = code_points > 0;
      continue;
    }
    if (refuse(uc)) return false;
    if (pending_space) {
      if (++code_points > max) return false;
      out.push_back(' ');
      pending_space = false;
    }
    // Checked before copying, so `out` never needs more than max code points.
    if (++code_points > max) return false;
    out.append(bytes);
  }
  return code_points >= min;
}

bool is_control(ucs4_t uc) noexcept { return uc_is_general_category(uc, UC_CATEGORY_Cc); }
bool is_control_or_format(ucs4_t uc) noexcept {
  return uc_is_general_category(uc, UC_CATEGORY_Cc) || uc_is_general_category(uc, UC_CATEGORY_Cf);
}

}  // namespace

std::optional<Secret> normalize_answer(std::string_view utf8) {
  if (utf8.empty() || utf8.size() > kMaxAnswerInput) return std::nullopt;
  if (u8_check(u8(utf8), utf8.size()) != nullptr) return std::nullopt;

  // NFKC first so compatibility characters ("ﬁ", full-width letters) fold like their plain
  // forms; u8_casefold then applies NFKC again, since folding can denormalise.
  UnistringBuffer nfkc;
  std::size_t size = 0;
  std::uint8_t* result = u8_normalize(UNINORM_NFKC, u8(utf8), utf8.size(), nullptr, &size);
  if (!nfkc.take(result, size)) return std::nullopt;
  UnistringBuffer folded;
  // "" = no language-specific rules: the same answer must fold the same in every locale.
  result = u8_casefold(nfkc.data(), nfkc.size(), "", UNINORM_NFKC, nullptr, &size);
  if (!folded.take(result, size)) return std::nullopt;

  // Each code point is at most 4 bytes, plus the single spaces between words.
  ScratchBuffer out(kMaxAnswerLength * 4);
  if (!collapse_white_space(folded.data(), folded.size(), kMinAnswerLength, kMaxAnswerLength, is_control, out))
    return std::nullopt;
  return out.to_secret();
}

std::optional<std::string> normalize_question(std::string_view utf8) {
  if (utf8.empty() || utf8.size() > kMaxQuestionInput) return std::nullopt;
  if (u8_check(u8(utf8), utf8.size()) != nullptr) return std::nullopt;
  UnistringBuffer nfc;
  std::size_t size = 0;
  std::uint8_t* result = u8_normalize(UNINORM_NFC, u8(utf8), utf8.size(), nullptr, &size);
  if (!nfc.take(result, size)) return std::nullopt;
  ScratchBuffer out(kMaxQuestionLength * 4);
  if (!collapse_white_space(nfc.data(), nfc.size(), kMinQuestionLength, kMaxQuestionLength, is_control_or_format, out))
    return std::nullopt;
  return std::string(out.view());
}

}  // namespace sspr::daemon::crypto
