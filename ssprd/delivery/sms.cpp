#include "delivery/sms.hpp"

#include "delivery/addresses.hpp"
#include "delivery/curl_util.hpp"
#include "delivery/templates.hpp"
#include "log.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>

namespace sspr::daemon::delivery {
namespace {

bool is_token_char(char c) noexcept {
  if (std::isalnum(static_cast<unsigned char>(c))) return true;
  return std::strchr("!#$%&'*+-.^_`|~", c) != nullptr && c != '\0';
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// RFC 9110 field: token ":" value, the value without control characters other than tab.
bool valid_header(std::string_view header, std::string& problem) {
  const std::size_t colon = header.find(':');
  const std::string_view name = header.substr(0, colon);
  if (colon == std::string_view::npos || name.empty() || !std::all_of(name.begin(), name.end(), is_token_char)) {
    problem = "webhook header is not \"Name: value\"";
    return false;
  }
  for (char ch : header.substr(colon + 1)) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c < 0x20 && c != '\t') || c == 0x7f) {
      problem = "webhook header contains a control character";
      return false;
    }
  }
  const std::string n = lower(name);
  if (n == "host" || n == "content-length" || n == "transfer-encoding") {
    problem = "webhook header " + std::string(name) + " may not be set";
    return false;
  }
  return true;
}

DeliveryResult fail(const std::string& masked_number, std::string error) {
  log_warning("SMS to %s not sent: %s", masked_number.c_str(), error.c_str());
  return {false, std::move(error)};
}

size_t discard_response(char*, size_t size, size_t count, void*) noexcept { return size * count; }

}  // namespace

std::optional<std::string> build_sms_body(const SmsConfig& config, const std::string& number,
                                          const std::string& message, std::string& problem) {
  if (!valid_e164_number(number)) return problem = "invalid phone number", std::nullopt;
  if (message.empty() || message.size() > kMaxSmsBytes || !valid_utf8(message))
    return problem = "invalid message (empty, too long or not UTF-8)", std::nullopt;
  std::map<std::string, std::string> values = {{"to", json_escape(number)}, {"message", json_escape(message)}};
  auto body = render_template(config.body_template, values);
  WipeOnExit wipe(values["message"]);
  if (!body) return problem = "body_template uses a placeholder other than {to} and {message}", std::nullopt;
  return body;
}

DeliveryResult send_sms(const SmsConfig& config, const std::string& number, const std::string& message) {
  const std::string masked_number = mask_phone(number);
  if (!ensure_curl_initialised()) return fail(masked_number, "libcurl could not be initialised");

  const UrlParts url = parse_url(config.webhook_url);
  const bool loopback = url.host == "127.0.0.1" || url.host == "[::1]" || url.host == "localhost";
  if (!url.ok || !(url.scheme == "https" || (url.scheme == "http" && loopback)))
    return fail(masked_number, "webhook_url must be https:// (http:// only to 127.0.0.1, [::1] or localhost)");
  if (url.has_credentials) return fail(masked_number, "webhook_url must not contain credentials (use a header)");
  if (config.timeout_seconds < 1 || config.timeout_seconds > 120)
    return fail(masked_number, "timeout_seconds must be 1-120");

  std::string problem;
  CurlSlistPtr headers;
  for (const auto& header : config.headers)
    if (!valid_header(header, problem)) return fail(masked_number, problem);
  std::optional<std::string> body = build_sms_body(config, number, message, problem);
  if (!body) return fail(masked_number, problem);
  WipeOnExit wipe_body(*body);

  CurlPtr curl(curl_easy_init());
  // "Expect:" stops curl from waiting for a 100-continue the gateway may never send.
  bool ok = curl && slist_append(headers, "Content-Type: application/json") && slist_append(headers, "Expect:");
  for (const auto& header : config.headers) ok = ok && slist_append(headers, header);
  if (!ok) return fail(masked_number, "out of memory");

  CurlTransfer transfer(curl.get(), config.webhook_url, url.scheme == "https" ? "https" : "http",
                        static_cast<long>(config.timeout_seconds), config.ca_file);
  transfer.set(CURLOPT_FOLLOWLOCATION, 0L);
  transfer.set(CURLOPT_USERAGENT, "sspr");
  transfer.set(CURLOPT_HTTPHEADER, headers.get());
  transfer.set(CURLOPT_POST, 1L);
  transfer.set(CURLOPT_POSTFIELDS, body->c_str());  // not copied by curl: *body outlives the transfer
  transfer.set(CURLOPT_POSTFIELDSIZE, static_cast<long>(body->size()));
  transfer.set(CURLOPT_WRITEFUNCTION, discard_response);
  if (transfer.result() != CURLE_OK) return fail(masked_number, "cannot configure libcurl: " + transfer.error_text());
  if (transfer.perform() != CURLE_OK) return fail(masked_number, transfer.error_text());
  long status = 0;
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &status);
  if (status < 200 || status >= 300) return fail(masked_number, "HTTP " + std::to_string(status));
  log_info("SMS to %s handed to the gateway", masked_number.c_str());
  return {true, {}};
}

}  // namespace sspr::daemon::delivery
