// Coroutines for the work a bus call waits on. A core step that must wait (a directory read or
// write, a hash) is a Task<T>: it co_awaits on_worker(), the loop serves everyone else
// meanwhile, and it resumes on the loop thread with the job's result. A task that never waits
// (the local store) runs to its end at once, inside the call that awaited it: no extra hop.
//
//   Task<Result<int>> count(const Store& s, std::string user) {
//     auto loaded = co_await s.load(user);          // may wait on a worker
//     co_return loaded.size();
//   }
//   spawn(count(store, "ann"), [](Result<int> n) { ... });   // from a bus handler: the root
//
// Rules. A lambda given to on_worker is named first (auto job = [...]{...}; co_await
// on_worker(w, std::move(job))): GCC 12 destroys a capturing lambda written inside a co_await
// expression twice (test_task shows the form we use is sound). A task starts when it is awaited (by one awaiter, on the loop thread); every chain has
// spawn() at its root. Parameters of a coroutine are copied into its frame only when taken by value: take strings
// and records by value, or refer to what a frame further up the chain owns. When a worker goes
// away with a job not finished (ssprd stopping), the chain that waits on it is destroyed from
// its root, so nothing leaks and nothing resumes after the loop.
#pragma once

#include "async/worker.hpp"

#include <coroutine>
#include <exception>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

namespace sspr::daemon {

// What every frame of ours knows: the frame that awaits it (null at the root) and itself, so a
// chain can be torn down from its root.
struct FrameLink {
  FrameLink* awaited_by = nullptr;
  std::coroutine_handle<> self;
};

inline void destroy_chain(FrameLink* frame) noexcept {
  while (frame->awaited_by != nullptr) frame = frame->awaited_by;
  frame->self.destroy();  // each frame destroys the task it awaits, down to the innermost
}

template <class T>
class [[nodiscard]] Task {
 public:
  struct promise_type : FrameLink {
    std::optional<T> value;
    std::exception_ptr error;
    std::coroutine_handle<> continuation;

    Task get_return_object() noexcept {
      const auto handle = std::coroutine_handle<promise_type>::from_promise(*this);
      self = handle;
      return Task(handle);
    }
    std::suspend_always initial_suspend() noexcept { return {}; }
    // At the end, the awaiter goes on; the frame stays until the Task is destroyed, so the
    // awaiter can take the value.
    auto final_suspend() noexcept {
      struct Final {
        bool await_ready() const noexcept { return false; }
        std::coroutine_handle<> await_suspend(std::coroutine_handle<promise_type> done) noexcept {
          return done.promise().continuation;
        }
        void await_resume() const noexcept {}
      };
      return Final{};
    }
    template <class U>
    void return_value(U&& v) {
      value.emplace(std::forward<U>(v));
    }
    void unhandled_exception() noexcept { error = std::current_exception(); }
  };

  Task(Task&& other) noexcept : handle_(std::exchange(other.handle_, {})) {}
  Task& operator=(Task&&) = delete;
  ~Task() {
    if (handle_) handle_.destroy();
  }

  // Awaiting starts the task, on this thread and stack (symmetric transfer): a task that never
  // waits ends before the awaiter goes on.
  bool await_ready() const noexcept { return false; }
  template <class P>
  std::coroutine_handle<> await_suspend(std::coroutine_handle<P> awaiting) noexcept {
    static_assert(std::is_base_of_v<FrameLink, P>, "Tasks are awaited by our coroutines only");
    handle_.promise().continuation = awaiting;
    handle_.promise().awaited_by = &awaiting.promise();
    return handle_;
  }
  T await_resume() {
    auto& promise = handle_.promise();
    if (promise.error) std::rethrow_exception(promise.error);
    return std::move(*promise.value);
  }

 private:
  explicit Task(std::coroutine_handle<promise_type> handle) noexcept : handle_(handle) {}
  std::coroutine_handle<promise_type> handle_;
};

// The root of a chain: starts at once, frees itself at its end.
struct Detached {
  struct promise_type : FrameLink {
    Detached get_return_object() noexcept {
      self = std::coroutine_handle<promise_type>::from_promise(*this);
      return {};
    }
    std::suspend_never initial_suspend() noexcept { return {}; }
    std::suspend_never final_suspend() noexcept { return {}; }
    void return_void() noexcept {}
    // Roots catch what they can handle; anything else is a bug that must not go unseen.
    void unhandled_exception() noexcept { std::terminate(); }
  };
};

// Runs `task` and hands its value to `done` when it ends (at once, if it never waits).
// `done` must not throw.
template <class T, class Done>
Detached spawn(Task<T> task, Done done) {
  done(co_await std::move(task));
}

namespace detail {

// Resumes a waiting frame once; if the worker drops the completion instead (it is going
// away), destroys the frame's chain from its root.
class Resumer {
 public:
  Resumer(std::coroutine_handle<> frame, FrameLink* link) noexcept : frame_(frame), link_(link) {}
  Resumer(const Resumer&) = delete;
  Resumer& operator=(const Resumer&) = delete;
  ~Resumer() {
    if (armed_) destroy_chain(link_);
  }
  void resume() {
    armed_ = false;
    frame_.resume();
  }
  void disarm() noexcept { armed_ = false; }

 private:
  std::coroutine_handle<> frame_;
  FrameLink* link_;
  bool armed_ = true;
};

}  // namespace detail

// What on_worker() returns.
template <class Job>
class WorkerAwaiter {
 public:
  using Value = std::invoke_result_t<Job&>;
  WorkerAwaiter(Worker* worker, Job job) : worker_(worker), job_(std::move(job)) {}

  // Without a worker (unit tests), the job runs here and now.
  bool await_ready() const noexcept { return worker_ == nullptr; }
  template <class P>
  bool await_suspend(std::coroutine_handle<P> waiting) {
    static_assert(std::is_base_of_v<FrameLink, P>, "on_worker is awaited by our coroutines only");
    auto resumer = std::make_shared<detail::Resumer>(waiting, &waiting.promise());
    // The job writes result_, in this suspended frame; the worker's queue orders that write
    // before the completion runs on the loop.
    queued_ = worker_->submit([this] { result_.emplace(job_()); }, [resumer] { resumer->resume(); });
    if (!queued_) resumer->disarm();
    return queued_;  // not queued: go on at once, with no value
  }
  std::optional<Value> await_resume() {
    if (worker_ == nullptr) return job_();
    return std::move(result_);
  }

 private:
  Worker* worker_;
  Job job_;
  std::optional<Value> result_;
  bool queued_ = false;
};

// co_await on_worker(worker, job): runs `job` on one of the worker's threads and resumes on the
// loop with its value, or std::nullopt when the worker's queue is full or the job threw. `job`
// runs on another thread: it captures copies, never loop state. A null worker runs it inline.
template <class Job>
WorkerAwaiter<Job> on_worker(Worker* worker, Job job) {
  return WorkerAwaiter<Job>(worker, std::move(job));
}
template <class Job>
WorkerAwaiter<Job> on_worker(Worker& worker, Job job) {
  return WorkerAwaiter<Job>(&worker, std::move(job));
}

}  // namespace sspr::daemon
