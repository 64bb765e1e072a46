#include "record_prefetch.hpp"

#include "log.hpp"

namespace sspr::daemon {

bool RecordPrefetch::fetch(const std::string& user, std::function<void()> then) {
  auto fetched = std::make_shared<LoadedRecord>();
  const LdapRegistrationStore* store = &store_;
  return worker_.submit(
      [store, user, fetched] {
        *fetched = store->fetch(user);  // the blocking directory read
      },
      [this, user, fetched, then = std::move(then)] {
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

}  // namespace sspr::daemon
