// ssprd's one asynchronous boundary: a small pool of threads for work that blocks (hashing,
// reading the shadow file, LDAP, SMTP, HTTP), whose completions run back on the sd-event loop,
// so nothing slow ever holds up the loop and the other callers.
//
// Threading: construct, submit() and destroy on the loop thread; the sd_event must outlive the
// worker. A job runs on a pool thread and must not touch loop state: it captures copies (or a
// shared result it alone writes). Its completion always runs on the loop thread (from an
// eventfd source), never on a pool thread.
#pragma once

#include "handle.hpp"

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <systemd/sd-event.h>
#include <thread>
#include <vector>

namespace sspr::daemon {

class Worker {
 public:
  using Job = std::function<void()>;
  using Completion = std::function<void()>;

  // Registers an eventfd with `event` and starts `threads` threads (at least 1) with every
  // signal blocked, so signals keep going to the loop's signalfd. `capacity` bounds the jobs
  // accepted and not yet finished (queued + running); `name` appears in logs. Throws
  // std::system_error if the eventfd, the event source or a thread cannot be made.
  Worker(sd_event* event, std::string name, unsigned threads, std::size_t capacity);
  // Stops accepting, discards jobs that have not started, waits for running ones and joins the
  // threads. No completion runs after (or during) destruction; not from inside a completion.
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Queues `job`; false (and nothing queued) when `capacity` jobs are outstanding or the worker
  // is stopping. A job that throws is logged; its completion still runs. A completion that
  // throws is logged and dropped.
  bool submit(Job job, Completion done);

  // Jobs accepted and not yet finished (queued + running).
  std::size_t outstanding() const;

 private:
  struct Pending {
    Job job;
    Completion done;
  };

  void thread_main() noexcept;
  static int on_eventfd(sd_event_source* source, int fd, uint32_t revents, void* userdata) noexcept;
  void run_completions() noexcept;

  std::string name_;
  std::size_t capacity_;
  UniqueFd eventfd_;
  EventSourcePtr source_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::deque<Pending> queue_;
  std::size_t running_ = 0;
  std::vector<Completion> finished_;
  std::vector<std::thread> threads_;
};

}  // namespace sspr::daemon
