#include "crypto/qr.hpp"

#include "crypto/scratch_buffer.hpp"

#include <memory>
#include <qrencode.h>

namespace sspr::daemon::crypto {
namespace {

constexpr std::string_view kFull = "\u2588";   // █ both halves ink
constexpr std::string_view kUpper = "\u2580";  // ▀ upper half ink
constexpr std::string_view kLower = "\u2584";  // ▄ lower half ink
constexpr std::string_view kEmpty = " ";

// The module matrix encodes the text; wipe it before libqrencode frees it.
struct QrFree {
  void operator()(QRcode* code) const noexcept {
    secure_wipe(code->data, static_cast<std::size_t>(code->width) * static_cast<std::size_t>(code->width));
    QRcode_free(code);
  }
};
using QrPtr = std::unique_ptr<QRcode, QrFree>;

}  // namespace

Secret render_qr_text(std::string_view text, QrInk ink) {
  if (text.empty() || text.size() > kMaxQrInput) return Secret();
  // QRcode_encodeData is 8-bit mode throughout and takes a length, so no NUL-terminated copy.
  QrPtr code(QRcode_encodeData(static_cast<int>(text.size()), reinterpret_cast<const unsigned char*>(text.data()), 0,
                               QR_ECLEVEL_M));
  if (!code || code->width <= 0) return Secret();

  const int width = code->width;
  const int size = width + 2 * kQrQuietZone;
  // Is the module at (x, y) of the bordered square drawn with ink? Outside the square (the
  // lower half of the last line when size is odd) is never ink.
  auto inked = [&](int x, int y) {
    if (y >= size) return false;
    const int mx = x - kQrQuietZone;
    const int my = y - kQrQuietZone;
    const bool inside = mx >= 0 && my >= 0 && mx < width && my < width;
    const bool dark = inside && (code->data[my * width + mx] & 1) != 0;
    return ink == QrInk::dark_modules ? dark : !dark;
  };

  const auto lines = static_cast<std::size_t>((size + 1) / 2);
  ScratchBuffer out(lines * (static_cast<std::size_t>(size) * kFull.size() + 1));
  for (int y = 0; y < size; y += 2) {
    for (int x = 0; x < size; ++x) {
      const bool top = inked(x, y);
      const bool bottom = inked(x, y + 1);
      out.append(top ? (bottom ? kFull : kUpper) : (bottom ? kLower : kEmpty));
    }
    out.push_back('\n');
  }
  return out.to_secret();
}

}  // namespace sspr::daemon::crypto
