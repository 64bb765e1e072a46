// Runs deliveries (blocking libcurl transfers) on a Worker (async/worker.hpp) and hands their
// results back on the sd-event loop thread, so a dead or slow SMTP server or SMS gateway never
// blocks ssprd's loop or other users' requests. Threading as for Worker.
#pragma once

#include "async/worker.hpp"
#include "delivery/result.hpp"

#include <cstddef>
#include <functional>
#include <systemd/sd-event.h>

namespace sspr::daemon::delivery {

class DeliveryQueue {
 public:
  using Job = std::function<DeliveryResult()>;
  using Completion = std::function<void(DeliveryResult)>;

  static constexpr unsigned kDefaultWorkers = 2;
  static constexpr std::size_t kDefaultCapacity = 64;

  // Initialises libcurl and starts a Worker of `workers` threads on `event`. `capacity` bounds
  // the jobs accepted but not yet finished (queued + running). Throws std::system_error if
  // libcurl, the eventfd, the event source or a thread cannot be made.
  explicit DeliveryQueue(sd_event* event, unsigned workers = kDefaultWorkers, std::size_t capacity = kDefaultCapacity);

  // Queues `job`; false (and nothing queued) when `capacity` jobs are outstanding: the caller
  // reports DeliveryFailed. A job that throws completes with {false, "internal error"}.
  // on_done should not throw; if it does, the exception is logged and dropped. No on_done runs
  // after (or during) destruction, which waits for running jobs (their curl timeouts bound that).
  bool submit(Job job, Completion on_done);

  // Jobs accepted and not yet finished (queued + running).
  std::size_t outstanding() const { return worker_.outstanding(); }
  // submit() would refuse now.
  bool full() const { return outstanding() >= capacity_; }

 private:
  std::size_t capacity_;
  Worker worker_;
};

}  // namespace sspr::daemon::delivery
