// Attack (issue 11, item 5, the code's delivery): telling who exists by how a code is sent. A
// network client at the login prompt starts resets for a registered user (e-mail) and for names
// that cannot be reset, and asks for a code by e-mail. A real code waits for the mail server
// and fails when it is down; a decoy's answered at once and always "sent", so the answer's
// speed and success told a registered user apart. Now a decoy's SendCode is answered as the
// latest real delivery was (its outcome, and a time a recent one took: delivery_times), with
// the masked address its start showed, sends nothing, and its code never matches. The timing is
// bench_enumeration's SendCode line (bench/README.md).
#include "cmocka.hpp"
#include "delivery_support.hpp"
#include "manager_calls.hpp"
#include "process.hpp"
#include "reset_conn.hpp"
#include "testbed.hpp"

#include <cstdio>
#include <netinet/in.h>
#include <string>
#include <sys/socket.h>
#include <unistd.h>

using namespace sspr;
using namespace sspr::test;

namespace {

TestBed* bed = nullptr;
sspr::test::delivery::Sink* smtp = nullptr;
const std::string kHost = "198.51.100.77";
const std::string kShadow = "root:*:19000:0:99999:7:::\nalice:$y$j9T$alice$hash:19000:0:99999:7:::\n";

std::string config_for(int smtp_port) {
  return "[registration]\ncooling_off_hours = 0\n[email]\nfrom = sspr@example.com\nrequire_starttls = no\n"
         "smtp_url = smtp://127.0.0.1:" + std::to_string(smtp_port) + "\n[reset]\nshadow_directory = " + bed->dir() +
         "/etc\nfaillock_directory =\n";
}

// A port on 127.0.0.1 where nothing listens: a mail server that is down.
int closed_port() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t n = sizeof a;
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) < 0 || getsockname(fd, reinterpret_cast<sockaddr*>(&a), &n) < 0)
    return -1;
  close(fd);
  return ntohs(a.sin_port);
}

int group_setup(void**) {
  if (!(bed = TestBed::shared(kShadow))) return -1;
  static sspr::test::delivery::TempDir tmp;
  static sspr::test::delivery::Sink sink("smtp_sink.py", tmp.path + "/mail", {}, tmp.path + "/smtp.log");
  if (!sink.error().empty()) return std::fprintf(stderr, "sink: %s\n", sink.error().c_str()), -1;
  smtp = &sink;
  bed->write_config(config_for(sink.port()));
  std::string error;
  if (!bed->start_ssprd(error)) return std::fprintf(stderr, "ssprd: %s\n", error.c_str()), -1;
  if (call_manager("BeginContact", {"alice", "email", "alice@example.com"}) != "ok") return -1;
  if (call_manager("ConfirmContact", {"alice", "email", sspr::test::delivery::newest_code(sink)}) != "ok") return -1;
  return 0;
}

// A name that cannot be reset whose decoy registration shows an e-mail address (decoys differ
// by name, stably): its start, and the address shown.
std::string decoy_with_email(ResetConn& c) {
  for (int i = 0; i < 200; ++i) {
    const std::string name = "ghost" + std::to_string(i);
    const auto shown = c.start(name, kHost);
    assert_true(shown.rfind("|", 0) == 0);
    for (const auto& [type, masked] : c.methods)
      if (type == "email") return masked;
  }
  fail_msg("no decoy among 200 names shows an e-mail address");
  return {};
}

}  // namespace

static void test_a_decoy_code_is_sent_as_a_real_one(void**) {
  ResetConn real;
  assert_str(real.start("alice", kHost), "|email,|1");
  const auto before = smtp->stored().size();
  assert_str(real.send_code("email"), "sent a***@e***.com");
  assert_int_equal(smtp->stored().size(), before + 1);

  ResetConn decoy;
  const auto shown = decoy_with_email(decoy);
  assert_str(decoy.send_code("email"), "sent " + shown);  // the address its start showed
  assert_str(decoy.verify("email", "000000"), "ERROR io.sspr.reset1.Error.BadCode");
  // Nothing left the host for it: the next real code is the only new message.
  ResetConn again;
  again.start("alice", kHost);
  assert_str(again.send_code("email"), "sent a***@e***.com");
  assert_int_equal(smtp->stored().size(), before + 2);
  // The legitimate flow still works: alice's code verifies.
  assert_str(again.verify("email", sspr::test::delivery::newest_code(*smtp)), "verified 0");
}

static void test_with_the_mail_server_down_a_decoy_fails_as_a_real_one(void**) {
  assert_int_equal(bed->stop_ssprd(), 0);
  bed->write_config(config_for(closed_port()));
  std::string error;
  if (!bed->start_ssprd(error)) fail_msg("ssprd: %s", error.c_str());
  // Before any real delivery, a decoy's is sent (nothing yet says the server is down).
  {
    ResetConn decoy;
    const auto shown = decoy_with_email(decoy);
    assert_str(decoy.send_code("email"), "sent " + shown);
  }
  ResetConn real;
  real.start("alice", kHost);
  assert_str(real.send_code("email"), "ERROR io.sspr.reset1.Error.DeliveryFailed");
  const std::string refused = real.last_message;
  assert_str(refused, "The code could not be sent. Please try another method or try again later.");
  ResetConn decoy;
  decoy_with_email(decoy);
  assert_str(decoy.send_code("email"), "ERROR io.sspr.reset1.Error.DeliveryFailed");
  assert_str(decoy.last_message, refused);
  // Back to the working server for whatever runs next.
  assert_int_equal(bed->stop_ssprd(), 0);
  bed->write_config(config_for(smtp->port()));
  if (!bed->start_ssprd(error)) fail_msg("ssprd: %s", error.c_str());
}

int main() {
  if (geteuid() != 0) return std::fprintf(stderr, "SKIP: run as root\n"), 77;
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_a_decoy_code_is_sent_as_a_real_one),
      cmocka_unit_test(test_with_the_mail_server_down_a_decoy_fails_as_a_real_one),
  };
  return cmocka_run_group_tests(tests, group_setup, nullptr);
}
