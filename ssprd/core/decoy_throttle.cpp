#include "decoy_throttle.hpp"

#include <algorithm>

namespace sspr::daemon {

DecoyThrottle::DecoyThrottle(std::uint32_t limit, std::int64_t window, std::int64_t block, std::size_t capacity)
    : limit_(std::max<std::uint32_t>(limit, 1)), window_(window), block_(block), capacity_(std::max<std::size_t>(capacity, 1)) {}

std::int64_t DecoyThrottle::blocked_until(const std::string& name, std::int64_t now) const {
  const auto it = names_.find(name);
  if (it == names_.end() || it->second.blocked_until <= now) return 0;
  return it->second.blocked_until;
}

std::int64_t DecoyThrottle::record_failure(const std::string& name, std::int64_t now) {
  if (names_.find(name) == names_.end() && names_.size() >= capacity_) make_room();
  auto& failures = names_[name];
  while (!failures.times.empty() && failures.times.front() <= now - window_) failures.times.pop_front();
  failures.times.push_back(now);
  if (failures.times.size() >= limit_) {
    failures.blocked_until = now + block_;
    failures.times.clear();
  }
  return blocked_until(name, now);
}

void DecoyThrottle::make_room() {
  const auto last = [](const Failures& f) { return std::max(f.blocked_until, f.times.empty() ? 0 : f.times.back()); };
  const auto oldest = std::min_element(names_.begin(), names_.end(),
                                       [&](const auto& a, const auto& b) { return last(a.second) < last(b.second); });
  if (oldest != names_.end()) names_.erase(oldest);
}

}  // namespace sspr::daemon
