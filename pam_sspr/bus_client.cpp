#include "bus_client.hpp"

#include "bus_connection.hpp"
#include "bus_names.hpp"
#include "handle.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>

namespace sspr::pam {
namespace {

std::uint64_t now_usec() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000u + static_cast<std::uint64_t>(ts.tv_nsec) / 1000u;
}

StatusQuery unavailable(std::string detail, const ErrorInfo* error = nullptr) {
  StatusQuery q;
  q.outcome = CallOutcome::unavailable;
  q.error = error;
  q.detail = std::move(detail);
  return q;
}

}  // namespace

StatusQuery query_registration_status(std::string_view user, std::uint64_t timeout_ms) {
  const std::uint64_t budget = timeout_ms * 1000u;
  const std::uint64_t start = now_usec();

  BusPtr bus;
  int r = client::open_system_bus(budget, bus);
  if (r < 0) return unavailable(std::string("cannot connect to the system bus: ") + std::strerror(-r));

  // What is left of the budget after connecting bounds the call itself.
  const std::uint64_t spent = now_usec() - start;
  const std::uint64_t remaining = spent < budget ? budget - spent : 1;

  sd_bus_message* raw = nullptr;
  r = sd_bus_message_new_method_call(bus.get(), &raw, bus::kServiceName, bus::kManagerPath,
                                     bus::kManagerInterface, "GetRegistrationStatus");
  if (r < 0) return unavailable(std::string("cannot build the request: ") + std::strerror(-r));
  MessagePtr request(raw);
  const std::string user_arg(user);
  if ((r = sd_bus_message_append(request.get(), "s", user_arg.c_str())) < 0)
    return unavailable(std::string("cannot build the request: ") + std::strerror(-r));

  BusError error;
  raw = nullptr;
  r = sd_bus_call(bus.get(), request.get(), remaining, error.get(), &raw);
  MessagePtr reply(raw);
  if (r < 0) {
    if (!error.is_set()) return unavailable(std::string("call failed: ") + std::strerror(-r));
    // Only ssprd's own errors are answers. Everything else the bus may say (activation
    // failures such as Spawn.ChildExited or systemd's UnitMasked, NoReply, AccessDenied from
    // the policy, names from a future bus) means ssprd could not be asked.
    const ErrorInfo* info = error_by_bus_name(error.name());
    if (info == nullptr || info->origin != ErrorOrigin::sspr) return unavailable(error.name(), info);
    StatusQuery q;
    q.outcome = CallOutcome::error_reply;
    q.error = info;
    q.detail = error.name();
    return q;
  }

  const char* name = nullptr;
  int registered = 0, must_register = 0, reconfirm_due = 0, can_skip = 0;
  const char* reason = nullptr;
  uint32_t skips_left = 0;
  uint64_t deadline = 0;
  if (!sd_bus_message_has_signature(reply.get(), "sbbsbbut") ||
      sd_bus_message_read(reply.get(), "sbbsbbut", &name, &registered, &must_register, &reason, &reconfirm_due,
                          &can_skip, &skips_left, &deadline) < 0)
    // Another ssprd version during an upgrade, say: it cannot be asked either.
    return unavailable("unexpected answer: reply has an unexpected signature");

  StatusQuery q;
  q.outcome = CallOutcome::ok;
  q.reply = {name, registered != 0, must_register != 0, reason, reconfirm_due != 0, can_skip != 0, skips_left, deadline};
  return q;
}

}  // namespace sspr::pam
