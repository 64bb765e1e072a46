// E-mail delivery over SMTP with libcurl. Synchronous: call it on a DeliveryQueue worker,
// never on the event loop thread.
//
// Header injection is impossible by construction: sender and recipient must pass
// valid_email_address(), the subject may not contain control characters (CR/LF included),
// and the body's line breaks are all rewritten to CRLF inside the message we build, so no
// caller-supplied text can start a header or end the DATA phase (curl dot-stuffs lines).
// Logs name only the masked recipient and curl's error text: never bodies or passwords.
#pragma once

#include "delivery/result.hpp"

#include <ctime>
#include <optional>
#include <string>

namespace sspr::daemon::delivery {

struct MailConfig {
  std::string smtp_url = "smtp://localhost:25";  // smtp:// (STARTTLS) or smtps:// (implicit TLS)
  std::string from;
  // true: STARTTLS is mandatory (CURLUSESSL_ALL) and the certificate is verified. false sends
  // smtp:// in clear (an explicit opt-in); smtps:// is always TLS with verification.
  bool require_starttls = true;
  std::string ca_file;        // CA bundle; empty: the system's
  std::string username;       // empty: no SMTP AUTH
  std::string password_file;  // required with a username; owned by our uid (root), no group/other access
  unsigned timeout_seconds = 10;  // whole transfer, connection included; 1-120
};

inline constexpr std::size_t kMaxSubjectBytes = 256;
inline constexpr std::size_t kMaxBodyBytes = 64 * 1024;

DeliveryResult send_mail(const MailConfig& config, const std::string& to, const std::string& subject,
                         const std::string& body);

// The RFC 5322 message send_mail() transmits (exposed for tests): From, To, Subject (RFC 2047
// B-encoded when not ASCII), Date (`date`, UTC), Message-ID, MIME-Version, Content-Type
// text/plain; charset=utf-8, Content-Transfer-Encoding 8bit; CRLF line endings throughout.
// nullopt (with `problem`) if an address, the subject or the body is refused.
std::optional<std::string> build_mail_message(const std::string& from, const std::string& to,
                                              const std::string& subject, const std::string& body, std::time_t date,
                                              std::string& problem);

}  // namespace sspr::daemon::delivery
