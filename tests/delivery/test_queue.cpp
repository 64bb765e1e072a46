// DeliveryQueue: blocking deliveries run on workers and never hold up the sd-event loop or
// one another; results arrive on the loop thread; the bound is exact; shutdown joins.
// Synchronisation is by real events only: sd_event_run() with a deadline, pipes.
#include "cmocka.hpp"
#include "delivery/mailer.hpp"
#include "delivery/queue.hpp"
#include "delivery/sms.hpp"
#include "delivery_support.hpp"
#include "handle.hpp"

#include <atomic>
#include <chrono>
#include <fcntl.h>
#include <stdexcept>
#include <thread>
#include <unistd.h>

using namespace sspr::daemon::delivery;
using sspr::test::delivery::SilentListener;
using sspr::test::delivery::Sink;
using sspr::test::delivery::TempDir;
using Clock = std::chrono::steady_clock;

namespace {

sspr::EventPtr new_event() {
  sd_event* raw = nullptr;
  assert_int_equal(sd_event_new(&raw), 0);
  return sspr::EventPtr(raw);
}

// Runs the loop until `done()` or the deadline; returns done().
template <class Pred>
bool run_until(sd_event* event, Pred done, std::chrono::milliseconds limit) {
  const auto deadline = Clock::now() + limit;
  while (!done()) {
    const auto left = std::chrono::duration_cast<std::chrono::microseconds>(deadline - Clock::now());
    if (left.count() <= 0) break;
    if (sd_event_run(event, static_cast<uint64_t>(left.count())) < 0) break;
  }
  return done();
}

MailConfig hanging_smtp(const SilentListener& listener) {
  MailConfig c;
  c.smtp_url = "smtp://127.0.0.1:" + std::to_string(listener.port());
  c.from = "sspr@example.com";
  c.require_starttls = false;
  c.timeout_seconds = 2;
  return c;
}

struct Pipe {
  int r = -1, w = -1;
  Pipe() {
    int fds[2];
    assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
    r = fds[0];
    w = fds[1];
  }
  ~Pipe() {
    close(r);
    close(w);
  }
  void signal() const { assert_int_equal(write(w, "x", 1), 1); }
  void wait() const {
    char c;
    assert_int_equal(read(r, &c, 1), 1);
  }
};

struct Outcome {
  bool done = false;
  DeliveryResult result;
  std::thread::id thread;
  Clock::time_point at;
};

DeliveryQueue::Completion record(Outcome& o) {
  return [&o](DeliveryResult r) {
    o.done = true;
    o.result = std::move(r);
    o.thread = std::this_thread::get_id();
    o.at = Clock::now();
  };
}

}  // namespace

static void test_hanging_server_does_not_delay_other_jobs(void**) {
  TempDir tmp;
  SilentListener listener;
  assert_true(listener.port() > 0);
  Sink sink("http_sink.py", tmp.path + "/http", {}, tmp.path + "/http.log");
  if (sink.port() == 0) fail_msg("%s", sink.error().c_str());
  auto event = new_event();
  const auto loop_thread = std::this_thread::get_id();

  DeliveryQueue queue(event.get());
  Outcome hung, quick;
  bool timer_fired = false;
  const auto start = Clock::now();
  const MailConfig mail = hanging_smtp(listener);
  assert_true(queue.submit([mail] { return send_mail(mail, "alice@example.com", "s", "code 48213907"); },
                           record(hung)));
  SmsConfig sms;
  sms.webhook_url = "http://127.0.0.1:" + std::to_string(sink.port()) + "/sms";
  assert_true(queue.submit([sms] { return send_sms(sms, "+4915112345612", "code 48213907"); }, record(quick)));
  // The loop itself stays free: a timer due long before the SMTP timeout fires on time.
  sd_event_source* timer = nullptr;
  assert_true(sd_event_add_time_relative(
                  event.get(), &timer, CLOCK_MONOTONIC, 100'000, 0,
                  [](sd_event_source*, uint64_t, void* flag) noexcept -> int {
                    *static_cast<bool*>(flag) = true;
                    return 0;
                  },
                  &timer_fired) >= 0);
  sspr::EventSourcePtr timer_owner(timer);

  assert_true(run_until(event.get(), [&] { return quick.done && timer_fired; }, std::chrono::seconds(10)));
  assert_false(hung.done);  // still waiting for the silent server's greeting
  assert_true(quick.result.ok);
  assert_true(quick.thread == loop_thread);
  assert_int_equal(sink.stored().size(), 1);

  assert_true(run_until(event.get(), [&] { return hung.done; }, std::chrono::seconds(15)));
  assert_false(hung.result.ok);
  if (hung.result.error.find("timed out") == std::string::npos) fail_msg("error: %s", hung.result.error.c_str());
  assert_true(hung.thread == loop_thread);
  assert_true(hung.at - start >= std::chrono::milliseconds(1900));  // the curl timeout ended it
  assert_true(quick.at < hung.at);
  assert_int_equal(queue.outstanding(), 0);
}

static void test_full_queue_refuses(void**) {
  auto event = new_event();
  Pipe release;
  DeliveryQueue queue(event.get(), 1, 2);
  Outcome first, second;
  assert_true(queue.submit(
      [&release] {
        release.wait();  // holds the only worker until the test lets go
        return DeliveryResult{true, {}};
      },
      record(first)));
  assert_true(queue.submit([] { return DeliveryResult{false, "second"}; }, record(second)));
  assert_int_equal(queue.outstanding(), 2);
  bool third_ran = false;
  assert_false(queue.submit(
      [&third_ran] {
        third_ran = true;
        return DeliveryResult{true, {}};
      },
      [](DeliveryResult) { fail_msg("completion of a refused job"); }));
  assert_int_equal(queue.outstanding(), 2);

  release.signal();
  assert_true(run_until(event.get(), [&] { return first.done && second.done; }, std::chrono::seconds(10)));
  assert_true(first.result.ok);
  assert_false(second.result.ok);
  assert_str(second.result.error, "second");
  assert_false(third_ran);
  assert_int_equal(queue.outstanding(), 0);
  Outcome again;
  assert_true(queue.submit([] { return DeliveryResult{true, {}}; }, record(again)));
  assert_true(run_until(event.get(), [&] { return again.done; }, std::chrono::seconds(10)));
}

static void test_every_completion_once_on_the_loop_thread(void**) {
  auto event = new_event();
  DeliveryQueue queue(event.get(), 2, 64);
  const auto loop_thread = std::this_thread::get_id();
  constexpr int kJobs = 50;
  std::vector<int> completions(kJobs, 0);
  std::atomic<int> ran{0};
  bool wrong_thread = false;
  for (int i = 0; i < kJobs; ++i)
    assert_true(queue.submit(
        [&ran, i] {
          ++ran;
          return DeliveryResult{i % 2 == 0, std::to_string(i)};
        },
        [&, i](DeliveryResult r) {
          ++completions[static_cast<std::size_t>(i)];
          wrong_thread |= std::this_thread::get_id() != loop_thread;
          if (r.ok != (i % 2 == 0) || r.error != std::to_string(i)) fail_msg("job %d: wrong result", i);
        }));
  assert_true(run_until(
      event.get(), [&] { return std::all_of(completions.begin(), completions.end(), [](int n) { return n > 0; }); },
      std::chrono::seconds(10)));
  assert_int_equal(ran.load(), kJobs);
  for (int n : completions) assert_int_equal(n, 1);
  assert_false(wrong_thread);
}

static void test_exceptions_are_contained(void**) {
  auto event = new_event();
  DeliveryQueue queue(event.get());
  Outcome thrown, after;
  assert_true(queue.submit([]() -> DeliveryResult { throw std::runtime_error("boom"); }, record(thrown)));
  assert_true(queue.submit([] { return DeliveryResult{true, {}}; },
                           [](DeliveryResult) { throw std::runtime_error("callback failed"); }));
  assert_true(run_until(event.get(), [&] { return thrown.done; }, std::chrono::seconds(10)));
  assert_false(thrown.result.ok);
  assert_str(thrown.result.error, "internal error");
  // A throwing callback is logged and dropped; the queue keeps delivering.
  assert_true(run_until(event.get(), [&] { return queue.outstanding() == 0; }, std::chrono::seconds(10)));
  assert_true(queue.submit([] { return DeliveryResult{true, {}}; }, record(after)));
  assert_true(run_until(event.get(), [&] { return after.done; }, std::chrono::seconds(10)));
  assert_true(after.result.ok);
}

static void test_destructor_joins_and_drops_the_rest(void**) {
  SilentListener listener;
  auto event = new_event();
  Pipe started;
  std::atomic<bool> pending_ran{false};
  bool callback_ran = false;
  Clock::time_point destroyed;
  const auto before = Clock::now();
  {
    DeliveryQueue queue(event.get(), 1, 8);
    const MailConfig mail = hanging_smtp(listener);
    assert_true(queue.submit(
        [mail, &started] {
          started.signal();
          return send_mail(mail, "alice@example.com", "s", "b");
        },
        [&](DeliveryResult) { callback_ran = true; }));
    assert_true(queue.submit(
        [&pending_ran] {
          pending_ran = true;
          return DeliveryResult{true, {}};
        },
        [&](DeliveryResult) { callback_ran = true; }));
    started.wait();  // the worker is inside the hanging transfer
  }
  destroyed = Clock::now();
  assert_false(pending_ran.load());
  assert_false(callback_ran);
  // The running transfer ended by its own 2 s timeout; nothing waited longer.
  assert_true(destroyed - before < std::chrono::seconds(10));
  // The loop is intact and has nothing left to dispatch from the queue.
  assert_true(sd_event_run(event.get(), 0) >= 0);
  assert_false(callback_ran);
}

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_hanging_server_does_not_delay_other_jobs),
      cmocka_unit_test(test_full_queue_refuses),
      cmocka_unit_test(test_every_completion_once_on_the_loop_thread),
      cmocka_unit_test(test_exceptions_are_contained),
      cmocka_unit_test(test_destructor_joins_and_drops_the_rest),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
