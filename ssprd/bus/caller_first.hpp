// The first step of every call that depends on who is calling: the caller's uid is asked of the
// bus daemon without blocking the loop, and only then does the handler run (its caller_uid()
// is then answered from the table). Meanwhile the loop serves everyone else.
//
// Wrap a vtable handler as caller_first<handler>.
#pragma once

#include "bus_auth.hpp"
#include "bus_context.hpp"
#include "bus_util.hpp"

#include <memory>
#include <systemd/sd-bus.h>

namespace sspr::daemon {

template <sd_bus_message_handler_t Handler>
int caller_first(sd_bus_message* m, void* userdata, sd_bus_error* error) noexcept {
  return guard_bus_call("caller", error, [&]() -> int {
    auto& ctx = *static_cast<BusContext*>(userdata);
    const char* sender = sd_bus_message_get_sender(m);
    if (sender == nullptr || ctx.caller_uids.find(sender)) return Handler(m, userdata, error);
    std::shared_ptr<sd_bus_message> call(sd_bus_message_ref(m), sd_bus_message_unref);
    const int r = ask_caller_uid(ctx.caller_uids, m, [call, userdata](int known) {
      if (known < 0) {
        // A caller that left before it could be asked (ENXIO) is ordinary, and a flood of them
        // must not flood the log; anything else is worth a warning.
        log_message(known == -ENXIO ? LOG_DEBUG : LOG_WARNING, "%s: cannot establish the caller's uid (%d); denied",
                    sd_bus_message_get_member(call.get()), known);
        sd_bus_error denied = SD_BUS_ERROR_NULL;
        set_bus_error(&denied, ErrorCode::AccessDenied);
        sd_bus_reply_method_error(call.get(), &denied);
        sd_bus_error_free(&denied);
        return;
      }
      run_deferred(Handler, call.get(), userdata);
    });
    if (r < 0) return Handler(m, userdata, error);  // ask synchronously instead
    return 1;  // answered once the uid is known
  });
}

}  // namespace sspr::daemon
