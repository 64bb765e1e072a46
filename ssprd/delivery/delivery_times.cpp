#include "delivery/delivery_times.hpp"

namespace sspr::daemon::delivery {

DeliveryTimes::DeliveryTimes() {
  std::random_device seed;  // which sample to replay need not be secret, only not fixed
  random_.seed((static_cast<std::uint64_t>(seed()) << 32) | seed());
}

void DeliveryTimes::record(Outcome outcome) noexcept {
  ring_[next_] = outcome;
  next_ = (next_ + 1) % kKept;
  if (count_ < kKept) ++count_;
}

DeliveryTimes::Outcome DeliveryTimes::sample() {
  if (count_ == 0) {
    std::uniform_int_distribution<std::int64_t> first(std::chrono::microseconds(kFirstMin).count(),
                                                      std::chrono::microseconds(kFirstMax).count());
    return {std::chrono::microseconds(first(random_)), true};
  }
  const bool latest_ok = ring_[(next_ + kKept - 1) % kKept].ok;
  std::array<std::size_t, kKept> alike{};
  std::size_t n = 0;
  for (std::size_t i = 0; i < count_; ++i)
    if (ring_[i].ok == latest_ok) alike[n++] = i;
  std::uniform_int_distribution<std::size_t> pick(0, n - 1);  // n >= 1: the latest is one
  return ring_[alike[pick(random_)]];
}

}  // namespace sspr::daemon::delivery
