#include "delivery/queue.hpp"

#include "delivery/curl_util.hpp"
#include "log.hpp"

#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <exception>
#include <new>
#include <sys/eventfd.h>
#include <system_error>
#include <unistd.h>

namespace sspr::daemon::delivery {

DeliveryQueue::DeliveryQueue(sd_event* event, unsigned workers, std::size_t capacity)
    : capacity_(capacity == 0 ? 1 : capacity) {
  if (!ensure_curl_initialised()) throw std::system_error(EIO, std::generic_category(), "curl_global_init");
  eventfd_.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!eventfd_) throw std::system_error(errno, std::generic_category(), "eventfd");
  sd_event_source* raw = nullptr;
  const int r = sd_event_add_io(event, &raw, eventfd_.get(), EPOLLIN, &DeliveryQueue::on_eventfd, this);
  if (r < 0) throw std::system_error(-r, std::generic_category(), "sd_event_add_io");
  source_.reset(raw);
  (void)sd_event_source_set_description(raw, "delivery-completions");

  // Threads inherit the creating thread's mask: block everything while creating them.
  sigset_t all, saved;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &saved);
  const unsigned count = workers == 0 ? 1 : workers;
  try {
    workers_.reserve(count);
    for (unsigned i = 0; i < count; ++i) workers_.emplace_back([this] { worker_main(); });
  } catch (...) {
    pthread_sigmask(SIG_SETMASK, &saved, nullptr);
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    for (auto& t : workers_) t.join();
    throw;
  }
  pthread_sigmask(SIG_SETMASK, &saved, nullptr);
}

DeliveryQueue::~DeliveryQueue() {
  source_.reset();  // no completion callback from here on
  std::deque<Pending> discarded;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    discarded.swap(queue_);
  }
  wake_.notify_all();
  if (!discarded.empty()) log_warning("shutting down: %zu queued deliveries dropped", discarded.size());
  for (auto& t : workers_) t.join();
}

bool DeliveryQueue::submit(Job job, Completion on_done) {
  std::lock_guard lock(mutex_);
  if (stopping_ || queue_.size() + running_ >= capacity_) return false;
  queue_.push_back({std::move(job), std::move(on_done)});
  wake_.notify_one();
  return true;
}

std::size_t DeliveryQueue::outstanding() const {
  std::lock_guard lock(mutex_);
  return queue_.size() + running_;
}

void DeliveryQueue::worker_main() noexcept {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (stopping_) return;
    Pending item = std::move(queue_.front());
    queue_.pop_front();
    ++running_;
    lock.unlock();

    DeliveryResult result;
    try {
      result = item.job();
    } catch (const std::bad_alloc&) {
      result = {false, "out of memory"};
    } catch (...) {
      result = {false, "internal error"};
    }
    item.job = nullptr;  // release the job's captures (message copies) on this thread, now

    lock.lock();
    --running_;
    bool queued = false;
    try {
      finished_.push_back({std::move(item.on_done), std::move(result)});
      queued = true;
    } catch (...) {
      // Cannot record the result: the caller's callback is lost; say so rather than crash.
    }
    if (!queued) log_error("delivery result dropped: out of memory");
    // Wake the loop. The counter cannot overflow in practice; EAGAIN would mean it is
    // already readable, which is all we need.
    const std::uint64_t one = 1;
    if (queued && ::write(eventfd_.get(), &one, sizeof one) < 0 && errno != EAGAIN)
      log_error("cannot signal delivery completion: %s", std::strerror(errno));
  }
}

int DeliveryQueue::on_eventfd(sd_event_source*, int fd, uint32_t, void* userdata) noexcept {
  std::uint64_t count = 0;
  // Reset before taking the list: a completion posted after this read wakes us again.
  while (::read(fd, &count, sizeof count) < 0 && errno == EINTR) {
  }
  static_cast<DeliveryQueue*>(userdata)->deliver_finished();
  return 0;
}

void DeliveryQueue::deliver_finished() noexcept {
  std::vector<Finished> batch;
  {
    std::lock_guard lock(mutex_);
    batch.swap(finished_);
  }
  for (auto& f : batch) {
    if (!f.on_done) continue;
    try {
      f.on_done(std::move(f.result));
    } catch (const std::exception& e) {
      log_error("delivery completion handler failed: %s", e.what());
    } catch (...) {
      log_error("delivery completion handler failed");
    }
  }
}

}  // namespace sspr::daemon::delivery
