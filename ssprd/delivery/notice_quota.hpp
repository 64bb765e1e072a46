// Codes before notices: a notice ("your security info changed", "your password was reset") is
// best effort, a code is what somebody is waiting for at a login prompt. Notices may take at
// most half of the delivery queue, and each user at most kPerUser of them an hour, so no user
// looping changes of their own (or anybody's resets) can crowd out other users' codes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <unordered_map>

namespace sspr::daemon::delivery {

class NoticeQuota {
 public:
  static constexpr std::size_t kPerUser = 10;
  static constexpr std::int64_t kWindow = 3600;  // seconds
  static constexpr std::size_t kMaxUsers = 4096;  // remembered at once; the oldest go first

  // Whether a notice about `user` may be queued at `now` with `outstanding` of the queue's
  // `capacity` taken; counted when it may.
  bool admit(const std::string& user, std::int64_t now, std::size_t outstanding, std::size_t capacity);

 private:
  std::unordered_map<std::string, std::deque<std::int64_t>> sent_;
};

}  // namespace sspr::daemon::delivery
