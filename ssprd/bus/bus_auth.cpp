#include "bus_auth.hpp"

#include "handle.hpp"
#include "log.hpp"

#include <cerrno>
#include <memory>

namespace sspr::daemon {

std::optional<uid_t> CallerUids::find(const std::string& sender) const {
  const auto it = uids_.find(sender);
  if (it == uids_.end()) return std::nullopt;
  return it->second;
}

void CallerUids::remember(const std::string& sender, uid_t uid) {
  if (sender.empty() || !uids_.emplace(sender, uid).second) return;
  order_.push_back(sender);
  while (order_.size() > kCapacity) {
    uids_.erase(order_.front());
    order_.pop_front();
  }
}

void CallerUids::forget(const std::string& sender) {
  if (uids_.erase(sender) == 0) return;
  for (auto it = order_.begin(); it != order_.end(); ++it)
    if (*it == sender) {
      order_.erase(it);
      break;
    }
}

int query_caller_uid(sd_bus_message* message, uid_t* uid) noexcept {
  sd_bus_creds* raw = nullptr;
  int r = sd_bus_query_sender_creds(message, SD_BUS_CREDS_EUID | SD_BUS_CREDS_AUGMENT, &raw);
  if (r < 0) return r;
  CredsPtr creds(raw);
  if ((sd_bus_creds_get_augmented_mask(creds.get()) & SD_BUS_CREDS_EUID) != 0) return -EPERM;
  r = sd_bus_creds_get_euid(creds.get(), uid);
  return r < 0 ? r : 0;
}

int caller_uid(CallerUids& known, sd_bus_message* message, uid_t* uid) noexcept {
  const char* sender = sd_bus_message_get_sender(message);
  try {
    if (sender != nullptr)
      if (const auto found = known.find(sender)) {
        *uid = *found;
        return 0;
      }
  } catch (...) {
    // fall through to asking the bus
  }
  const int r = query_caller_uid(message, uid);
  if (r == 0 && sender != nullptr) try {
      known.remember(sender, *uid);  // the next call on this connection asks nobody
    } catch (...) {
    }
  return r;
}

namespace {

struct PendingQuestion {
  CallerUids& known;
  std::string sender;
  std::function<void(int)> then;
  sd_bus_slot* slot = nullptr;
};

int on_unix_user(sd_bus_message* reply, void* userdata, sd_bus_error*) noexcept {
  auto* question = static_cast<PendingQuestion*>(userdata);
  try {
    int r = 0;
    uint32_t uid = 0;
    if (sd_bus_message_is_method_error(reply, nullptr)) {
      r = -sd_bus_message_get_errno(reply);
      if (r == 0) r = -EPERM;
    } else if ((r = sd_bus_message_read(reply, "u", &uid)) >= 0) {
      question->known.remember(question->sender, static_cast<uid_t>(uid));
      r = 0;
    }
    question->then(r);
  } catch (const std::exception& e) {
    log_error("establishing a caller's uid failed: %s", e.what());
  }
  // Last: sd-bus holds the slot until this returns, then frees it and with it the question.
  question->known.let_go(question->slot);
  return 0;
}

void free_question(void* userdata) noexcept { delete static_cast<PendingQuestion*>(userdata); }

}  // namespace

int ask_caller_uid(CallerUids& known, sd_bus_message* message, std::function<void(int)> then) noexcept {
  try {
    const char* sender = sd_bus_message_get_sender(message);
    if (sender == nullptr) return -EPERM;  // a direct connection: nobody the bus vouches for
    auto question = std::make_unique<PendingQuestion>(PendingQuestion{known, sender, std::move(then)});
    sd_bus_slot* raw = nullptr;
    int r = sd_bus_call_method_async(sd_bus_message_get_bus(message), &raw, "org.freedesktop.DBus",
                                     "/org/freedesktop/DBus", "org.freedesktop.DBus", "GetConnectionUnixUser",
                                     on_unix_user, question.get(), "s", sender);
    if (r < 0) return r;
    SlotPtr slot(raw);
    // The slot frees the question when it goes: after the reply, or unanswered when the table
    // that holds it goes at shutdown (a slot owned by the bus would keep the bus alive through
    // the call the question holds).
    sd_bus_slot_set_destroy_callback(raw, free_question);
    question->slot = raw;
    question.release();
    known.hold(std::move(slot));
    return 0;
  } catch (...) {
    return -ENOMEM;
  }
}

}  // namespace sspr::daemon
