// Attack (issue 11, item 7): notices crowd out codes. Change notices shared the delivery queue
// with reset and registration codes, unthrottled: one user looping changes of their own
// (RegenerateRecoveryCodes sends a notice each time) while the mail server is slow filled all
// 64 slots, and everybody else's codes failed. The real DeliveryMessenger, its real queue, and a
// mail server that accepts connections and never answers: one user's notices stop at their
// quota, everybody's notices together at half the queue, and codes still go in.
#include "cmocka.hpp"
#include "config.hpp"
#include "delivery_messenger.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <systemd/sd-event.h>
#include <unistd.h>

using namespace sspr;
using namespace sspr::daemon;

namespace {

// A TCP listener that accepts connections and never says a word: a hung mail server.
int silent_listener(int& port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0 || listen(fd, 128) < 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) < 0)
    return -1;
  port = ntohs(addr.sin_port);
  return fd;
}

}  // namespace

static void test_notices_never_crowd_out_codes(void**) {
  int port = 0;
  const int hung = silent_listener(port);
  assert_true(hung >= 0);
  auto config = Config::defaults();
  config.mail_from = "sspr@example.com";
  config.smtp_url = "smtp://127.0.0.1:" + std::to_string(port);
  config.require_starttls = false;
  config.smtp_timeout_seconds = 60;
  config.template_directory = SSPR_SOURCE_DIR "/conf/templates";
  sd_event* event = nullptr;
  assert_int_equal(sd_event_new(&event), 0);
  {
    DeliveryMessenger messenger(config, event);
    // mallory changes her info a hundred times: ten notices go out, the rest are dropped.
    int queued = 0;
    for (int i = 0; i < 100; ++i)
      queued += messenger.send_notice(MethodType::email, "mallory@example.com", "mallory", "registered: Recovery codes");
    assert_int_equal(queued, 10);
    // Many users' notices at once take at most half the queue.
    for (int i = 0; i < 100; ++i)
      queued += messenger.send_notice(MethodType::email, "u" + std::to_string(i) + "@example.com",
                                      "u" + std::to_string(i), "password reset");
    assert_int_equal(queued, 32);
    // The codes people wait for still go in: the other half is theirs.
    int codes = 0;
    for (int i = 0; i < 40; ++i)
      codes += messenger.send_code(MethodType::email, "c" + std::to_string(i) + "@example.com", "c" + std::to_string(i),
                                   Secret("123456"), 5, [](bool) {});
    assert_int_equal(codes, 32);
  }
  sd_event_unref(event);
  close(hung);
}

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_notices_never_crowd_out_codes),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
