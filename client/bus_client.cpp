#include "bus_client.hpp"

#include "bus_connection.hpp"
#include "bus_names.hpp"
#include "handle.hpp"
#include "status_socket_client.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>

namespace sspr::pam {
namespace {

// What the bus answers a call that must not start anything when the name has no owner.
bool not_running(const BusError& error) noexcept {
  return std::strcmp(error.name(), "org.freedesktop.DBus.Error.NameHasNoOwner") == 0 ||
         std::strcmp(error.name(), "org.freedesktop.DBus.Error.ServiceUnknown") == 0;
}
// How often a pending activation looks at the unit: short enough that a unit that failed to
// start costs a login little, long enough not to load systemd.
constexpr std::uint64_t kActivationPollUsec = 100 * 1000;

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

// The time left of a budget that started at `start`, at least 1 µs (0 would mean "default").
class Deadline {
 public:
  explicit Deadline(std::uint64_t budget_usec) noexcept : end_(now_usec() + budget_usec) {}
  std::uint64_t left() const noexcept {
    const std::uint64_t now = now_usec();
    return now < end_ ? end_ - now : 1;
  }
  bool passed() const noexcept { return now_usec() >= end_; }

 private:
  std::uint64_t end_;
};

int new_status_request(sd_bus* bus, const std::string& user, bool auto_start, MessagePtr& out) {
  sd_bus_message* raw = nullptr;
  int r = sd_bus_message_new_method_call(bus, &raw, bus::kServiceName, bus::kManagerPath, bus::kManagerInterface,
                                         "GetRegistrationStatus");
  if (r < 0) return r;
  out.reset(raw);
  if ((r = sd_bus_message_append(out.get(), "s", user.c_str())) < 0) return r;
  return sd_bus_message_set_auto_start(out.get(), auto_start ? 1 : 0);
}

// systemd's ActiveState of ssprd.service, or "" when there is no systemd on the bus, the unit is
// not loaded, or systemd does not answer in time. Only "failed" changes what the caller does.
std::string unit_active_state(sd_bus* bus, std::uint64_t timeout_usec) {
  sd_bus_message* raw = nullptr;
  if (sd_bus_message_new_method_call(bus, &raw, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                                     "org.freedesktop.systemd1.Manager", "GetUnit") < 0)
    return "";
  MessagePtr get_unit(raw);
  if (sd_bus_message_append(get_unit.get(), "s", bus::kUnitName) < 0 ||
      sd_bus_message_set_auto_start(get_unit.get(), 0) < 0)
    return "";
  BusError error;
  raw = nullptr;
  if (sd_bus_call(bus, get_unit.get(), timeout_usec, error.get(), &raw) < 0) return "";
  MessagePtr unit(raw);
  const char* path = nullptr;
  if (sd_bus_message_read(unit.get(), "o", &path) < 0) return "";
  const std::string unit_path(path);

  raw = nullptr;
  if (sd_bus_message_new_method_call(bus, &raw, "org.freedesktop.systemd1", unit_path.c_str(),
                                     "org.freedesktop.DBus.Properties", "Get") < 0)
    return "";
  MessagePtr get(raw);
  if (sd_bus_message_append(get.get(), "ss", "org.freedesktop.systemd1.Unit", "ActiveState") < 0) return "";
  raw = nullptr;
  BusError get_error;
  if (sd_bus_call(bus, get.get(), timeout_usec, get_error.get(), &raw) < 0) return "";
  MessagePtr value(raw);
  const char* state = nullptr;
  if (sd_bus_message_read(value.get(), "v", "s", &state) < 0 || state == nullptr) return "";
  return state;
}

StatusQuery unit_failed() {
  return unavailable(std::string(bus::kUnitName) + " failed to start; see systemctl status " + bus::kUnitName);
}

// Sends the status request and waits for its answer within the deadline. Asynchronous even on
// the hot path: sd_bus_call() would first wait for the answer to Hello, while a queued call
// goes out right behind it, which saves one round trip through the bus at every login.
// With `auto_start`, ssprd is not running and the bus is to start it; the unit is watched
// meanwhile, because when its start fails (a broken /etc/sspr.conf exits 78) systemd does not
// tell dbus-daemon, which would hold the call until its own activation timeout, and every
// login would wait out the whole budget.
int call_status(sd_bus* bus, const std::string& user, bool auto_start, const Deadline& deadline, BusError& error,
                MessagePtr& reply, bool& unit_has_failed) {
  MessagePtr request;
  int r = new_status_request(bus, user, auto_start, request);
  if (r < 0) return r;

  struct Pending {
    bool done = false;
    int r = 0;
    BusError* error = nullptr;
    MessagePtr* reply = nullptr;
  } pending{false, 0, &error, &reply};
  const auto on_reply = [](sd_bus_message* m, void* userdata, sd_bus_error*) noexcept -> int {
    auto* p = static_cast<Pending*>(userdata);
    p->done = true;
    const sd_bus_error* e = sd_bus_message_get_error(m);
    if (e != nullptr) {
      sd_bus_error_copy(p->error->get(), e);
      p->r = -sd_bus_message_get_errno(m);
      if (p->r == 0) p->r = -EIO;
    } else {
      p->reply->reset(sd_bus_message_ref(m));
    }
    return 0;
  };
  sd_bus_slot* raw_slot = nullptr;
  if ((r = sd_bus_call_async(bus, &raw_slot, request.get(), on_reply, &pending, deadline.left())) < 0) return r;
  SlotPtr slot(raw_slot);

  std::uint64_t next_look = now_usec() + kActivationPollUsec;
  while (!pending.done) {
    if (deadline.passed()) {  // named as sd_bus_call() would name it
      sd_bus_error_set_const(error.get(), SD_BUS_ERROR_TIMEOUT, "Connection timed out");
      return -ETIMEDOUT;
    }
    r = sd_bus_process(bus, nullptr);
    if (r < 0) return r;
    if (r > 0) continue;
    if (auto_start && now_usec() >= next_look) {
      if (unit_active_state(bus, std::min(deadline.left(), kActivationPollUsec)) == "failed") {
        unit_has_failed = true;
        return -EHOSTUNREACH;
      }
      next_look = now_usec() + kActivationPollUsec;
      continue;
    }
    r = sd_bus_wait(bus, auto_start ? std::min(deadline.left(), kActivationPollUsec) : deadline.left());
    if (r < 0) return r;
  }
  return pending.r;
}

}  // namespace

StatusQuery query_registration_status(std::string_view user, std::uint64_t timeout_ms,
                                      const std::string& status_socket) {
  const Deadline deadline(timeout_ms * 1000u);
  if (auto answered = query_status_socket(status_socket, user, now_usec() + deadline.left())) return *answered;

  BusPtr bus;
  int r = client::open_system_bus(deadline.left(), bus);
  if (r < 0) return unavailable(std::string("cannot connect to the system bus: ") + std::strerror(-r));

  // The hot path asks a running ssprd and nothing else; only when it is not running (the bus
  // answers NameHasNoOwner at once) does the query look at the unit and let the bus start it.
  const std::string user_arg(user);
  BusError error;
  MessagePtr reply;
  bool has_failed = false;
  r = call_status(bus.get(), user_arg, /*auto_start=*/false, deadline, error, reply, has_failed);
  if (r < 0 && error.is_set() && not_running(error)) {
    // A unit whose last start failed, and that systemd does not restart, will fail again.
    if (unit_active_state(bus.get(), deadline.left()) == "failed") return unit_failed();
    sd_bus_error_free(error.get());
    r = call_status(bus.get(), user_arg, /*auto_start=*/true, deadline, error, reply, has_failed);
    if (has_failed) return unit_failed();
  }
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
  uint64_t deadline_epoch = 0;
  if (!sd_bus_message_has_signature(reply.get(), "sbbsbbut") ||
      sd_bus_message_read(reply.get(), "sbbsbbut", &name, &registered, &must_register, &reason, &reconfirm_due,
                          &can_skip, &skips_left, &deadline_epoch) < 0)
    // Another ssprd version during an upgrade, say: it cannot be asked either.
    return unavailable("unexpected answer: reply has an unexpected signature");

  StatusQuery q;
  q.outcome = CallOutcome::ok;
  q.reply = {name, registered != 0, must_register != 0, reason, reconfirm_due != 0, can_skip != 0, skips_left,
             deadline_epoch};
  return q;
}

}  // namespace sspr::pam
