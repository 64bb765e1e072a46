#include "delivery_messenger.hpp"

#include "delivery/addresses.hpp"
#include "handle.hpp"
#include "log.hpp"

#include <chrono>
#include <ctime>
#include <fcntl.h>
#include <sys/stat.h>
#include <map>
#include <unistd.h>

namespace sspr::daemon {
namespace {

std::optional<delivery::MessageTemplate> load(const std::string& dir, const char* name, delivery::TemplateKind kind) {
  std::string problem;
  auto t = delivery::load_template(dir + "/" + name, kind, problem);
  if (!t) log_warning("template %s/%s unusable (%s); that kind of message cannot be sent", dir.c_str(), name, problem.c_str());
  return t;
}

// Secret webhook headers live in a root-only file, not in the world-readable sspr.conf.
bool read_headers_file(const std::string& path, std::vector<std::string>& headers) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
  struct stat st {};
  if (!fd || ::fstat(fd.get(), &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != ::geteuid() ||
      (st.st_mode & 077) != 0 || st.st_size > 16 * 1024) {
    log_error("[sms] headers_file %s must be a regular file owned by root with mode 0600; SMS is disabled",
              path.c_str());
    return false;
  }
  std::string text(static_cast<std::size_t>(st.st_size), '\0');
  if (::read(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size())) return false;
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    auto line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty() && line.front() != '#') headers.push_back(std::move(line));
    start = end + 1;
  }
  secure_wipe(text.data(), text.size());
  return true;
}

std::string masked(MethodType channel, const std::string& destination) {
  return channel == MethodType::email ? delivery::mask_email(destination) : delivery::mask_phone(destination);
}

}  // namespace

DeliveryMessenger::DeliveryMessenger(const Config& config, sd_event* event) : event_(event), queue_(event) {
  mail_.smtp_url = config.smtp_url;
  mail_.from = config.mail_from;
  mail_.require_starttls = config.require_starttls;
  mail_.ca_file = config.smtp_ca_file;
  mail_.username = config.smtp_username;
  mail_.password_file = config.smtp_password_file;
  mail_.timeout_seconds = config.smtp_timeout_seconds;
  sms_.webhook_url = config.sms_webhook_url;
  sms_.headers = config.sms_headers;
  if (!config.sms_headers_file.empty() && !read_headers_file(config.sms_headers_file, sms_.headers))
    sms_.webhook_url.clear();  // refuse to send without the credentials the admin meant to use
  sms_.body_template = config.sms_body_template;
  sms_.ca_file = config.sms_ca_file;
  sms_.timeout_seconds = config.sms_timeout_seconds;
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  host_ = host;
  const auto& dir = config.template_directory;
  code_email_ = load(dir, "code-email.txt", delivery::TemplateKind::email);
  code_sms_ = load(dir, "code-sms.txt", delivery::TemplateKind::sms);
  notice_email_ = load(dir, "notice-email.txt", delivery::TemplateKind::email);
  notice_sms_ = load(dir, "notice-sms.txt", delivery::TemplateKind::sms);
  admin_notice_email_ = load(dir, "admin-notice-email.txt", delivery::TemplateKind::email);
}

bool DeliveryMessenger::submit(MethodType channel, const std::string& destination,
                               const delivery::MessageTemplate& message, std::function<void(bool)> done) {
  const std::string shown = masked(channel, destination);
  auto job = [this, channel, destination, message = delivery::MessageTemplate(message)]() mutable {
    auto result = channel == MethodType::email ? delivery::send_mail(mail_, destination, message.subject, message.body)
                                               : delivery::send_sms(sms_, destination, message.body);
    // The body may hold a code: wipe our copy before the job's memory is freed.
    secure_wipe(message.body.data(), message.body.size());
    return result;
  };
  // Timed from the request, waiting in the queue included: what the caller of SendCode waits.
  const auto asked = std::chrono::steady_clock::now();
  return queue_.submit(std::move(job), [this, channel, asked, shown, done = std::move(done)](delivery::DeliveryResult result) {
    times(channel).record({std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - asked),
                           result.ok});
    if (!result.ok) log_error("delivery to %s failed: %s", shown.c_str(), result.error.c_str());
    if (done) done(result.ok);
  });
}

bool DeliveryMessenger::send_decoy(MethodType channel, std::function<void(bool)> done) {
  // Where a real code would be refused at once, so is a decoy's.
  const auto& tmpl = channel == MethodType::email ? code_email_ : code_sms_;
  if (!tmpl || queue_.full()) return false;
  const auto replay = times(channel).sample();
  // From the clock now, not sd_event_now() (the loop iteration's start, which _relative would
  // count from): this request's own work so far must not be taken off the time.
  timespec now{};
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  const auto due = static_cast<uint64_t>(now.tv_sec) * 1'000'000 + static_cast<uint64_t>(now.tv_nsec) / 1000 +
                   static_cast<uint64_t>(replay.took.count());
  sd_event_source* raw = nullptr;
  if (sd_event_add_time(event_, &raw, CLOCK_MONOTONIC, due, 1 /* µs: no coalescing, which would add time */,
                        &DeliveryMessenger::decoy_due, this) < 0)
    return false;
  decoys_.emplace(raw, PendingDecoy{EventSourcePtr(raw), replay.ok, std::move(done)});
  return true;
}

int DeliveryMessenger::decoy_due(sd_event_source* source, uint64_t, void* userdata) noexcept {
  auto* self = static_cast<DeliveryMessenger*>(userdata);
  auto it = self->decoys_.find(source);
  if (it == self->decoys_.end()) return 0;
  auto pending = std::move(it->second);  // the source stays alive until this returns
  self->decoys_.erase(it);
  try {
    if (pending.done) pending.done(pending.ok);
  } catch (const std::exception& e) {
    log_error("a decoy delivery's completion failed: %s", e.what());
  }
  return 0;
}

bool DeliveryMessenger::send_code(MethodType channel, const std::string& destination, const std::string& user,
                                  const Secret& code, unsigned valid_minutes, std::function<void(bool)> done) {
  const auto& tmpl = channel == MethodType::email ? code_email_ : code_sms_;
  if (!tmpl) return false;
  std::map<std::string, std::string> values = {{"code", std::string(code.reveal())},
                                                {"minutes", std::to_string(valid_minutes)},
                                                {"user", user},
                                                {"host", host_},
                                                {"purpose", "confirm this address for password reset"}};
  auto message = delivery::render_message(*tmpl, values);
  secure_wipe(values["code"].data(), values["code"].size());
  if (!message) return false;
  const bool queued = submit(channel, destination, *message, std::move(done));
  secure_wipe(message->body.data(), message->body.size());
  return queued;
}

std::optional<delivery::MessageTemplate> DeliveryMessenger::render_notice(
    const std::optional<delivery::MessageTemplate>& tmpl, const std::string& user, const std::string& event) const {
  if (!tmpl) return std::nullopt;
  char when[64];
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  std::strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", &tm);
  return delivery::render_message(*tmpl, {{"user", user}, {"host", host_}, {"event", event}, {"time", when}});
}

bool DeliveryMessenger::send_notice(MethodType channel, const std::string& destination, const std::string& user,
                                    const std::string& event) {
  const auto message = render_notice(channel == MethodType::email ? notice_email_ : notice_sms_, user, event);
  if (!message) return false;
  if (!notices_.admit(user, std::time(nullptr), queue_.outstanding(), delivery::DeliveryQueue::kDefaultCapacity)) {
    log_warning("notice to %s about %s not sent: too many notices, or the delivery queue is busy with codes",
                masked(channel, destination).c_str(), user.c_str());
    return false;
  }
  return submit(channel, destination, *message, nullptr);
}

bool DeliveryMessenger::send_admin_notice(const std::string& destination, const std::string& user,
                                          const std::string& event) {
  const auto message = render_notice(admin_notice_email_, user, event);
  if (!message) return false;
  if (!notices_.admit(user, std::time(nullptr), queue_.outstanding(), delivery::DeliveryQueue::kDefaultCapacity)) {
    log_warning("administrator notice to %s about %s not sent: too many notices, or the delivery queue is busy",
                masked(MethodType::email, destination).c_str(), user.c_str());
    return false;
  }
  return submit(MethodType::email, destination, *message, nullptr);
}

}  // namespace sspr::daemon
