#include "async/worker.hpp"

#include "log.hpp"

#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <exception>
#include <new>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <system_error>
#include <unistd.h>

namespace sspr::daemon {

Worker::Worker(sd_event* event, std::string name, unsigned threads, std::size_t capacity)
    : name_(std::move(name)), capacity_(capacity == 0 ? 1 : capacity) {
  eventfd_.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!eventfd_) throw std::system_error(errno, std::generic_category(), "eventfd");
  sd_event_source* raw = nullptr;
  const int r = sd_event_add_io(event, &raw, eventfd_.get(), EPOLLIN, &Worker::on_eventfd, this);
  if (r < 0) throw std::system_error(-r, std::generic_category(), "sd_event_add_io");
  source_.reset(raw);
  (void)sd_event_source_set_description(raw, name_.c_str());

  // Threads inherit the creating thread's mask: block everything while creating them.
  sigset_t all, saved;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &saved);
  const unsigned count = threads == 0 ? 1 : threads;
  try {
    threads_.reserve(count);
    for (unsigned i = 0; i < count; ++i) threads_.emplace_back([this] { thread_main(); });
  } catch (...) {
    pthread_sigmask(SIG_SETMASK, &saved, nullptr);
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    for (auto& t : threads_) t.join();
    throw;
  }
  pthread_sigmask(SIG_SETMASK, &saved, nullptr);
}

Worker::~Worker() {
  source_.reset();  // no completion from here on
  std::deque<Pending> discarded;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    discarded.swap(queue_);
  }
  wake_.notify_all();
  if (!discarded.empty()) log_warning("shutting down: %zu queued %s job(s) dropped", discarded.size(), name_.c_str());
  for (auto& t : threads_) t.join();
}

bool Worker::submit(Job job, Completion done) {
  std::lock_guard lock(mutex_);
  if (stopping_ || queue_.size() + running_ >= capacity_) return false;
  queue_.push_back({std::move(job), std::move(done)});
  wake_.notify_one();
  return true;
}

std::size_t Worker::outstanding() const {
  std::lock_guard lock(mutex_);
  return queue_.size() + running_;
}

void Worker::thread_main() noexcept {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (stopping_) return;
    Pending item = std::move(queue_.front());
    queue_.pop_front();
    ++running_;
    lock.unlock();

    try {
      if (item.job) item.job();
    } catch (const std::exception& e) {
      log_error("%s job failed: %s", name_.c_str(), e.what());
    } catch (...) {
      log_error("%s job failed", name_.c_str());
    }
    item.job = nullptr;  // release the job's captures (secrets, message copies) on this thread, now

    lock.lock();
    --running_;
    bool queued = false;
    try {
      finished_.push_back(std::move(item.done));
      queued = true;
    } catch (...) {
      // Cannot record the completion: the caller's callback is lost; say so rather than crash.
    }
    if (!queued) log_error("%s completion dropped: out of memory", name_.c_str());
    // Wake the loop. EAGAIN would mean the counter is already readable, which is all we need.
    const std::uint64_t one = 1;
    if (queued && ::write(eventfd_.get(), &one, sizeof one) < 0 && errno != EAGAIN)
      log_error("cannot signal a %s completion: %s", name_.c_str(), std::strerror(errno));
  }
}

int Worker::on_eventfd(sd_event_source*, int fd, uint32_t, void* userdata) noexcept {
  std::uint64_t count = 0;
  // Reset before taking the list: a completion posted after this read wakes us again.
  while (::read(fd, &count, sizeof count) < 0 && errno == EINTR) {
  }
  static_cast<Worker*>(userdata)->run_completions();
  return 0;
}

void Worker::run_completions() noexcept {
  std::vector<Completion> batch;
  {
    std::lock_guard lock(mutex_);
    batch.swap(finished_);
  }
  for (auto& done : batch) {
    if (!done) continue;
    try {
      done();
    } catch (const std::exception& e) {
      log_error("%s completion failed: %s", name_.c_str(), e.what());
    } catch (...) {
      log_error("%s completion failed", name_.c_str());
    }
  }
}

}  // namespace sspr::daemon
