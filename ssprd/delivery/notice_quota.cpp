#include "delivery/notice_quota.hpp"

#include <algorithm>

namespace sspr::daemon::delivery {

bool NoticeQuota::admit(const std::string& user, std::int64_t now, std::size_t outstanding, std::size_t capacity) {
  if (outstanding >= capacity / 2) return false;  // the other half is the codes'
  auto& times = sent_[user];
  while (!times.empty() && times.front() <= now - kWindow) times.pop_front();
  if (times.size() >= kPerUser) return false;
  times.push_back(now);
  if (sent_.size() > kMaxUsers) {
    // Forget who has been quiet longest (their window is over, or nearly).
    std::erase_if(sent_, [now](const auto& entry) { return entry.second.empty() || entry.second.back() <= now - kWindow; });
    if (sent_.size() > kMaxUsers) {
      const auto oldest = std::min_element(sent_.begin(), sent_.end(), [](const auto& a, const auto& b) {
        return a.second.back() < b.second.back();
      });
      sent_.erase(oldest);
    }
  }
  return true;
}

}  // namespace sspr::daemon::delivery
