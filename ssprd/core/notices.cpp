#include "notices.hpp"

#include "policy.hpp"

namespace sspr::daemon {

void Notices::to_user(const std::string& user, const std::string& event) {
  spawn(send_to_user(user, event), [](Done) {});  // never waited for
}

Task<Done> Notices::send_to_user(std::string user, std::string event) {
  const auto loaded = co_await store_.load(user);
  if (loaded.state != RecordState::present) co_return Done{};
  if (loaded.record.email) messenger_.send_notice(MethodType::email, loaded.record.email->address, user, event);
  if (loaded.record.sms) messenger_.send_notice(MethodType::sms, loaded.record.sms->address, user, event);
  co_return Done{};
}

void Notices::to_admins(const std::string& user, const std::string& event) {
  if (config_.admin_notify_addresses.empty()) return;
  const auto account = by_name_(user);
  if (!account || !is_administrator(config_, *account)) return;
  for (const auto& address : config_.admin_notify_addresses) messenger_.send_admin_notice(address, user, event);
}

}  // namespace sspr::daemon
