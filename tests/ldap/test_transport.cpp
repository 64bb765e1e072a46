// How sspr_ldap reaches the directory: StartTLS and LDAPS with the certificate verified,
// clear text only with an explicit opt-in, failover in the configured order, and bounded
// failures when a server is down, hangs or shows a certificate from the wrong CA (never a
// retry without TLS). Each check that a call failed also checks that nothing was changed.
#include "ldap_test_support.hpp"

#include "delivery_support.hpp"
#include "process.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

using namespace sspr;
using namespace sspr::ldap;
using namespace ldap_test;
using Clock = std::chrono::steady_clock;

namespace {

constexpr auto kBound = 1000ms;
constexpr auto kSlack = 1500ms;  // scheduling on a busy 2-core machine, ASan

// A loopback port nothing listens on (bound, then released).
int dead_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  assert_int_equal(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  assert_int_equal(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  ::close(fd);
  return ntohs(addr.sin_port);
}

// Answers the first request (StartTLS) with success, then never says another word: the TLS
// handshake that follows must be bounded as well.
class SilentAfterStartTls {
 public:
  SilentAfterStartTls() {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    assert_int_equal(::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    assert_int_equal(::listen(listener_, 4), 0);
    assert_int_equal(::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len), 0);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~SilentAfterStartTls() {
    ::shutdown(listener_, SHUT_RDWR);  // ends a pending accept()
    thread_.join();
    ::close(listener_);
  }
  SilentAfterStartTls(const SilentAfterStartTls&) = delete;
  SilentAfterStartTls& operator=(const SilentAfterStartTls&) = delete;
  int port() const { return port_; }

 private:
  void serve() {
    const int c = ::accept(listener_, nullptr, nullptr);
    if (c < 0) return;
    unsigned char request[512];
    const ssize_t n = ::read(c, request, sizeof request);
    // LDAPMessage ::= SEQUENCE { messageID INTEGER, ... }: short-form lengths for a request
    // this small, so the one-byte message ID is at offset 4.
    const unsigned char id = n > 4 && request[2] == 0x02 && request[3] == 0x01 ? request[4] : 1;
    // ExtendedResponse { resultCode success, matchedDN "", diagnosticMessage "" }
    const unsigned char reply[] = {0x30, 0x0c, 0x02, 0x01, id, 0x78, 0x07, 0x0a, 0x01, 0x00, 0x04, 0x00, 0x04, 0x00};
    if (::write(c, reply, sizeof reply) == static_cast<ssize_t>(sizeof reply)) {
      char ignored;
      while (::read(c, &ignored, 1) > 0) {  // the ClientHello, unanswered; 0 once the client gives up
      }
    }
    ::close(c);
  }

  int listener_ = -1;
  int port_ = 0;
  std::thread thread_;
};

LdapSettings bounded(LdapSettings s) {
  s.network_timeout = kBound;
  s.operation_timeout = kBound;
  return s;
}

// Runs a reset of lena and returns how long it took; `code` is its error.
std::chrono::milliseconds timed_reset(const LdapSettings& settings, ErrorCode code, Diagnostic& diag) {
  const auto start = Clock::now();
  const auto r = reset_password(settings, "lena", Secret("Never-Set-1"), diag);
  const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
  expect_code(r, code, diag);
  std::fprintf(stderr, "%s after %lld ms: %s\n", name_of(code), static_cast<long long>(elapsed.count()),
               diag.log_text.c_str());
  return elapsed;
}

}  // namespace

static void test_starttls_ldaps_and_ldapi(void**) {
  SlapdInstance slapd;
  Diagnostic diag;
  expect_ok(reset_password(settings_for(slapd), "lena", Secret("Over-StartTLS-1"), diag), diag);
  assert_true(binds(slapd, "lena", "Over-StartTLS-1"));

  LdapSettings ldaps = settings_for(slapd);
  ldaps.tls = TlsMode::ldaps;
  ldaps.uris = {slapd.ldaps_uri()};
  expect_ok(reset_password(ldaps, "lena", Secret("Over-LDAPS-1"), diag), diag);
  assert_true(binds(slapd, "lena", "Over-LDAPS-1"));

  // A local socket, in clear, with the explicit opt-in.
  LdapSettings ldapi = settings_for(slapd);
  ldapi.tls = TlsMode::none;
  ldapi.allow_plain = true;
  ldapi.uris = {slapd.ldapi_uri()};
  expect_ok(reset_password(ldapi, "lena", Secret("Over-LDAPI-1"), diag), diag);
  assert_true(binds(slapd, "lena", "Over-LDAPI-1"));
}

static void test_clear_text_needs_allow_plain(void**) {
  SlapdInstance slapd;
  LdapSettings plain = settings_for(slapd);
  plain.tls = TlsMode::none;
  Diagnostic diag;
  expect_code(reset_password(plain, "lena", Secret("In-Clear-1"), diag), ErrorCode::Internal, diag);
  assert_str(diag.log_text, "LDAP settings: tls = none sends passwords in clear text: it also needs allow_plain = yes");
  assert_true(binds(slapd, "lena", password_of("lena")));

  plain.allow_plain = true;
  expect_ok(reset_password(plain, "lena", Secret("In-Clear-1"), diag), diag);
  assert_true(binds(slapd, "lena", "In-Clear-1"));
}

static void test_wrong_ca_is_never_bypassed(void**) {
  SlapdInstance slapd;
  LdapSettings starttls = bounded(settings_for(slapd));
  starttls.ca_file = slapd.wrong_ca_file();
  Diagnostic diag;
  assert_true(timed_reset(starttls, ErrorCode::BackendUnavailable, diag) < kBound + kSlack);
  // Said in words an admin can act on (libldap itself says only "Connect error").
  assert_str(diag.log_text, "no LDAP server reachable: " + slapd.ldap_uri() +
                                ": StartTLS: Connect error (the server's certificate was not accepted: it is not "
                                "signed by a CA in ca_file " + starttls.ca_file + ", or it has expired or been revoked)");

  LdapSettings ldaps = starttls;
  ldaps.tls = TlsMode::ldaps;
  ldaps.uris = {slapd.ldaps_uri()};
  assert_true(timed_reset(ldaps, ErrorCode::BackendUnavailable, diag) < kBound + kSlack);
  assert_str(diag.log_text, "no LDAP server reachable: " + slapd.ldaps_uri() +
                                ": connect: Can't contact LDAP server (the server's certificate was not accepted: it "
                                "is not signed by a CA in ca_file " + ldaps.ca_file + ", or it has expired or been revoked)");
  // A server that is not there is not blamed on its certificate.
  LdapSettings ldaps_down = ldaps;
  ldaps_down.uris = {"ldaps://127.0.0.1:" + std::to_string(dead_port())};
  assert_true(timed_reset(ldaps_down, ErrorCode::BackendUnavailable, diag) < kBound + kSlack);
  assert_str(diag.log_text, "no LDAP server reachable: " + ldaps_down.uris[0] + ": connect: Can't contact LDAP server");

  // Not a word went to the server in clear: the password is the seeded one.
  assert_true(binds(slapd, "lena", password_of("lena")));

  LdapSettings missing = settings_for(slapd);
  missing.ca_file = slapd.dir() + "/no-such-ca.crt";
  expect_code(reset_password(missing, "lena", Secret("Never-Set-1"), diag), ErrorCode::Internal, diag);
  assert_str(diag.log_text, slapd.ldap_uri() + ": cannot set a TLS context (is ca_file " + missing.ca_file +
                                " a readable PEM file?)");
}

static void test_directory_down(void**) {
  SlapdInstance slapd;
  LdapSettings down = bounded(settings_for(slapd));
  down.uris = {"ldap://127.0.0.1:" + std::to_string(dead_port())};
  Diagnostic diag;
  // Refused at once.
  assert_true(timed_reset(down, ErrorCode::BackendUnavailable, diag) < kBound);
  assert_str(diag.log_text, "no LDAP server reachable: " + down.uris[0] + ": connect: Can't contact LDAP server");

  // The real server, stopped: the same answer, for every call.
  LdapSettings stopped = bounded(settings_for(slapd));
  slapd.stop();
  assert_true(timed_reset(stopped, ErrorCode::BackendUnavailable, diag) < kBound);
  expect_code(change_password(stopped, "lena", Secret(password_of("lena")), Secret("Never-Set-1"), diag),
              ErrorCode::BackendUnavailable, diag);
  expect_code(read_registration(stopped, "lena", diag), ErrorCode::BackendUnavailable, diag);
  expect_code(write_registration(stopped, "lena", "{}", std::nullopt, diag), ErrorCode::BackendUnavailable, diag);
  expect_code(read_contacts(stopped, "lena", diag), ErrorCode::BackendUnavailable, diag);
}

static void test_hung_server_is_bounded(void**) {
  SlapdInstance slapd;
  // Accepts connections (the kernel does), never says a word.
  sspr::test::delivery::SilentListener silent;
  assert_true(silent.port() > 0);
  Diagnostic diag;

  LdapSettings starttls = bounded(settings_for(slapd));
  starttls.uris = {"ldap://127.0.0.1:" + std::to_string(silent.port())};
  auto elapsed = timed_reset(starttls, ErrorCode::BackendUnavailable, diag);
  assert_true(elapsed >= kBound);
  assert_true(elapsed < kBound + kSlack);
  expect_contains(diag.log_text, starttls.uris[0] + ": StartTLS: ");

  LdapSettings ldaps = starttls;
  ldaps.tls = TlsMode::ldaps;
  ldaps.uris = {"ldaps://127.0.0.1:" + std::to_string(silent.port())};
  elapsed = timed_reset(ldaps, ErrorCode::BackendUnavailable, diag);
  assert_true(elapsed >= kBound);
  assert_true(elapsed < kBound + kSlack);

  // In clear (opt-in), the bind is what waits: the operation timeout bounds it.
  LdapSettings plain = starttls;
  plain.tls = TlsMode::none;
  plain.allow_plain = true;
  elapsed = timed_reset(plain, ErrorCode::BackendUnavailable, diag);
  assert_true(elapsed >= kBound);
  assert_true(elapsed < kBound + kSlack);
  expect_contains(diag.log_text, "bind as the service account");
}

static void test_silent_after_starttls_is_bounded(void**) {
  SilentAfterStartTls server;
  LdapSettings settings;
  settings.uris = {"ldap://127.0.0.1:" + std::to_string(server.port())};
  settings.base_dn = "ou=people,dc=example,dc=org";
  settings.bind_dn = "cn=sspr-service,ou=services,dc=example,dc=org";
  settings.bind_password_file = "/nonexistent";  // never reached
  Diagnostic diag;
  const auto elapsed = timed_reset(bounded(settings), ErrorCode::BackendUnavailable, diag);
  assert_true(elapsed >= kBound);
  assert_true(elapsed < kBound + kSlack);
  // GnuTLS's words for "the layer below failed the read" (our ETIMEDOUT).
  assert_str(diag.log_text,
             "no LDAP server reachable: " + settings.uris[0] +
                 ": StartTLS: Connect error (Error in the pull function.)");
}

static void test_failover_in_order(void**) {
  SlapdInstance slapd;
  sspr::test::delivery::SilentListener silent;
  Diagnostic diag;

  LdapSettings settings = bounded(settings_for(slapd));
  settings.uris = {"ldap://127.0.0.1:" + std::to_string(dead_port()), slapd.ldap_uri()};
  expect_ok(reset_password(settings, "lena", Secret("Failed-Over-1"), diag), diag);
  assert_true(binds(slapd, "lena", "Failed-Over-1"));

  // A hung first server costs one timeout, then the second answers.
  settings.uris = {"ldap://127.0.0.1:" + std::to_string(silent.port()), slapd.ldap_uri()};
  const auto start = Clock::now();
  expect_ok(change_password(settings, "lena", Secret("Failed-Over-1"), Secret("Failed-Over-2"), diag), diag);
  assert_true(Clock::now() - start < kBound + kSlack);
  assert_true(binds(slapd, "lena", "Failed-Over-2"));

  LdapSettings ldaps = bounded(settings_for(slapd));
  ldaps.tls = TlsMode::ldaps;
  ldaps.uris = {"ldaps://127.0.0.1:" + std::to_string(dead_port()), slapd.ldaps_uri()};
  expect_ok(reset_password(ldaps, "lena", Secret("Failed-Over-3"), diag), diag);
  assert_true(binds(slapd, "lena", "Failed-Over-3"));

  // Every server down: each is named in the log, in order.
  settings.uris = {"ldap://127.0.0.1:" + std::to_string(dead_port()),
                   "ldap://127.0.0.1:" + std::to_string(dead_port())};
  expect_code(reset_password(settings, "lena", Secret("Never-Set-1"), diag), ErrorCode::BackendUnavailable, diag);
  assert_str(diag.log_text, "no LDAP server reachable: " + settings.uris[0] + ": connect: Can't contact LDAP server; " +
                                settings.uris[1] + ": connect: Can't contact LDAP server");
}

static void test_service_account_problems(void**) {
  SlapdInstance slapd;
  const auto settings = settings_for(slapd);
  Diagnostic diag;
  assert_int_equal(::chmod(slapd.service_password_file().c_str(), 0640), 0);
  expect_code(reset_password(settings, "lena", Secret("Never-Set-1"), diag), ErrorCode::Internal, diag);
  assert_str(diag.log_text, "bind_password_file " + slapd.service_password_file() +
                                ": must be owned by root and have no group or other permissions (chmod 0600)");

  sspr::test::write_file(slapd.service_password_file(), "not-the-password\n", 0600);
  expect_code(reset_password(settings, "lena", Secret("Never-Set-1"), diag), ErrorCode::Internal, diag);
  assert_str(diag.log_text, slapd.ldap_uri() + ": bind as the service account " +
                                std::string(SlapdInstance::kServiceDn) +
                                ": Invalid credentials");
  assert_true(binds(slapd, "lena", password_of("lena")));
}

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_starttls_ldaps_and_ldapi),
      cmocka_unit_test(test_clear_text_needs_allow_plain),
      cmocka_unit_test(test_wrong_ca_is_never_bypassed),
      cmocka_unit_test(test_directory_down),
      cmocka_unit_test(test_hung_server_is_bounded),
      cmocka_unit_test(test_silent_after_starttls_is_bounded),
      cmocka_unit_test(test_failover_in_order),
      cmocka_unit_test(test_service_account_problems),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
