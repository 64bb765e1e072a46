#include "bus_context.hpp"

namespace sspr::daemon {

// A step-up, and a reset session, die with the connection that earned them.
bool track_caller(BusContext& ctx, sd_bus_message* m, const std::string& sender) {
  if (sender.empty()) return false;
  if (ctx.tracked_callers.count(sender) != 0) return true;
  sd_bus_track* track = nullptr;
  auto on_gone = [](sd_bus_track* t, void* userdata) noexcept -> int {
    auto* c = static_cast<BusContext*>(userdata);
    for (auto it = c->tracked_callers.begin(); it != c->tracked_callers.end(); ++it) {
      if (it->second.get() == t) {
        const std::string name = it->first;
        c->tracked_callers.erase(it);  // drops the last reference to `t`
        c->caller_uids.forget(name);
        if (c->registration) c->registration->forget_caller(name);
        if (c->reset) c->reset->forget_owner(name);
        break;
      }
    }
    return 0;
  };
  if (sd_bus_track_new(sd_bus_message_get_bus(m), &track, on_gone, &ctx) < 0) return false;
  TrackPtr owned(track);
  // Fails when the sender has already left the bus (sd-bus asks the bus whether it is there).
  if (sd_bus_track_add_sender(track, m) < 0) return false;
  ctx.tracked_callers.emplace(sender, std::move(owned));
  return true;
}

}  // namespace sspr::daemon
