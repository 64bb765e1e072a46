// Attempts nobody has authenticated yet (a reset started, a failed proof in it, a refusal) are
// audited one by one up to kPerWindow per origin in kWindow; beyond that they are counted, and
// the count is one event (attempts_suppressed: "N more attempts from uid 1003 were not recorded
// one by one") once that origin's window is over. So a loop of resets from one uid or host
// cannot fill /var/log, and the trail still says how many there were and from where.
#pragma once

#include "audit.hpp"
#include "origin.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <string>

namespace sspr::daemon {

class AuditBudget {
 public:
  static constexpr unsigned kPerWindow = 30;
  static constexpr std::int64_t kWindow = 600;         // seconds
  static constexpr std::size_t kMaxOrigins = 10'000;  // beyond: counted together as "many origins"

  AuditBudget(AuditLog& audit, std::function<std::int64_t()> clock) : audit_(audit), clock_(std::move(clock)) {}

  void record(const Origin& origin, AuditEvent event, std::string_view user,
              std::initializer_list<AuditField> fields = {}) noexcept;
  // Records the counts of windows that are over (record() does it too).
  void flush() noexcept;

 private:
  struct Window {
    std::int64_t start = 0;
    unsigned recorded = 0;
    unsigned suppressed = 0;
  };
  AuditLog& audit_;
  std::function<std::int64_t()> clock_;
  std::map<std::string, Window> origins_;
};

}  // namespace sspr::daemon
