#include "audit_budget.hpp"

namespace sspr::daemon {

void AuditBudget::flush() noexcept {
  const std::int64_t now = clock_();
  for (auto it = origins_.begin(); it != origins_.end();) {
    if (it->second.start + kWindow > now) {
      ++it;
      continue;
    }
    if (it->second.suppressed > 0)
      audit_.record(AuditEvent::attempts_suppressed, "",
                    {{"origin", it->first},
                     {"count", std::to_string(it->second.suppressed)},
                     {"summary", std::to_string(it->second.suppressed) + " more attempts from " + it->first +
                                     " were not recorded one by one"}});
    it = origins_.erase(it);
  }
}

void AuditBudget::record(const Origin& origin, AuditEvent event, std::string_view user,
                         std::initializer_list<AuditField> fields) noexcept {
  flush();
  const std::string key = origins_.size() < kMaxOrigins || origins_.count(origin.key) ? origin.key : "many-origins";
  auto& window = origins_[key];
  if (window.start == 0) window.start = clock_();
  if (window.recorded < kPerWindow) {
    ++window.recorded;
    audit_.record(event, user, fields);
  } else {
    ++window.suppressed;
  }
}

}  // namespace sspr::daemon
