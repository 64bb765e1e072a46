// One change at a time per user. A step that reads a user's record, decides, and writes it back
// (spending a code, registering a method, counting a skip) may wait on the directory in
// between; a second call for the same user, from another session, must not read the record
// before the first has written it, or both would spend the same recovery code. So such a
// step holds the user's lock from its read to its write:
//
//   auto held = co_await locks.lock(user);   // at once when nobody holds it
//
// Waiters go in arrival order. The next waiter takes the lock over at once but runs from the
// event loop (a defer source), not inside the releasing step: no nesting, no re-entry. On the
// loop thread only. At shutdown, close() first: from then on a release resumes nobody, and the
// destructor destroys the chains still waiting.
#pragma once

#include "async/task.hpp"

#include <coroutine>
#include <deque>
#include <map>
#include <string>
#include <systemd/sd-event.h>
#include <utility>

namespace sspr::daemon {

class UserLocks {
 public:
  class Held {
   public:
    Held(UserLocks* locks, std::string user) noexcept : locks_(locks), user_(std::move(user)) {}
    Held(Held&& other) noexcept : locks_(std::exchange(other.locks_, nullptr)), user_(std::move(other.user_)) {}
    Held& operator=(Held&&) = delete;
    ~Held() {
      if (locks_ != nullptr) locks_->release(user_);
    }

   private:
    UserLocks* locks_;
    std::string user_;
  };

  class Acquire {
   public:
    Acquire(UserLocks& locks, std::string user) : locks_(locks), user_(std::move(user)) {}
    bool await_ready() { return locks_.try_take(user_); }
    template <class P>
    void await_suspend(std::coroutine_handle<P> waiting) {
      static_assert(std::is_base_of_v<FrameLink, P>, "locks are awaited by our coroutines only");
      locks_.held_[user_].push_back(&waiting.promise());
    }
    Held await_resume() { return Held(&locks_, user_); }

   private:
    UserLocks& locks_;
    std::string user_;
  };

  // Without an event loop (unit tests), the next waiter runs inside the release.
  explicit UserLocks(sd_event* event = nullptr) noexcept : event_(event) {}
  UserLocks(const UserLocks&) = delete;
  UserLocks& operator=(const UserLocks&) = delete;
  ~UserLocks() {
    closing_ = true;
    for (auto& [source, frame] : handoffs_) {
      sd_event_source_disable_unref(source);
      destroy_chain(frame);
    }
    for (auto& [user, waiting] : held_)
      for (FrameLink* frame : waiting) destroy_chain(frame);
  }

  Acquire lock(std::string user) { return Acquire(*this, std::move(user)); }
  void close() noexcept { closing_ = true; }
  bool held(const std::string& user) const { return held_.count(user) != 0; }

 private:
  bool try_take(const std::string& user) {
    if (held_.count(user) != 0) return false;
    held_.emplace(user, std::deque<FrameLink*>{});
    return true;
  }
  // The next waiter takes the lock over (it stays held); with none, it is free.
  void release(const std::string& user) {
    const auto it = held_.find(user);
    if (it == held_.end()) return;
    if (it->second.empty()) {
      held_.erase(it);
      return;
    }
    if (closing_) return;  // the destructor destroys the waiters
    FrameLink* next = it->second.front();
    it->second.pop_front();
    if (event_ == nullptr) return next->self.resume();
    sd_event_source* source = nullptr;
    if (sd_event_add_defer(event_, &source, &UserLocks::on_handoff, this) < 0) return next->self.resume();
    (void)sd_event_source_set_enabled(source, SD_EVENT_ONESHOT);
    handoffs_.emplace(source, next);
  }
  static int on_handoff(sd_event_source* source, void* userdata) noexcept {
    auto* locks = static_cast<UserLocks*>(userdata);
    const auto it = locks->handoffs_.find(source);
    if (it == locks->handoffs_.end()) return 0;
    FrameLink* next = it->second;
    locks->handoffs_.erase(it);
    sd_event_source_disable_unref(source);
    next->self.resume();
    return 0;
  }

  sd_event* event_;
  std::map<std::string, std::deque<FrameLink*>> held_;  // user -> who waits for it
  std::map<sd_event_source*, FrameLink*> handoffs_;     // lock passed on, the new holder not yet run
  bool closing_ = false;
};

}  // namespace sspr::daemon
