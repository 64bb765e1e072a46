// Attack (issue 11, item 7, second half): any local user made ssprd query the directory for any
// name. The registration record of a directory user was fetched before the root-or-self check,
// so a loop of calls naming other users drove directory searches (load on the server, a probe of
// who has an entry, time). Now the caller is authorised before anything is read. A local user
// (bob, uid 1002) names lena, a directory user, in every Manager method that takes a user; the
// "directory" is a listener that counts connections: not one arrives, and every call is refused
// with the bus's AccessDenied. Root's status query for lena still goes to the directory.
#include "cmocka.hpp"
#include "manager_calls.hpp"
#include "process.hpp"
#include "run_as.hpp"
#include "testbed.hpp"

#include <cerrno>
#include <cstdio>
#include <netinet/in.h>
#include <string>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

using namespace sspr;
using namespace sspr::test;

namespace {

TestBed* bed = nullptr;
int directory = -1;  // listens on 127.0.0.1, never accepts: connections wait in its backlog

// A connection ssprd made to the directory, taken from the backlog (-1 if none is waiting).
int take_connection() {
  const int fd = accept4(directory, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (fd >= 0) return fd;
  assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
  return -1;
}

int group_setup(void**) {
  directory = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t n = sizeof a;
  if (bind(directory, reinterpret_cast<sockaddr*>(&a), sizeof a) < 0 || listen(directory, 64) < 0 ||
      getsockname(directory, reinterpret_cast<sockaddr*>(&a), &n) < 0)
    return -1;
  // lena is in the passwd database (uid 2001) and not in the shadow file: a directory user.
  if (!(bed = TestBed::shared("root:*:19000:0:99999:7:::\nbob:$y$j9T$bob$hash:19000:0:99999:7:::\n"))) return -1;
  write_file(bed->dir() + "/ldap.secret", "service-Secret-7\n", 0600);
  bed->write_config("[reset]\nshadow_directory = " + bed->dir() +
                    "/etc\n[ldap]\nenabled = yes\nstore_registrations = yes\ntls = none\nallow_plain = yes\n"
                    "uris = ldap://127.0.0.1:" + std::to_string(ntohs(a.sin_port)) +
                    "\nbase_dn = dc=example,dc=org\nbind_dn = cn=sspr-service,ou=services,dc=example,dc=org\n"
                    "bind_password_file = " + bed->dir() + "/ldap.secret\nnetwork_timeout_ms = 100\noperation_timeout_ms = 100\n");
  std::string error;
  if (!bed->start_ssprd(error)) return std::fprintf(stderr, "ssprd: %s\n", error.c_str()), -1;
  return 0;
}

int group_teardown(void**) {
  close(directory);
  return 0;
}

}  // namespace

static void test_naming_another_user_queries_nothing(void**) {
  const std::vector<std::pair<const char*, std::vector<std::string>>> calls = {
      {"GetRegistrationStatus", {"lena"}},
      {"GetRegistration", {"lena"}},
      {"GetDirectoryContacts", {"lena"}},
      {"BeginTotp", {"lena"}},
      {"ConfirmTotp", {"lena", "123456"}},
      {"BeginContact", {"lena", "email", "bob@example.com"}},
      {"ConfirmContact", {"lena", "email", "123456"}},
      {"RegenerateRecoveryCodes", {"lena"}},
      {"RemoveMethod", {"lena", "totp"}},
      {"ConfirmRegistration", {"lena"}},
      {"StepUp", {"lena", "password", "a guess"}},
      {"ChangePassword", {"lena", "a guess", "Bobs-Choice-4711"}},
      {"SkipRegistration", {"lena"}},
  };
  std::string outcomes, expected;
  for (const auto& [member, args] : calls) {
    outcomes += std::string(member) + "=" + run_as(1002, 1002, [&] { return call_manager(member, args); }) + "\n";
    expected += std::string(member) + "=ERROR org.freedesktop.DBus.Error.AccessDenied\n";
  }
  assert_str(outcomes, expected);
  // The replies came after any directory query would have been made: none was.
  assert_int_equal(take_connection(), -1);
}

static void test_root_still_reaches_the_directory(void**) {
  // Root's pam_sspr asks about lena: the record is looked for in the directory, which answers
  // nothing here, so the status is "unavailable" — after a connection was made.
  assert_str(call_manager("GetRegistrationStatus", {"lena"}), "ERROR io.sspr.reset1.Error.BackendUnavailable");
  const int fd = take_connection();
  assert_true(fd >= 0);
  close(fd);
  while (true) {  // ssprd may have tried every connection it makes; leave none for the next test
    const int more = take_connection();
    if (more < 0) break;
    close(more);
  }
}

int main() {
  if (geteuid() != 0) return std::fprintf(stderr, "SKIP: run as root\n"), 77;
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_naming_another_user_queries_nothing),
      cmocka_unit_test(test_root_still_reaches_the_directory),
  };
  return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
