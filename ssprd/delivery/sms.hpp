// SMS delivery through an HTTPS webhook (an SMS gateway's API) with libcurl: one POST with a
// JSON body built from body_template. Synchronous: call it on a DeliveryQueue worker.
//
// URL policy: https:// always, with the peer certificate and host name verified. Plain
// http:// is accepted only when the host is exactly 127.0.0.1, [::1] or localhost, i.e. a
// relay on this machine, where TLS protects nothing the kernel does not (and tests use it).
// URLs with credentials are refused (they would sit in sspr.conf and in error texts).
// No redirects are followed; any status outside 200-299 is a failure reported as "HTTP <n>".
// The message (it may hold a code) is never logged; logs name only the masked number.
#pragma once

#include "delivery/result.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace sspr::daemon::delivery {

struct SmsConfig {
  std::string webhook_url;
  // "Name: value" each; no control characters; Host, Content-Length and Transfer-Encoding are
  // refused because they would change how the request is framed or routed.
  std::vector<std::string> headers;
  // {to} and {message} are replaced by the JSON-escaped number and message.
  std::string body_template = R"({"to":"{to}","message":"{message}"})";
  std::string ca_file;  // CA bundle; empty: the system's
  unsigned timeout_seconds = 10;  // whole request, connection included; 1-120
};

inline constexpr std::size_t kMaxSmsBytes = 1600;  // ten concatenated segments

DeliveryResult send_sms(const SmsConfig& config, const std::string& number, const std::string& message);

// The request body send_sms() posts (exposed for tests); nullopt (with `problem`) if the
// number or message is refused or the template uses a placeholder other than {to}/{message}.
std::optional<std::string> build_sms_body(const SmsConfig& config, const std::string& number,
                                          const std::string& message, std::string& problem);

}  // namespace sspr::daemon::delivery
