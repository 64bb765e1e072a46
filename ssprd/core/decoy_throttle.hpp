// The throttle of names that have no real reset session: unknown users and users with nothing
// registered. Their failures are counted like a registered user's (same limit, same block), so
// "blocked after N wrong codes" does not tell an attacker which names are real. In memory and
// bounded: a restart forgets them, which costs an attacker nothing he could not learn anyway.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <unordered_map>

namespace sspr::daemon {

class DecoyThrottle {
 public:
  // `limit` failures within `window` seconds block for `block` seconds; at most `capacity`
  // names are remembered (when full, the name whose last failure is oldest is forgotten).
  DecoyThrottle(std::uint32_t limit, std::int64_t window, std::int64_t block, std::size_t capacity = 4096);

  // The time the block of `name` ends, or 0 when it is not blocked at `now`.
  std::int64_t blocked_until(const std::string& name, std::int64_t now) const;
  // Counts a failure; returns blocked_until() after it.
  std::int64_t record_failure(const std::string& name, std::int64_t now);
  void clear(const std::string& name) { names_.erase(name); }
  // Forgets every name that starts with `prefix` ("alice#": alice at every origin).
  void clear_prefix(const std::string& prefix) {
    std::erase_if(names_, [&](const auto& entry) { return entry.first.rfind(prefix, 0) == 0; });
  }
  std::size_t size() const noexcept { return names_.size(); }

 private:
  struct Failures {
    std::deque<std::int64_t> times;
    std::int64_t blocked_until = 0;
  };
  void make_room();

  std::uint32_t limit_;
  std::int64_t window_;
  std::int64_t block_;
  std::size_t capacity_;
  std::unordered_map<std::string, Failures> names_;
};

}  // namespace sspr::daemon
