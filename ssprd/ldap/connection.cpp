#include "ldap/connection.hpp"

#include "ldap/bind_password.hpp"
#include "ldap/io_bound.hpp"
#include "ldap/refusal.hpp"
#include "text.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <utility>

namespace sspr::ldap {
namespace {

// A CA bundle larger than this is not what anyone meant as ca_file (Debian's whole store,
// ca-certificates.crt, is about 200 KiB).
constexpr std::size_t kMaxCaFileBytes = 4u << 20;

timeval to_timeval(std::chrono::milliseconds ms) {
  return {static_cast<time_t>(ms.count() / 1000), static_cast<suseconds_t>((ms.count() % 1000) * 1000)};
}

int to_ms(std::chrono::milliseconds ms) { return static_cast<int>(ms.count()); }

// libldap's last diagnostic message on the handle (for a failed TLS handshake often the TLS
// library's reason), or "". During a TLS handshake, libldap (with GnuTLS, as on Debian) reports
// a certificate it could not verify with no text of its own, only the placeholder "(unknown
// error code)": that case is named here, with what the admin can check.
std::string handle_message(LDAP* ld, bool during_tls, const LdapSettings& s) {
  char* raw = nullptr;
  if (ldap_get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &raw) != LDAP_OPT_SUCCESS || raw == nullptr) return {};
  LdapStringPtr owner(raw);
  const std::string message = raw;
  if (message != "(unknown error code)") return message;
  if (!during_tls) return {};
  return "the server's certificate was not accepted: it is not signed by a CA in " +
         (s.ca_file.empty() ? std::string("the system's trust store") : "ca_file " + s.ca_file) +
         ", or it has expired or been revoked";
}

// Every option on this handle only. nullopt when all are set, else which one failed: each
// is checked, because an option silently not set could be a downgrade.
std::optional<std::string> configure(LDAP* ld, const LdapSettings& s) {
  const int version = LDAP_VERSION3;
  if (ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &version) != LDAP_OPT_SUCCESS) return "protocol version 3";
  if (ldap_set_option(ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF) != LDAP_OPT_SUCCESS) return "no referrals";
  const timeval network = to_timeval(s.network_timeout);
  const timeval operation = to_timeval(s.operation_timeout);
  if (ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &network) != LDAP_OPT_SUCCESS) return "network timeout";
  // Bounds the synchronous calls libldap makes for us (StartTLS); our own requests wait
  // through Connection::wait() with the same bound.
  if (ldap_set_option(ld, LDAP_OPT_TIMEOUT, &operation) != LDAP_OPT_SUCCESS) return "operation timeout";
  if (s.tls == TlsMode::none) return std::nullopt;
  const int demand = LDAP_OPT_X_TLS_DEMAND;
  if (ldap_set_option(ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &demand) != LDAP_OPT_SUCCESS) return "TLS certificate check";
  const int tls12 = LDAP_OPT_X_TLS_PROTOCOL_TLS1_2;
  if (ldap_set_option(ld, LDAP_OPT_X_TLS_PROTOCOL_MIN, &tls12) != LDAP_OPT_SUCCESS) return "TLS 1.2 minimum";
  if (!s.ca_file.empty() && ldap_set_option(ld, LDAP_OPT_X_TLS_CACERTFILE, s.ca_file.c_str()) != LDAP_OPT_SUCCESS)
    return "ca_file";
  // The options above apply only once the handle has its own TLS context; building it also
  // loads ca_file, so a missing or unreadable file fails here.
  const int client = 0;
  if (ldap_set_option(ld, LDAP_OPT_X_TLS_NEWCTX, &client) != LDAP_OPT_SUCCESS)
    return "a TLS context (is ca_file " + escape_untrusted(s.ca_file) + " a readable PEM file?)";
  return std::nullopt;
}

void append(std::string& log, const std::string& line) {
  if (!log.empty()) log += "; ";
  log += line;
}

}  // namespace

Connection::Connection(std::unique_ptr<IoBound> io_bound, LdapPtr ld, std::string uri,
                       timeval operation_timeout) noexcept
    : io_bound_(std::move(io_bound)), ld_(std::move(ld)), uri_(std::move(uri)), operation_timeout_(operation_timeout) {}

Connection::Connection(Connection&&) noexcept = default;
Connection::~Connection() = default;

Result<Connection> Connection::open(const LdapSettings& settings, const Binder& bind, Diagnostic& diag) {
  diag = {};
  if (auto problem = check_settings(settings)) {
    diag.log_text = "LDAP settings: " + *problem;
    return ErrorCode::Internal;
  }
  std::string failures;
  for (const auto& uri : settings.uris) {
    LDAP* raw = nullptr;
    const int initialised = ldap_initialize(&raw, uri.c_str());
    LdapPtr ld(raw);
    if (initialised != LDAP_SUCCESS || !ld) {
      diag.log_text = escape_untrusted(uri) + ": not a usable LDAP URI: " + ldap_err2string(initialised);
      return ErrorCode::Internal;
    }
    auto io_bound = std::make_unique<IoBound>();
    io_bound->timeout_ms = to_ms(settings.network_timeout);
    std::optional<std::string> failed = configure(ld.get(), settings);
    if (!failed && !install_io_bound(ld.get(), *io_bound)) failed = "the I/O time bound";
    if (failed) {
      diag.log_text = escape_untrusted(uri) + ": cannot set " + *failed;
      return ErrorCode::Internal;
    }
    IoBound& io_limit = *io_bound;
    Connection connection(std::move(io_bound), std::move(ld), uri, to_timeval(settings.operation_timeout));
    // Connect now (and, for ldaps://, do the TLS handshake), so a dead server is found here
    // rather than in the first request.
    int rc = ldap_connect(connection.handle());
    std::string_view step = "connect";
    if (rc == LDAP_SUCCESS && settings.tls == TlsMode::starttls) {
      step = "StartTLS";
      rc = ldap_start_tls_s(connection.handle(), nullptr, nullptr);
    }
    if (rc != LDAP_SUCCESS) {
      // A server we cannot reach securely is as good as down: try the next one, never the
      // same one without TLS.
      const bool during_tls = step == "StartTLS" || settings.tls == TlsMode::ldaps;
      append(failures, connection.describe(step, rc, handle_message(connection.handle(), during_tls, settings)));
      continue;
    }
    // Connected and secured: from now on one read or write may take as long as a request.
    io_limit.timeout_ms = to_ms(settings.operation_timeout);
    Diagnostic bind_diag;
    auto bound = bind(connection, bind_diag);
    if (bound) return connection;
    if (bound.error() != ErrorCode::BackendUnavailable) {
      diag = std::move(bind_diag);
      return bound.error();
    }
    append(failures, bind_diag.log_text);
  }
  diag.log_text = "no LDAP server reachable: " + failures;
  return ErrorCode::BackendUnavailable;
}

int Connection::wait(int msgid, LdapMessagePtr& message) {
  timeval timeout = operation_timeout_;
  LDAPMessage* raw = nullptr;
  const int got = ldap_result(ld_.get(), msgid, LDAP_MSG_ALL, &timeout, &raw);
  message.reset(raw);
  if (got == 0) {
    // Tell the server we no longer care; the connection is dropped with this object anyway.
    ldap_abandon_ext(ld_.get(), msgid, nullptr, nullptr);
    return LDAP_TIMEOUT;
  }
  if (got < 0) {
    int code = LDAP_OTHER;
    ldap_get_option(ld_.get(), LDAP_OPT_RESULT_CODE, &code);
    return code == LDAP_SUCCESS ? LDAP_OTHER : code;
  }
  return LDAP_SUCCESS;
}

int Connection::simple_bind(const std::string& dn, const Secret& password, LDAPControl** controls,
                            ControlsPtr& response_controls, std::string& server_text) {
  // An empty password would make this an unauthenticated bind, which LDAP servers answer
  // with success (RFC 4513 §5.1.2): never let it through as proof of anything.
  if (password.empty()) return LDAP_INVALID_CREDENTIALS;
  berval credentials{static_cast<ber_len_t>(password.size()), const_cast<char*>(password.c_str())};
  int msgid = -1;
  int rc = ldap_sasl_bind(ld_.get(), dn.c_str(), LDAP_SASL_SIMPLE, &credentials, controls, nullptr, &msgid);
  if (rc != LDAP_SUCCESS) return rc;
  LdapMessagePtr message;
  rc = wait(msgid, message);
  if (rc != LDAP_SUCCESS) return rc;
  int result = LDAP_OTHER;
  char* text = nullptr;
  LDAPControl** returned = nullptr;
  rc = ldap_parse_result(ld_.get(), message.get(), &result, nullptr, &text, nullptr, &returned, 0);
  LdapStringPtr text_owner(text);
  response_controls.reset(returned);
  if (rc != LDAP_SUCCESS) return rc;
  server_text = text != nullptr ? text : "";
  return result;
}

std::string Connection::describe(std::string_view what, int ldap_result, std::string_view server_text) const {
  std::string line = escape_untrusted(uri_) + ": " + std::string(what) + ": " + ldap_err2string(ldap_result);
  if (!server_text.empty()) line += " (" + escape_untrusted(server_text) + ")";
  return line;
}

std::vector<std::string> check_files(const LdapSettings& settings) {
  std::vector<std::string> problems;
  std::string problem;
  if (!read_bind_password(settings.bind_password_file, problem)) problems.push_back(problem);
  if (settings.tls != TlsMode::none && !settings.ca_file.empty()) {
    const std::string name = "ca_file " + escape_untrusted(settings.ca_file);
    std::ifstream in(settings.ca_file);
    std::string head(kMaxCaFileBytes, '\0');
    if (!in) {
      problems.push_back(name + ": " + std::strerror(errno));
    } else {
      in.read(head.data(), static_cast<std::streamsize>(head.size()));
      head.resize(static_cast<std::size_t>(in.gcount()));
      // The same TLS context a connection builds (it loads ca_file); libldap accepts a file
      // without any certificate, which then fails every handshake, so that is checked too.
      LDAP* raw = nullptr;
      const int initialised = ldap_initialize(&raw, "ldap://localhost");
      LdapPtr ld(raw);
      if (head.find("-----BEGIN CERTIFICATE-----") == std::string::npos || initialised != LDAP_SUCCESS || !ld ||
          configure(ld.get(), settings))
        problems.push_back(name + ": not a readable PEM file of CA certificates");
    }
  }
  return problems;
}

Result<Done> bind_service(Connection& connection, const LdapSettings& settings, Diagnostic& diag) {
  std::string problem;
  const std::optional<Secret> password = read_bind_password(settings.bind_password_file, problem);
  if (!password) {
    diag.log_text = problem;
    return ErrorCode::Internal;
  }
  ControlsPtr ignored;
  std::string server_text;
  const int rc = connection.simple_bind(settings.bind_dn, *password, nullptr, ignored, server_text);
  if (rc == LDAP_SUCCESS) return Done{};
  diag.log_text =
      connection.describe("bind as the service account " + escape_untrusted(settings.bind_dn), rc, server_text);
  return is_unreachable(rc) ? ErrorCode::BackendUnavailable : ErrorCode::Internal;
}

}  // namespace sspr::ldap
