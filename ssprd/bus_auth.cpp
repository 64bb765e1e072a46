#include "bus_auth.hpp"

#include "handle.hpp"

#include <cerrno>

namespace sspr::daemon {

int query_caller_uid(sd_bus_message* message, uid_t* uid) noexcept {
  sd_bus_creds* raw = nullptr;
  int r = sd_bus_query_sender_creds(message, SD_BUS_CREDS_EUID | SD_BUS_CREDS_AUGMENT, &raw);
  if (r < 0) return r;
  CredsPtr creds(raw);
  if ((sd_bus_creds_get_augmented_mask(creds.get()) & SD_BUS_CREDS_EUID) != 0) return -EPERM;
  r = sd_bus_creds_get_euid(creds.get(), uid);
  return r < 0 ? r : 0;
}

}  // namespace sspr::daemon
