#include "delivery/mailer.hpp"

#include "delivery/addresses.hpp"
#include "credential_file.hpp"
#include "delivery/curl_util.hpp"
#include "delivery/templates.hpp"
#include "handle.hpp"
#include "log.hpp"
#include "secret.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

namespace sspr::daemon::delivery {
namespace {

constexpr std::size_t kMaxLineOctets = 998;  // RFC 5322 2.1.1, excluding CRLF
constexpr std::size_t kEncodedWordChunk = 45;  // 45 bytes -> 60 base64 chars -> a 72-char encoded word (max 75)

bool has_control(std::string_view s) noexcept {
  return std::any_of(s.begin(), s.end(), [](char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return c < 0x20 || c == 0x7f;
  });
}

bool is_ascii(std::string_view s) noexcept {
  return std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

std::string base64(std::string_view in) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8) |
                       static_cast<unsigned char>(in[i + 2]);
    out += {kAlphabet[(v >> 18) & 63], kAlphabet[(v >> 12) & 63], kAlphabet[(v >> 6) & 63], kAlphabet[v & 63]};
  }
  if (i + 1 == in.size()) {
    const unsigned v = static_cast<unsigned char>(in[i]) << 16;
    out += {kAlphabet[(v >> 18) & 63], kAlphabet[(v >> 12) & 63], '=', '='};
  } else if (i + 2 == in.size()) {
    const unsigned v = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8);
    out += {kAlphabet[(v >> 18) & 63], kAlphabet[(v >> 12) & 63], kAlphabet[(v >> 6) & 63], '='};
  }
  return out;
}

// RFC 2047 encoded words, split on UTF-8 character boundaries and folded.
std::string encode_subject(std::string_view subject) {
  if (is_ascii(subject)) return std::string(subject);
  std::string out;
  while (!subject.empty()) {
    std::size_t n = std::min(kEncodedWordChunk, subject.size());
    while (n < subject.size() && (static_cast<unsigned char>(subject[n]) & 0xc0) == 0x80) --n;
    if (!out.empty()) out += "\r\n ";
    out += "=?UTF-8?B?" + base64(subject.substr(0, n)) + "?=";
    subject.remove_prefix(n);
  }
  return out;
}

std::string rfc5322_date(std::time_t t) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  struct tm tm {};
  ::gmtime_r(&t, &tm);
  // Fixed English names: strftime() would follow the locale.
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%s, %02d %s %04d %02d:%02d:%02d +0000", kDays[tm.tm_wday % 7], tm.tm_mday,
                kMonths[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buffer;
}

std::string message_id(std::string_view from) {
  std::array<unsigned char, 16> random{};
  std::size_t got = 0;
  while (got < random.size()) {
    const ssize_t n = ::getrandom(random.data() + got, random.size() - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id = "<";
  for (unsigned char c : random) id += {kHex[c >> 4], kHex[c & 0xf]};
  id += ".sspr@";
  id += from.substr(from.find('@') + 1);
  id += ">";
  return id;
}

// Body with every line break (CRLF, LF or a lone CR) as CRLF and a final CRLF.
std::optional<std::string> normalise_body(std::string_view body, std::string& problem) {
  if (body.size() > kMaxBodyBytes) return problem = "the body is too large", std::nullopt;
  if (body.find('\0') != std::string_view::npos) return problem = "the body contains a NUL byte", std::nullopt;
  if (!valid_utf8(body)) return problem = "the body is not UTF-8", std::nullopt;
  std::string out;
  out.reserve(body.size() + body.size() / 16 + 2);
  std::size_t line = 0;
  for (std::size_t i = 0; i < body.size(); ++i) {
    const char c = body[i];
    if (c == '\r' || c == '\n') {
      if (c == '\r' && i + 1 < body.size() && body[i + 1] == '\n') ++i;
      out += "\r\n";
      line = 0;
      continue;
    }
    if (++line > kMaxLineOctets) {
      secure_wipe(out.data(), out.size());
      return problem = "a body line is longer than 998 bytes", std::nullopt;
    }
    out.push_back(c);
  }
  if (out.size() < 2 || out.compare(out.size() - 2, 2, "\r\n") != 0) out += "\r\n";
  return out;
}

struct Upload {
  std::string_view data;
  std::size_t offset = 0;
};

size_t read_upload(char* buffer, size_t size, size_t count, void* userdata) noexcept {
  auto* upload = static_cast<Upload*>(userdata);
  const std::size_t n = std::min(size * count, upload->data.size() - upload->offset);
  std::memcpy(buffer, upload->data.data() + upload->offset, n);
  upload->offset += n;
  return n;
}

DeliveryResult fail(const std::string& masked_to, std::string error) {
  log_warning("mail to %s not sent: %s", masked_to.c_str(), error.c_str());
  return {false, std::move(error)};
}

}  // namespace

std::optional<std::string> build_mail_message(const std::string& from, const std::string& to,
                                              const std::string& subject, const std::string& body, std::time_t date,
                                              std::string& problem) {
  if (!valid_email_address(from)) return problem = "invalid sender address", std::nullopt;
  if (!valid_email_address(to)) return problem = "invalid recipient address", std::nullopt;
  if (subject.empty() || subject.size() > kMaxSubjectBytes || has_control(subject) || !valid_utf8(subject))
    return problem = "invalid subject (empty, too long, not UTF-8 or with control characters)", std::nullopt;
  auto normalised = normalise_body(body, problem);
  if (!normalised) return std::nullopt;
  WipeOnExit wipe(*normalised);
  std::string message;
  message.reserve(normalised->size() + 512);
  message += "From: " + from + "\r\n";
  message += "To: " + to + "\r\n";
  message += "Subject: " + encode_subject(subject) + "\r\n";
  message += "Date: " + rfc5322_date(date) + "\r\n";
  message += "Message-ID: " + message_id(from) + "\r\n";
  message += "MIME-Version: 1.0\r\n";
  message += "Content-Type: text/plain; charset=utf-8\r\n";
  message += "Content-Transfer-Encoding: 8bit\r\n";
  message += "Auto-Submitted: auto-generated\r\n";
  message += "\r\n";
  message += *normalised;
  return message;
}

DeliveryResult send_mail(const MailConfig& config, const std::string& to, const std::string& subject,
                         const std::string& body) {
  const std::string masked_to = mask_email(to);
  if (!ensure_curl_initialised()) return fail(masked_to, "libcurl could not be initialised");

  const UrlParts url = parse_url(config.smtp_url);
  if (!url.ok || (url.scheme != "smtp" && url.scheme != "smtps"))
    return fail(masked_to, "smtp_url must be an smtp:// or smtps:// URL");
  if (url.has_credentials) return fail(masked_to, "smtp_url must not contain credentials (use username/password_file)");
  if (config.timeout_seconds < 1 || config.timeout_seconds > 120)
    return fail(masked_to, "timeout_seconds must be 1-120");
  const bool tls = config.require_starttls || url.scheme == "smtps";
  if (!config.username.empty() && !tls)
    return fail(masked_to, "refusing to send the SMTP password without TLS (require_starttls = no with smtp://)");
  if (!config.username.empty() && (config.password_file.empty() || has_control(config.username)))
    return fail(masked_to, "SMTP authentication needs a username without control characters and a password_file");

  std::string problem;
  std::optional<std::string> message = build_mail_message(config.from, to, subject, body, std::time(nullptr), problem);
  if (!message) return fail(masked_to, problem);
  WipeOnExit wipe_message(*message);

  std::optional<Secret> password;
  if (!config.username.empty()) {
    // Read at each send, so a rotated password needs no restart.
    password = read_credential_file(config.password_file, problem);
    if (!password) return fail(masked_to, "the password file " + problem);
  }

  CurlPtr curl(curl_easy_init());
  CurlSlistPtr recipients;
  if (!curl || !slist_append(recipients, "<" + to + ">")) return fail(masked_to, "out of memory");
  Upload upload{*message};
  CurlTransfer transfer(curl.get(), config.smtp_url, "smtp,smtps", static_cast<long>(config.timeout_seconds),
                        config.ca_file);
  transfer.set(CURLOPT_USE_SSL,
               config.require_starttls ? static_cast<long>(CURLUSESSL_ALL) : static_cast<long>(CURLUSESSL_NONE));
  if (password) {
    transfer.set(CURLOPT_USERNAME, config.username.c_str());
    transfer.set(CURLOPT_PASSWORD, password->c_str());
  }
  const std::string mail_from = "<" + config.from + ">";
  transfer.set(CURLOPT_MAIL_FROM, mail_from.c_str());
  transfer.set(CURLOPT_MAIL_RCPT, recipients.get());
  transfer.set(CURLOPT_UPLOAD, 1L);
  transfer.set(CURLOPT_READFUNCTION, read_upload);
  transfer.set(CURLOPT_READDATA, &upload);
  if (transfer.result() != CURLE_OK) return fail(masked_to, "cannot configure libcurl: " + transfer.error_text());
  if (transfer.perform() != CURLE_OK) return fail(masked_to, transfer.error_text());
  log_info("mail to %s sent", masked_to.c_str());
  return {true, {}};
}

}  // namespace sspr::daemon::delivery
