// How long deliveries of one channel took lately, and whether they went out, so that a decoy's
// code (a name that cannot be reset: core/decoys.hpp) is "sent" as a real one is: answered with
// the outcome of the latest real delivery, after a time a recent one of that outcome took. Without it a decoy's SendCode answers
// at once while a real one waits for the mail server, which tells a prober who exists.
// Event-loop thread only.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <random>

namespace sspr::daemon::delivery {

class DeliveryTimes {
 public:
  struct Outcome {
    std::chrono::microseconds took;
    bool ok;
  };

  // The last kKept deliveries are kept; older ones are forgotten, so a decoy follows the
  // server's current state (slow, down, back).
  static constexpr std::size_t kKept = 32;
  // Before any real delivery: a plausible time for a mail relay or an SMS gateway, and success.
  static constexpr std::chrono::milliseconds kFirstMin{200}, kFirstMax{900};

  DeliveryTimes();
  void record(Outcome outcome) noexcept;
  // The latest delivery's outcome (the server's state now: up or down), with the time of one
  // of the kept deliveries of that outcome drawn at random; before any, success after a time
  // in [kFirstMin, kFirstMax].
  Outcome sample();
  std::size_t kept() const noexcept { return count_; }

 private:
  std::array<Outcome, kKept> ring_{};
  std::size_t next_ = 0, count_ = 0;
  std::mt19937_64 random_;
};

}  // namespace sspr::daemon::delivery
