// Attack (issue 11, item 11): every StartReset for any name appended an audit line, so an
// unprivileged loop filled /var/log. Unauthenticated attempts are now audited one by one up to
// 30 per origin in 10 minutes; the rest are counted, and the count is one event when that
// origin's window is over. Another origin's attempts (a login from a host) are recorded as
// before.
#include "cmocka.hpp"
#include "process.hpp"
#include "reset_conn.hpp"
#include "run_as.hpp"
#include "testbed.hpp"

#include <cstdio>
#include <string>
#include <unistd.h>

using namespace sspr;
using namespace sspr::test;

namespace {

TestBed* bed = nullptr;

int group_setup(void**) {
  if (!(bed = TestBed::shared("root:*:19000:0:99999:7:::\n"))) return -1;
  std::string error;
  bed->use_fake_clock();
  bed->write_config("[reset]\nshadow_directory = " + bed->dir() + "/etc\n");
  if (!bed->start_ssprd(error)) return std::fprintf(stderr, "ssprd: %s\n", error.c_str()), -1;
  return 0;
}

std::size_t lines_with(const std::string& text, const std::string& a, const std::string& b) {
  std::size_t n = 0, start = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    const auto line = text.substr(start, end - start);
    if (line.find(a) != std::string::npos && line.find(b) != std::string::npos) ++n;
    start = end + 1;
  }
  return n;
}

}  // namespace

static void test_a_loop_of_resets_does_not_fill_the_log(void**) {
  const auto out = run_as(1003, 1003, [] {
    std::string failed;
    for (int i = 0; i < 200; ++i) {
      ResetConn c;  // a new connection each time: its session ends with it
      const auto started = c.start("name" + std::to_string(i));
      if (started.rfind("|", 0) != 0) failed = started;
    }
    return failed;
  });
  assert_string_equal(out.c_str(), "");
  const auto audit = read_file(bed->audit_log());
  assert_int_equal(lines_with(audit, "\"event\":\"reset_started\"", "\"origin\":\"uid-1003\""), 30);
  // A login from a host is another origin: recorded as ever.
  ResetConn login;
  assert_string_equal(login.start("alice", "192.0.2.44").substr(0, 1).c_str(), "|");
  assert_int_equal(lines_with(read_file(bed->audit_log()), "\"event\":\"reset_started\"", "\"origin\":\"host-192.0.2.44\""), 1);
  // Ten minutes on, the next attempt from anywhere closes uid 1003's window: one event says
  // how many were not recorded, and from where.
  bed->move_clock(601);
  run_as(1003, 1003, [] {
    ResetConn c;
    return c.start("one-more");
  });
  const auto after = read_file(bed->audit_log());
  assert_int_equal(lines_with(after, "\"event\":\"attempts_suppressed\"", "\"count\":\"170\""), 1);
  assert_int_equal(lines_with(after, "\"event\":\"attempts_suppressed\"", "\"origin\":\"uid-1003\""), 1);
  assert_int_equal(lines_with(after, "\"event\":\"reset_started\"", "\"origin\":\"uid-1003\""), 31);
  bed->move_clock(0);
}

int main() {
  if (geteuid() != 0) {
    std::fprintf(stderr, "SKIP: real uids on the private bus need root\n");
    return 77;
  }
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_a_loop_of_resets_does_not_fill_the_log),
  };
  return cmocka_run_group_tests(tests, group_setup, nullptr);
}
