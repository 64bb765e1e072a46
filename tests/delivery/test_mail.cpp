// Mail delivery against a real SMTP server (tests/support/smtp_sink.py) on 127.0.0.1 with a
// throwaway CA: STARTTLS with verification, refusals that deliver nothing, plain SMTP only
// by explicit opt-in, SMTP AUTH from a root-only password file, and no injection path.
#include "cmocka.hpp"
#include "delivery/mailer.hpp"
#include "delivery_support.hpp"
#include "process.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace sspr::daemon::delivery;
using sspr::test::delivery::Certificates;
using sspr::test::delivery::Sink;
using sspr::test::delivery::TempDir;
using sspr::test::delivery::read_whole_file;

namespace {

struct World {
  TempDir tmp;
  Certificates certs;
  int sinks = 0;
  std::string new_dir() { return tmp.path + "/sink" + std::to_string(++sinks); }
};
World* world = nullptr;

const char* kCode = "48213907";
const std::string kBody = std::string("Hello alice,\n\nyour one-time code is:\n\n    ") + kCode + "\n\nBye.\n";

std::vector<std::string> tls_args(bool require) {
  std::vector<std::string> a = {"--cert", world->certs.cert, "--key", world->certs.key};
  if (require) a.emplace_back("--require-starttls");
  return a;
}

// Starts a sink, failing the test if it does not come up.
std::unique_ptr<Sink> start_sink(const std::vector<std::string>& args) {
  const std::string dir = world->new_dir();
  auto sink = std::make_unique<Sink>("smtp_sink.py", dir, args, dir + ".log");
  if (sink->port() == 0) fail_msg("%s", sink->error().c_str());
  return sink;
}

MailConfig config_for(const Sink& sink) {
  MailConfig c;
  c.smtp_url = "smtp://127.0.0.1:" + std::to_string(sink.port());
  c.from = "sspr@example.com";
  c.ca_file = world->certs.ca;
  c.timeout_seconds = 10;
  return c;
}

struct Stored {
  std::string envelope;  // the sink's lines, '\n'-separated
  std::string headers;   // as received, CRLF
  std::string body;      // as received, CRLF
};
Stored read_stored(const Sink& sink, const std::string& name) {
  const std::string text = read_whole_file(sink.dir() + "/" + name);
  const std::size_t split = text.find("\n\n");
  const std::size_t end_of_headers = text.find("\r\n\r\n", split + 2);
  assert_true(split != std::string::npos && end_of_headers != std::string::npos);
  return {text.substr(0, split + 1), text.substr(split + 2, end_of_headers + 2 - (split + 2)),
          text.substr(end_of_headers + 4)};
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// Captures what this process writes to stderr (the log) while `f` runs.
template <class F>
std::string capture_log(F f) {
  const std::string path = world->tmp.path + "/stderr." + std::to_string(++world->sinks);
  std::fflush(stderr);
  const int saved = dup(STDERR_FILENO);
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  dup2(fd, STDERR_FILENO);
  close(fd);
  f();
  std::fflush(stderr);
  dup2(saved, STDERR_FILENO);
  close(saved);
  return read_whole_file(path);
}

int setup_world(void**) {
  world = new World;
  std::string error;
  if (!sspr::test::delivery::make_certificates(world->tmp.path, world->certs, error)) {
    std::fprintf(stderr, "%s\n", error.c_str());
    return -1;
  }
  return 0;
}
int teardown_world(void**) {
  delete world;
  return 0;
}

}  // namespace

static void test_message_format(void**) {
  std::string problem;
  // 2025-01-02 03:04:05 UTC, a Thursday.
  const auto m = build_mail_message("sspr@example.com", "alice@example.com", "Your code", "a\nb\rc\r\n.d", 1735787045,
                                    problem);
  assert_true(m.has_value());
  // Message-ID is random: check its shape, then compare the rest exactly.
  const std::size_t id_at = m->find("Message-ID: <");
  assert_true(id_at != std::string::npos);
  const std::string id = m->substr(id_at + 13, 32);
  assert_true(id.find_first_not_of("0123456789abcdef") == std::string::npos);
  std::string without_id = *m;
  without_id.replace(id_at + 13, 32, "ID");
  assert_str(without_id,
             "From: sspr@example.com\r\n"
             "To: alice@example.com\r\n"
             "Subject: Your code\r\n"
             "Date: Thu, 02 Jan 2025 03:04:05 +0000\r\n"
             "Message-ID: <ID.sspr@example.com>\r\n"
             "MIME-Version: 1.0\r\n"
             "Content-Type: text/plain; charset=utf-8\r\n"
             "Content-Transfer-Encoding: 8bit\r\n"
             "Auto-Submitted: auto-generated\r\n"
             "\r\n"
             "a\r\nb\r\nc\r\n.d\r\n");
  // Two messages never share an ID.
  const auto m2 = build_mail_message("sspr@example.com", "alice@example.com", "Your code", "x", 0, problem);
  assert_false(contains(*m2, id));

  // A non-ASCII subject becomes RFC 2047 encoded words, split on character boundaries.
  const auto u = build_mail_message("sspr@example.com", "alice@example.com", "Code f\xc3\xbcr alice", "x", 0, problem);
  assert_true(contains(*u, "Subject: =?UTF-8?B?Q29kZSBmw7xyIGFsaWNl?=\r\n"));
  const auto long_subject = build_mail_message("sspr@example.com", "alice@example.com",
                                               std::string(30, 'a') + "\xc3\xbc" + std::string(30, 'b'), "x", 0, problem);
  assert_true(contains(*long_subject, "?=\r\n =?UTF-8?B?"));

  struct Refusal {
    std::string from, to, subject, body;
    const char* problem;
  };
  const Refusal refusals[] = {
      {"sspr@example.com\r\nBcc: x@evil.example", "alice@example.com", "s", "b", "invalid sender address"},
      {"sspr@example.com", "alice@example.com\r\nBcc: x@evil.example", "s", "b", "invalid recipient address"},
      {"sspr@example.com", "alice@example.com", "Code\r\nBcc: x@evil.example", "b",
       "invalid subject (empty, too long, not UTF-8 or with control characters)"},
      {"sspr@example.com", "alice@example.com", "a\nb", "b",
       "invalid subject (empty, too long, not UTF-8 or with control characters)"},
      {"sspr@example.com", "alice@example.com", "", "b",
       "invalid subject (empty, too long, not UTF-8 or with control characters)"},
      {"sspr@example.com", "alice@example.com", std::string(kMaxSubjectBytes + 1, 's'), "b",
       "invalid subject (empty, too long, not UTF-8 or with control characters)"},
      {"sspr@example.com", "alice@example.com", "s", std::string("a\0b", 3), "the body contains a NUL byte"},
      {"sspr@example.com", "alice@example.com", "s", "caf\xe9", "the body is not UTF-8"},
      {"sspr@example.com", "alice@example.com", "s", std::string(999, 'x'), "a body line is longer than 998 bytes"},
      {"sspr@example.com", "alice@example.com", "s", std::string(kMaxBodyBytes + 1, '\n'), "the body is too large"},
  };
  for (const auto& r : refusals) {
    problem.clear();
    assert_false(build_mail_message(r.from, r.to, r.subject, r.body, 0, problem).has_value());
    assert_str(problem, r.problem);
  }
  assert_true(build_mail_message("sspr@example.com", "alice@example.com", "s", std::string(998, 'x'), 0, problem).has_value());
}

static void test_starttls_delivery_with_verified_certificate(void**) {
  auto sink = start_sink(tls_args(true));
  DeliveryResult result;
  const std::string log = capture_log([&] {
    result = send_mail(config_for(*sink), "alice@example.com", "Your one-time code", kBody);
  });
  if (!result.ok) fail_msg("%s", result.error.c_str());
  assert_str(result.error, "");
  const auto files = sink->stored();
  assert_int_equal(files.size(), 1);
  const Stored m = read_stored(*sink, files[0]);
  assert_str(m.envelope, "MAIL FROM: sspr@example.com\nRCPT TO: alice@example.com\nTLS: yes\nAUTH: -\n");
  assert_true(m.headers.rfind("From: sspr@example.com\r\nTo: alice@example.com\r\nSubject: Your one-time code\r\n", 0) == 0);
  assert_str(m.body, "Hello alice,\r\n\r\nyour one-time code is:\r\n\r\n    48213907\r\n\r\nBye.\r\n");
  // The log names the masked recipient only, never the address or the code.
  assert_true(contains(log, "mail to a***@e***.com sent"));
  assert_false(contains(log, "alice@example.com"));
  assert_false(contains(log, kCode));
}

static void test_wrong_ca_fails_and_delivers_nothing(void**) {
  auto sink = start_sink(tls_args(true));
  MailConfig config = config_for(*sink);
  config.ca_file = world->certs.other_ca;
  const DeliveryResult bad = send_mail(config, "alice@example.com", "Your one-time code", kBody);
  assert_false(bad.ok);
  if (!contains(bad.error, "SSL certificate problem")) fail_msg("error: %s", bad.error.c_str());
  assert_false(contains(bad.error, kCode));
  assert_int_equal(sink->stored().size(), 0);
  // The same sink accepts a correctly verified delivery: the failure was the CA alone.
  config.ca_file = world->certs.ca;
  assert_true(send_mail(config, "alice@example.com", "Your one-time code", kBody).ok);
  assert_int_equal(sink->stored().size(), 1);
}

static void test_server_without_starttls_is_refused(void**) {
  auto sink = start_sink({});  // no certificate: EHLO does not offer STARTTLS
  const DeliveryResult r = send_mail(config_for(*sink), "alice@example.com", "Your one-time code", kBody);
  assert_false(r.ok);
  assert_str(r.error, "STARTTLS not supported.");
  assert_int_equal(sink->stored().size(), 0);
}

static void test_plain_smtp_only_by_explicit_opt_in(void**) {
  auto sink = start_sink({});
  MailConfig config = config_for(*sink);
  config.require_starttls = false;
  const DeliveryResult r = send_mail(config, "alice@example.com", "Your one-time code", kBody);
  if (!r.ok) fail_msg("%s", r.error.c_str());
  const auto files = sink->stored();
  assert_int_equal(files.size(), 1);
  const Stored m = read_stored(*sink, files[0]);
  assert_str(m.envelope, "MAIL FROM: sspr@example.com\nRCPT TO: alice@example.com\nTLS: no\nAUTH: -\n");
  assert_true(contains(m.body, "    48213907\r\n"));
  // Opting out of STARTTLS never sends a password in clear.
  config.username = "sspr";
  config.password_file = world->tmp.path + "/unused";
  const DeliveryResult with_auth = send_mail(config, "alice@example.com", "s", "b");
  assert_false(with_auth.ok);
  assert_str(with_auth.error, "refusing to send the SMTP password without TLS (require_starttls = no with smtp://)");
  assert_int_equal(sink->stored().size(), 1);
}

static void test_injection_is_refused(void**) {
  auto sink = start_sink({});
  MailConfig config = config_for(*sink);
  config.require_starttls = false;
  const DeliveryResult to = send_mail(config, "alice@example.com\r\nBcc: mallory@evil.example", "s", "b");
  assert_false(to.ok);
  assert_str(to.error, "invalid recipient address");
  const DeliveryResult rcpt = send_mail(config, "alice@example.com>\r\nRCPT TO:<mallory@evil.example", "s", "b");
  assert_str(rcpt.error, "invalid recipient address");
  const DeliveryResult subject = send_mail(config, "alice@example.com", "Code\r\nBcc: mallory@evil.example", "b");
  assert_false(subject.ok);
  assert_str(subject.error, "invalid subject (empty, too long, not UTF-8 or with control characters)");
  MailConfig bad_from = config;
  bad_from.from = "sspr@example.com\r\nBcc: mallory@evil.example";
  assert_str(send_mail(bad_from, "alice@example.com", "s", "b").error, "invalid sender address");
  assert_int_equal(sink->stored().size(), 0);

  // A body that tries to end DATA and start a second transaction (CRLF, bare LF and bare
  // CR variants) stays one message: line breaks become CRLF and curl dot-stuffs.
  const std::string smuggle = "hi\r\n.\r\nMAIL FROM:<evil@evil.example>\r\nRCPT TO:<mallory@evil.example>\r\nDATA\r\n"
                              "x\n.\nQUIT\r.\rend";
  const DeliveryResult body = send_mail(config, "alice@example.com", "s", smuggle);
  if (!body.ok) fail_msg("%s", body.error.c_str());
  const auto files = sink->stored();
  assert_int_equal(files.size(), 1);
  const Stored m = read_stored(*sink, files[0]);
  assert_str(m.envelope, "MAIL FROM: sspr@example.com\nRCPT TO: alice@example.com\nTLS: no\nAUTH: -\n");
  assert_str(m.body,
             "hi\r\n.\r\nMAIL FROM:<evil@evil.example>\r\nRCPT TO:<mallory@evil.example>\r\nDATA\r\nx\r\n.\r\nQUIT\r\n."
             "\r\nend\r\n");
}

static void test_smtp_auth_from_password_file(void**) {
  const std::string secret_file = world->tmp.path + "/sink-password";
  sspr::test::write_file(secret_file, "s3cret-CANARY\n", 0600);
  auto sink = start_sink({"--cert", world->certs.cert, "--key", world->certs.key, "--require-starttls", "--auth-user",
                          "sspr", "--auth-password-file", secret_file});
  MailConfig config = config_for(*sink);
  config.username = "sspr";
  config.password_file = world->tmp.path + "/smtp-password";
  sspr::test::write_file(config.password_file, "s3cret-CANARY\n", 0600);
  DeliveryResult ok;
  const std::string log = capture_log([&] { ok = send_mail(config, "alice@example.com", "Your one-time code", kBody); });
  if (!ok.ok) fail_msg("%s", ok.error.c_str());
  assert_false(contains(log, "s3cret"));
  const Stored m = read_stored(*sink, "1.msg");
  assert_str(m.envelope, "MAIL FROM: sspr@example.com\nRCPT TO: alice@example.com\nTLS: yes\nAUTH: sspr\n");

  // A password file others could read is refused before any connection.
  chmod(config.password_file.c_str(), 0640);
  const DeliveryResult loose = send_mail(config, "alice@example.com", "s", "b");
  assert_false(loose.ok);
  assert_str(loose.error, "the password file must be owned by root and have no group or other permissions (chmod 0600)");
  // A wrong password is the server's refusal, reported without the password.
  sspr::test::write_file(config.password_file, "wrong\n", 0600);
  const DeliveryResult denied = send_mail(config, "alice@example.com", "s", "b");
  assert_false(denied.ok);
  assert_str(denied.error, "Login denied");
  config.password_file = world->tmp.path + "/missing-password";
  assert_str(send_mail(config, "alice@example.com", "s", "b").error,
             "the password file cannot be opened: No such file or directory");
  assert_int_equal(sink->stored().size(), 1);
}

static void test_configuration_refused(void**) {
  MailConfig config;
  config.from = "sspr@example.com";
  config.smtp_url = "http://127.0.0.1:1";
  assert_str(send_mail(config, "alice@example.com", "s", "b").error, "smtp_url must be an smtp:// or smtps:// URL");
  config.smtp_url = "smtp://user:pw@127.0.0.1:1";
  assert_str(send_mail(config, "alice@example.com", "s", "b").error,
             "smtp_url must not contain credentials (use username/password_file)");
  config.smtp_url = "smtp://127.0.0.1:1";
  config.timeout_seconds = 0;
  assert_str(send_mail(config, "alice@example.com", "s", "b").error, "timeout_seconds must be 1-120");
  config.timeout_seconds = 10;
  config.username = "sspr";
  assert_str(send_mail(config, "alice@example.com", "s", "b").error,
             "SMTP authentication needs a username without control characters and a password_file");
}

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_message_format),
      cmocka_unit_test(test_starttls_delivery_with_verified_certificate),
      cmocka_unit_test(test_wrong_ca_fails_and_delivers_nothing),
      cmocka_unit_test(test_server_without_starttls_is_refused),
      cmocka_unit_test(test_plain_smtp_only_by_explicit_opt_in),
      cmocka_unit_test(test_injection_is_refused),
      cmocka_unit_test(test_smtp_auth_from_password_file),
      cmocka_unit_test(test_configuration_refused),
  };
  return cmocka_run_group_tests(tests, setup_world, teardown_world);
}
