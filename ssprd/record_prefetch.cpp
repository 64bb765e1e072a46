#include "record_prefetch.hpp"

#include "log.hpp"

namespace sspr::daemon {

bool RecordPrefetch::fetch(const std::string& user, std::function<void()> then) {
  auto fetched = std::make_shared<LoadedRecord>();
  const LdapRegistrationStore* store = &store_;
  return worker_.submit(
      [store, user, fetched]() -> delivery::DeliveryResult {
        *fetched = store->fetch(user);  // the blocking directory read
        return {true, {}};
      },
      [this, user, fetched, then = std::move(then)](delivery::DeliveryResult) {
        store_.keep_fresh(user, std::move(*fetched));
        then();
      });
}

std::string user_of_call(sd_bus_message* m, BusContext&) {
  const char* user = nullptr;
  std::string out;
  if (sd_bus_message_read(m, "s", &user) >= 0 && user != nullptr) out = user;
  sd_bus_message_rewind(m, 1);
  return out;
}

void run_deferred(sd_bus_message_handler_t handler, sd_bus_message* m, void* userdata) {
  sd_bus_error error = SD_BUS_ERROR_NULL;
  const int r = handler(m, userdata, &error);
  if (r < 0) {
    if (sd_bus_error_is_set(&error))
      sd_bus_reply_method_error(m, &error);
    else
      sd_bus_reply_method_errno(m, r, nullptr);
  }
  sd_bus_error_free(&error);
}

}  // namespace sspr::daemon
