// Runs deliveries (blocking libcurl transfers) on a small pool of worker threads and hands
// their results back on the sd-event loop thread, so a dead or slow SMTP server or SMS
// gateway never blocks ssprd's loop or other users' requests.
//
// Threading: construct, submit() and destroy on the loop thread; the sd_event must outlive
// the queue. Jobs run on a worker;
// on_done always runs on the loop thread (from an eventfd source), never on a worker. Jobs
// must not touch loop-thread state; they should capture copies of what they need.
#pragma once

#include "delivery/result.hpp"
#include "handle.hpp"

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <systemd/sd-event.h>
#include <thread>
#include <utility>
#include <vector>

namespace sspr::daemon::delivery {

class DeliveryQueue {
 public:
  using Job = std::function<DeliveryResult()>;
  using Completion = std::function<void(DeliveryResult)>;

  static constexpr unsigned kDefaultWorkers = 2;
  static constexpr std::size_t kDefaultCapacity = 64;

  // Initialises libcurl, registers an eventfd with `event` and starts `workers` threads (at
  // least 1) with every signal blocked, so signals keep going to the loop's signalfd.
  // `capacity` bounds the jobs accepted but not yet finished (queued + running).
  // Throws std::system_error if the eventfd, the event source or a thread cannot be made.
  explicit DeliveryQueue(sd_event* event, unsigned workers = kDefaultWorkers, std::size_t capacity = kDefaultCapacity);

  // Stops accepting, discards jobs that have not started, waits for running ones to finish
  // (their curl timeouts bound that) and joins the workers. No on_done runs after (or
  // during) destruction. Must not be called from inside an on_done callback.
  ~DeliveryQueue();

  DeliveryQueue(const DeliveryQueue&) = delete;
  DeliveryQueue& operator=(const DeliveryQueue&) = delete;

  // Queues `job`; false (and nothing queued) when `capacity` jobs are outstanding: the caller
  // reports DeliveryFailed. A job that throws completes with {false, "internal error"}.
  // on_done should not throw; if it does, the exception is logged and dropped.
  bool submit(Job job, Completion on_done);

  // Jobs accepted and not yet finished (queued + running).
  std::size_t outstanding() const;

 private:
  struct Pending {
    Job job;
    Completion on_done;
  };
  struct Finished {
    Completion on_done;
    DeliveryResult result;
  };

  void worker_main() noexcept;
  static int on_eventfd(sd_event_source* source, int fd, uint32_t revents, void* userdata) noexcept;
  void deliver_finished() noexcept;

  std::size_t capacity_;
  UniqueFd eventfd_;
  EventSourcePtr source_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::deque<Pending> queue_;
  std::size_t running_ = 0;
  std::vector<Finished> finished_;

  std::vector<std::thread> workers_;
};

}  // namespace sspr::daemon::delivery
