// Who is calling: taken only from the bus's own record of the sender's connection.
#pragma once

#include "handle.hpp"

#include <sys/types.h>
#include <systemd/sd-bus.h>

#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>

namespace sspr::daemon {

// The uids of recent senders, by unique name. A unique name is never reused while the bus runs
// and a connection's uid never changes, so an entry cannot go stale; the oldest entries go
// first when the table is full, and a caller that went away is forgotten at once.
class CallerUids {
 public:
  static constexpr std::size_t kCapacity = 1024;

  std::optional<uid_t> find(const std::string& sender) const;
  void remember(const std::string& sender, uid_t uid);
  void forget(const std::string& sender);

  // The questions under way (ask_caller_uid). Each holds the call that waits for it, and so the
  // bus: held here, not by the bus, they are let go when this table goes at shutdown.
  void hold(SlotPtr question) { questions_.emplace(question.get(), std::move(question)); }
  void let_go(sd_bus_slot* question) { questions_.erase(question); }

 private:
  std::unordered_map<std::string, uid_t> uids_;
  std::deque<std::string> order_;  // oldest first
  std::map<sd_bus_slot*, SlotPtr> questions_;
};

// The sender's effective uid as the bus daemon saw it when the sender connected, asked
// synchronously. Credentials that sd-bus would have to "augment" from /proc (racy, spoofable
// through PID reuse) are refused. Returns 0 and sets *uid, or a negative errno.
int query_caller_uid(sd_bus_message* message, uid_t* uid) noexcept;

// The same, from `known` when the sender was asked about before; otherwise asked (synchronously)
// and remembered there.
int caller_uid(CallerUids& known, sd_bus_message* message, uid_t* uid) noexcept;

// Asks the bus daemon for the uid of `message`'s sender without waiting on the loop
// (GetConnectionUnixUser, answered by the daemon alone); remembers it in `known`, then runs
// `then(0)`, or `then(negative errno)` when the bus cannot say. Returns a negative errno if the
// question could not be sent (then `then` never runs).
int ask_caller_uid(CallerUids& known, sd_bus_message* message, std::function<void(int)> then) noexcept;

}  // namespace sspr::daemon
