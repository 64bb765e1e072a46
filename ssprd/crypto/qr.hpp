// QR codes for terminals, so a user registering over ssh or a console can scan the otpauth URI.
#pragma once

#include "secret.hpp"

#include <cstddef>
#include <string_view>

namespace sspr::daemon::crypto {

inline constexpr std::size_t kMaxQrInput = 1024;
// Modules. The standard asks for 4; 2 saves terminal rows and phone readers cope with it.
inline constexpr int kQrQuietZone = 2;

// Which modules are drawn with the glyphs' ink (the terminal's foreground colour).
enum class QrInk {
  // Dark modules are ink, light modules and the quiet zone are background: correct on a
  // dark-on-light terminal (dark text on a light background). This is the default because it
  // is the polarity the QR standard defines, which every phone camera reads.
  dark_modules,
  // Light modules and the quiet zone are ink: for light-on-dark terminals, so that the code
  // still shows dark-on-light there (what `qrencode -t UTF8` does).
  light_modules,
};

// `text` as a QR code (ECC level M, 8-bit mode, smallest version that fits) drawn with UTF-8
// half blocks, two module rows per line ("█", "▀", "▄", " "), each line ending in '\n', with a
// kQrQuietZone-module quiet zone. A symbol of width w gives ceil((w + 4) / 2) lines of w + 4
// characters. The text usually carries a TOTP secret, hence a Secret.
// Empty if `text` is empty, longer than kMaxQrInput, or cannot be encoded.
Secret render_qr_text(std::string_view text, QrInk ink = QrInk::dark_modules);

}  // namespace sspr::daemon::crypto
