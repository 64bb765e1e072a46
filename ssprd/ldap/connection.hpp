// One connection to the directory: the first of settings.uris that can be reached, with TLS
// as configured and verified, bound as the caller asks. Synchronous: every wait is bounded by
// settings.network_timeout (connect, TLS handshake) or settings.operation_timeout (each
// request), so the daemon runs it on a worker thread, never on its event loop.
//
// Every read and write on the socket waits at most network_timeout while connecting and
// during the TLS handshake, and operation_timeout after (io_bound.hpp says why libldap's own
// timeouts are not enough).
//
// All options are set on the handle (libldap's per-handle options, and a TLS context made
// for this handle by LDAP_OPT_X_TLS_NEWCTX), never globally: nothing in the process, nor
// /etc/ldap/ldap.conf's TLS_REQCERT, can weaken a connection made here. Referrals are not
// chased: a referral would send our bind to a server nobody configured.
#pragma once

#include "ldap/diagnostic.hpp"
#include "ldap/handles.hpp"
#include "ldap/ldap_settings.hpp"
#include "result.hpp"
#include "secret.hpp"

#include <functional>
#include <memory>
#include <string>
#include <vector>
#include <string_view>
#include <sys/time.h>

namespace sspr::ldap {

class Connection;
struct IoBound;  // io_bound.hpp

// Authenticates a fresh connection. Returning BackendUnavailable means "this server did not
// answer": open() then tries the next URI. Any other failure is final.
using Binder = std::function<Result<Done>(Connection&, Diagnostic&)>;

class Connection {
 public:
  // For each URI in order: connect, StartTLS (tls = starttls; ldaps:// does TLS on connect),
  // then `bind`. Moves on only when the server is unreachable (is_unreachable(): refused,
  // timed out, TLS or certificate failure); never retries without TLS. Settings that fail
  // check_settings() give Internal. When every URI fails, the last failure is returned and
  // `diag.log_text` names each server and why.
  static Result<Connection> open(const LdapSettings& settings, const Binder& bind, Diagnostic& diag);

  Connection(Connection&&) noexcept;
  // Not assignable: the old handle must be closed before the I/O bound it uses is freed.
  Connection& operator=(Connection&&) = delete;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();  // the LdapPtr unbinds

  LDAP* handle() const noexcept { return ld_.get(); }
  const std::string& uri() const noexcept { return uri_; }
  timeval operation_timeout() const noexcept { return operation_timeout_; }

  // Waits for the complete result of request `msgid` within the operation timeout. On a
  // timeout the request is abandoned and LDAP_TIMEOUT returned; otherwise LDAP_SUCCESS and
  // the message (its own result code still to be parsed) in `message`, or the libldap error.
  int wait(int msgid, LdapMessagePtr& message);

  // A simple bind carrying `controls` (may be null). Returns the LDAP result code; the
  // server's response controls and diagnostic message are handed back for the caller to
  // read. The password is passed by pointer into the Secret: no copy is made here.
  int simple_bind(const std::string& dn, const Secret& password, LDAPControl** controls, ControlsPtr& response_controls,
                  std::string& server_text);

  // "<uri>: <what>: <LDAP result text> (<server's message, escaped>)" for Diagnostic::log_text.
  std::string describe(std::string_view what, int ldap_result, std::string_view server_text = {}) const;

 private:
  Connection(std::unique_ptr<IoBound> io_bound, LdapPtr ld, std::string uri, timeval operation_timeout) noexcept;

  // Declared before ld_ so it outlives the handle, which uses it until freed.
  std::unique_ptr<IoBound> io_bound_;
  LdapPtr ld_;
  std::string uri_;
  timeval operation_timeout_{};
};

// Binds as settings.bind_dn with the password read from settings.bind_password_file
// (read_bind_password(): a bad file is Internal, with the reason in the log text). A refused
// bind is Internal too: the service account's setup is broken, not the user's request.
Result<Done> bind_service(Connection& connection, const LdapSettings& settings, Diagnostic& diag);

// The files the settings name, checked as ssprd will use them: bind_password_file as
// read_bind_password() reads it, ca_file loaded into a TLS context. One line per problem
// ("ca_file /etc/…: No such file or directory"); empty when both are usable. For
// `ssprd --check-config`, which would otherwise say "ok" to a setup that fails at first use.
std::vector<std::string> check_files(const LdapSettings& settings);

}  // namespace sspr::ldap
