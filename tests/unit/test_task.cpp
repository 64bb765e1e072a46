// The coroutines of ssprd's async boundary: a chain that never waits ends inside the call that
// started it; one that waits on a worker resumes on the loop thread with the job's value;
// exceptions reach the awaiter; a full queue is a value-less answer; and a worker going away
// with a job unfinished destroys the waiting chain (nothing leaks, nothing resumes).
#include "cmocka.hpp"
#include "async/task.hpp"
#include "async/user_locks.hpp"

#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <string>
#include <systemd/sd-event.h>
#include <thread>

using namespace sspr::daemon;

namespace {

Task<int> forty_one() { co_return 41; }

Task<int> forty_two() { co_return co_await forty_one() + 1; }

Task<int> throws() {
  throw std::runtime_error("the directory said no");
  co_return 0;
}

Task<std::string> catches() {
  try {
    co_await throws();
  } catch (const std::runtime_error& e) {
    co_return std::string(e.what());
  }
  co_return std::string("not reached");
}

struct Loop {
  sd_event* event = nullptr;
  Loop() { assert_int_equal(sd_event_new(&event), 0); }
  ~Loop() { sd_event_unref(event); }
  void run_until(const bool& flag) {
    while (!flag) assert_true(sd_event_run(event, 5'000'000) >= 0);
  }
};

Task<std::thread::id> thread_of_job(Worker& worker, std::thread::id* resumed_on) {
  auto ran_on = co_await on_worker(worker, [] { return std::this_thread::get_id(); });
  *resumed_on = std::this_thread::get_id();
  co_return ran_on.value_or(std::thread::id());
}

// Flags its destruction: a frame that holds one was destroyed.
struct Witness {
  bool* destroyed;
  explicit Witness(bool* d) : destroyed(d) {}
  Witness(Witness&& o) noexcept : destroyed(std::exchange(o.destroyed, nullptr)) {}
  ~Witness() {
    if (destroyed) *destroyed = true;
  }
};

Task<int> waits_on(Worker& worker, Witness witness, std::function<int()> job) {
  auto value = co_await on_worker(worker, std::move(job));
  (void)witness;
  co_return value.value_or(-1);
}

// The witness is in the outer frame: destroying the chain from its root reaches it.
Task<int> outer(Worker& worker, Witness witness, std::function<int()> job) {
  bool inner_gone = false;
  const int inner = co_await waits_on(worker, Witness(&inner_gone), std::move(job));
  (void)witness;
  co_return inner;
}

// Takes `user`'s lock, notes it, waits until `go` is resumed by the test, then lets go.
struct Gate {
  std::coroutine_handle<> waiting;
  FrameLink* frame = nullptr;
  bool await_ready() const noexcept { return false; }
  template <class P>
  void await_suspend(std::coroutine_handle<P> h) noexcept {
    waiting = h;
    frame = &h.promise();
  }
  void await_resume() const noexcept {}
};

Task<int> hold_lock(UserLocks& locks, std::string user, std::vector<int>* order, int me, Gate* gate, Witness) {
  const auto held = co_await locks.lock(user);
  order->push_back(me);
  if (gate != nullptr) co_await *gate;
  co_return me;
}

}  // namespace

static void test_a_chain_that_never_waits_ends_at_once(void**) {
  int got = 0;
  spawn(forty_two(), [&](int v) { got = v; });
  assert_int_equal(got, 42);
}

static void test_exceptions_reach_the_awaiter(void**) {
  std::string got;
  spawn(catches(), [&](std::string v) { got = std::move(v); });
  assert_string_equal(got.c_str(), "the directory said no");
}

static void test_a_job_runs_on_the_worker_and_resumes_on_the_loop(void**) {
  Loop loop;
  Worker worker(loop.event, "test", 1, 4);
  bool done = false;
  std::thread::id job_thread, resumed_on;
  spawn(thread_of_job(worker, &resumed_on), [&](std::thread::id id) {
    job_thread = id;
    done = true;
  });
  assert_false(done);  // it waits for the worker
  loop.run_until(done);
  assert_true(job_thread != std::this_thread::get_id());
  assert_true(job_thread != std::thread::id());
  assert_true(resumed_on == std::this_thread::get_id());
}

static void test_a_full_queue_answers_without_a_value(void**) {
  Loop loop;
  Worker worker(loop.event, "test", 1, 1);
  std::mutex m;
  std::condition_variable cv;
  bool release = false;
  const auto blocker = [&] {
    std::unique_lock lock(m);
    cv.wait(lock, [&] { return release; });
    return 1;
  };
  bool first_done = false, second_done = false;
  int first = 0, second = 0;
  bool w1 = false, w2 = false;
  spawn(waits_on(worker, Witness(&w1), blocker), [&](int v) { first = v, first_done = true; });
  spawn(waits_on(worker, Witness(&w2), [] { return 7; }), [&](int v) { second = v, second_done = true; });
  assert_true(second_done);  // the queue was full: answered at once, without a value
  assert_int_equal(second, -1);
  {
    std::lock_guard lock(m);
    release = true;
  }
  cv.notify_all();
  loop.run_until(first_done);
  assert_int_equal(first, 1);
  assert_true(w1 && w2);  // both frames are gone
}

static void test_a_worker_going_away_destroys_the_waiting_chain(void**) {
  Loop loop;
  bool witness_gone = false, done = false;
  {
    Worker worker(loop.event, "test", 1, 4);
    std::mutex m;
    std::condition_variable cv;
    bool release = false;
    // The first job holds the only thread; the second waits in the queue and is dropped.
    bool first_gone = false;
    spawn(waits_on(worker, Witness(&first_gone), [&] {
            std::unique_lock lock(m);
            cv.wait(lock, [&] { return release; });
            return 1;
          }),
          [&](int) { done = true; });
    spawn(outer(worker, Witness(&witness_gone), [] { return 2; }), [&](int) { done = true; });
    {
      std::lock_guard lock(m);
      release = true;
    }
    cv.notify_all();
  }  // the worker goes: the finished job's completion and the queued one are dropped
  assert_false(done);         // nothing resumed
  assert_true(witness_gone);  // and the chain was destroyed from its root
}

static void test_one_holder_per_user_in_arrival_order(void**) {
  Loop loop;
  UserLocks locks(loop.event);
  std::vector<int> order, done;
  Gate gate;
  bool w1 = false, w2 = false, w3 = false, w4 = false;
  spawn(hold_lock(locks, "ann", &order, 1, &gate, Witness(&w1)), [&](int v) { done.push_back(v); });
  spawn(hold_lock(locks, "ann", &order, 2, nullptr, Witness(&w2)), [&](int v) { done.push_back(v); });
  spawn(hold_lock(locks, "ann", &order, 3, nullptr, Witness(&w3)), [&](int v) { done.push_back(v); });
  spawn(hold_lock(locks, "bob", &order, 4, nullptr, Witness(&w4)), [&](int v) { done.push_back(v); });
  // 1 holds ann's lock (and waits at the gate); 2 and 3 wait for it; bob's is another lock.
  assert_true(order == std::vector<int>({1, 4}));
  assert_true(done == std::vector<int>({4}));
  assert_true(locks.held("ann"));
  gate.waiting.resume();  // 1 ends and lets go: 2 has the lock now, but runs from the loop
  assert_true(order == std::vector<int>({1, 4}));
  assert_true(done == std::vector<int>({4, 1}));
  assert_true(locks.held("ann"));
  while (done.size() < 4) assert_true(sd_event_run(loop.event, 1'000'000) > 0);
  assert_true(order == std::vector<int>({1, 4, 2, 3}));  // in arrival order
  assert_true(done == std::vector<int>({4, 1, 2, 3}));
  assert_false(locks.held("ann"));
  assert_false(locks.held("bob"));
  assert_true(w1 && w2 && w3 && w4);
}

static void test_closed_locks_resume_nobody_and_destroy_the_waiters(void**) {
  bool waiter_gone = false, resumed = false;
  Gate gate;
  std::vector<int> order;
  Loop loop;
  {
    UserLocks locks(loop.event);
    bool holder_gone = false;
    spawn(hold_lock(locks, "ann", &order, 1, &gate, Witness(&holder_gone)), [](int) {});
    spawn(hold_lock(locks, "ann", &order, 2, nullptr, Witness(&waiter_gone)), [&](int) { resumed = true; });
    locks.close();  // shutting down
    destroy_chain(gate.frame);  // the holder's chain goes (as a worker going away would destroy it)
    assert_true(holder_gone);
    assert_false(resumed);  // the waiter was not resumed into a daemon going away...
    assert_false(waiter_gone);
  }  // ...and the locks destroy it
  assert_true(waiter_gone);
  assert_false(resumed);
  assert_true(order == std::vector<int>({1}));
}

int main() {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_a_chain_that_never_waits_ends_at_once),
      cmocka_unit_test(test_exceptions_reach_the_awaiter),
      cmocka_unit_test(test_a_job_runs_on_the_worker_and_resumes_on_the_loop),
      cmocka_unit_test(test_a_full_queue_answers_without_a_value),
      cmocka_unit_test(test_a_worker_going_away_destroys_the_waiting_chain),
      cmocka_unit_test(test_one_holder_per_user_in_arrival_order),
      cmocka_unit_test(test_closed_locks_resume_nobody_and_destroy_the_waiters),
  };
  return cmocka_run_group_tests(tests, nullptr, nullptr);
}
