// Keeps a slow directory off the event loop. A bus call that will read a directory user's
// registration record first has the record fetched on a worker thread; only then does the
// handler run, and its reads are answered from the fetched copy. Meanwhile the loop serves
// everyone else, so a hung directory delays only the calls about its own users.
//
// Wrap a Manager handler as prefetching<handler, user_of_call> (the user is its first string
// argument); the Session methods do it for the session's user (reset_bus.cpp).
#pragma once

#include "bus_context.hpp"
#include "bus_util.hpp"
#include "async/worker.hpp"
#include "ldap_registration_store.hpp"
#include "user_name.hpp"

#include <functional>
#include <memory>
#include <string>
#include <systemd/sd-bus.h>

namespace sspr::daemon {

class RecordPrefetch {
 public:
  RecordPrefetch(Worker& worker, LdapRegistrationStore& store) : worker_(worker), store_(store) {}
  // True when `user`'s record lives in the directory and no fresh copy is at hand.
  bool needed(const std::string& user) const { return store_.stores_in_directory(user) && !store_.has_fresh(user); }
  // Fetches on the worker, keeps the copy, then runs `then` on the loop. False if the worker
  // queue is full (the caller then reads synchronously).
  bool fetch(const std::string& user, std::function<void()> then);

 private:
  Worker& worker_;
  LdapRegistrationStore& store_;
};

// The user a call is about: its first string argument (rewound afterwards), or "".
std::string user_of_call(sd_bus_message* m, BusContext& ctx);

template <sd_bus_message_handler_t Handler, std::string (*UserOf)(sd_bus_message*, BusContext&)>
int prefetching(sd_bus_message* m, void* userdata, sd_bus_error* error) noexcept {
  return guard_bus_call("prefetch", error, [&]() -> int {
    auto& ctx = *static_cast<BusContext*>(userdata);
    if (ctx.prefetch == nullptr) return Handler(m, userdata, error);
    const std::string user = UserOf(m, ctx);
    if (user.empty() || !valid_user_name(user) || !ctx.prefetch->needed(user)) return Handler(m, userdata, error);
    std::shared_ptr<sd_bus_message> call(sd_bus_message_ref(m), sd_bus_message_unref);
    if (!ctx.prefetch->fetch(user, [call, userdata] { run_deferred(Handler, call.get(), userdata); }))
      return Handler(m, userdata, error);
    return 1;  // answered when the record is here
  });
}

}  // namespace sspr::daemon
