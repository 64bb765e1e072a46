// Messenger over the delivery queue: renders the shipped templates and sends them by SMTP or
// the SMS webhook on worker threads, reporting back on the event loop.
#pragma once

#include "config.hpp"
#include "delivery/delivery_times.hpp"
#include "handle.hpp"
#include "delivery/mailer.hpp"
#include "delivery/notice_quota.hpp"
#include "delivery/queue.hpp"
#include "delivery/sms.hpp"
#include "delivery/templates.hpp"
#include "messenger.hpp"

#include <map>
#include <optional>

namespace sspr::daemon {

class DeliveryMessenger final : public Messenger {
 public:
  // Loads the templates from config.template_directory; a missing or bad template disables
  // that channel (logged once here, DeliveryFailed at use).
  DeliveryMessenger(const Config& config, sd_event* event);

  bool send_code(MethodType channel, const std::string& destination, const std::string& user, const Secret& code,
                 unsigned valid_minutes, std::function<void(bool)> done) override;
  bool send_decoy(MethodType channel, std::function<void(bool)> done) override;
  bool send_notice(MethodType channel, const std::string& destination, const std::string& user,
                   const std::string& event) override;
  bool send_admin_notice(const std::string& destination, const std::string& user, const std::string& event) override;

 private:
  std::optional<delivery::MessageTemplate> render_notice(const std::optional<delivery::MessageTemplate>& tmpl,
                                                        const std::string& user, const std::string& event) const;
  bool submit(MethodType channel, const std::string& destination, const delivery::MessageTemplate& message,
              std::function<void(bool)> done);

  delivery::MailConfig mail_;
  delivery::SmsConfig sms_;
  std::string host_;
  std::optional<delivery::MessageTemplate> code_email_, code_sms_, notice_email_, notice_sms_, admin_notice_email_;
  static int decoy_due(sd_event_source* source, uint64_t usec, void* userdata) noexcept;
  delivery::DeliveryTimes& times(MethodType channel) { return channel == MethodType::email ? mail_times_ : sms_times_; }

  sd_event* event_;
  delivery::DeliveryQueue queue_;
  delivery::NoticeQuota notices_;
  delivery::DeliveryTimes mail_times_, sms_times_;
  // Decoy codes "in delivery": each answered by its timer.
  struct PendingDecoy {
    EventSourcePtr timer;
    bool ok;
    std::function<void(bool)> done;
  };
  std::map<sd_event_source*, PendingDecoy> decoys_;
};

}  // namespace sspr::daemon
