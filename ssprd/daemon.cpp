#include "daemon.hpp"

#include "account_index.hpp"
#include "audit.hpp"
#include "backend/password_backend.hpp"
#include "bus_names.hpp"
#include "crypto/secret_key.hpp"
#include "delivery_messenger.hpp"
#include "directory_contacts.hpp"
#include "registration.hpp"
#include "errors.hpp"
#include "handle.hpp"
#include "ldap_registration_store.hpp"
#include "ldap_settings_from_config.hpp"
#include "log.hpp"
#include "manager.hpp"
#include "manager_bus.hpp"
#include "async/user_locks.hpp"
#include "reset.hpp"
#include "reset_bus.hpp"
#include "state_directory.hpp"
#include "state_sweep.hpp"
#include "status_socket.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <memory>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include <vector>

namespace sspr::daemon {
namespace {

constexpr uint64_t kSweepEvery = 24ull * 3600 * 1000000;  // usec

// The status socket (status_socket.hpp), in a directory that is root's alone (made 0700 if it
// is missing: systemd's RuntimeDirectory= or tmpfiles make it on a host). Without it logins ask
// over the bus, so nothing here stops ssprd: it says why and goes on.
std::unique_ptr<StatusSocket> open_status_socket(sd_event* event, const Manager& manager, const std::string& path) {
  if (path.empty()) return nullptr;
  const std::string dir = path.substr(0, path.rfind('/'));
  if (!dir.empty() && ::mkdir(dir.c_str(), 0700) < 0 && errno != EEXIST) {
    log_warning("no status socket: cannot make %s: %s; logins ask over the bus", dir.c_str(), std::strerror(errno));
    return nullptr;
  }
  struct stat st {};
  if (::lstat(dir.empty() ? "/" : dir.c_str(), &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != ::geteuid() ||
      (st.st_mode & 022) != 0) {
    log_warning("no status socket: %s must be a directory of root's that nobody else may write to; logins ask "
                "over the bus", dir.c_str());
    return nullptr;
  }
  try {
    return std::make_unique<StatusSocket>(event, manager, path);
  } catch (const std::exception& e) {
    log_warning("no status socket: %s; logins ask over the bus", e.what());
    return nullptr;
  }
}

// sd-bus needs the map for the lifetime of the connection: built once, kept for the process.
const sd_bus_error_map* sspr_error_map() {
  static const std::vector<sd_bus_error_map> map = [] {
    std::vector<sd_bus_error_map> m;
    for (const auto& row : error_table())
      if (row.origin == ErrorOrigin::sspr) m.push_back({row.bus_name.data(), row.errno_value});
    m.push_back(SD_BUS_ERROR_MAP_END);
    return m;
  }();
  return map.data();
}

// The [throttle] keys as the throttle's rules (the config table bounds every value).
throttle::Policy throttle_policy(const Config& config) {
  constexpr std::int64_t kMinute = 60;
  const std::int64_t block = config.throttle_block_minutes * kMinute;
  throttle::Policy policy;
  policy.identity_failure = {config.throttle_failed_proofs, config.throttle_failed_proofs_window_minutes * kMinute, block};
  policy.validation = {config.throttle_validations + 1, config.throttle_validations_window_minutes * kMinute, block};
  policy.delivery = {config.throttle_deliveries + 1, config.throttle_deliveries_window_minutes * kMinute, block};
  policy.method_failure_limit = config.throttle_method_failure_limit;
  return policy;
}

// The ceiling across origins: the same windows and blocks, origins_per_user times the counts
// (bounded by what a state file holds).
throttle::Policy ceiling_policy(const Config& config) {
  auto policy = throttle_policy(config);
  for (auto* rule : {&policy.identity_failure, &policy.validation, &policy.delivery})
    rule->blocking_count = static_cast<std::uint32_t>(
        std::min<std::size_t>(std::size_t{rule->blocking_count} * config.throttle_origins_per_user, throttle::kMaxEvents));
  return policy;
}

}  // namespace

int run_daemon(const Config& config) {
  // No core dumps and no ptrace by other root-less processes: memory may hold secrets.
  ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);

  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGINT);
  if (sigprocmask(SIG_BLOCK, &mask, nullptr) < 0) return log_errno(LOG_ERR, -errno, "cannot block signals"), 1;

  std::string problem;
  UniqueFd state_dir = open_state_directory(config.state_directory, problem);
  if (!state_dir) return log_error("state directory: %s", problem.c_str()), 1;
  UniqueFd records_dir = open_private_subdirectory(state_dir.get(), "registrations", problem);
  if (!records_dir)
    return log_error("state directory %s: %s", config.state_directory.c_str(), problem.c_str()), 1;

  UniqueFd throttle_dir = open_private_subdirectory(state_dir.get(), "throttle", problem);
  if (!throttle_dir)
    return log_error("state directory %s: %s", config.state_directory.c_str(), problem.c_str()), 1;
  throttle::Throttle throttle(std::move(throttle_dir), throttle_policy(config), ceiling_policy(config));

  // Passwords: local accounts in the shadow file; with [ldap] enabled, everyone else in the directory.
  std::unique_ptr<PasswordBackend> directory;
  if (config.ldap_enabled && !(directory = make_ldap_backend(config, problem)))
    return log_error("[ldap]: %s", problem.c_str()), 1;
  const PasswordBackends passwords(config.shadow_directory, make_shadow_backend(config.shadow_directory, system_clock_now),
                                   std::move(directory));

  sd_event* raw_event = nullptr;
  int r = sd_event_default(&raw_event);
  if (r < 0) return log_errno(LOG_ERR, r, "cannot allocate the event loop"), 1;
  EventPtr event(raw_event);
  // NULL handlers: the default one leaves the loop, which is the clean shutdown path.
  if ((r = sd_event_add_signal(event.get(), nullptr, SIGTERM, nullptr, nullptr)) < 0 ||
      (r = sd_event_add_signal(event.get(), nullptr, SIGINT, nullptr, nullptr)) < 0)
    return log_errno(LOG_ERR, r, "cannot watch signals"), 1;

  // A step that reads a record, decides and writes it back holds its user's lock. Made before
  // the workers: a chain they destroy at shutdown lets go of its lock here.
  UserLocks locks(event.get());
  // Records: in the state directory; directory users' in their entry with [ldap]
  // store_registrations, read and written on their own workers (a slow directory delays only
  // the calls about its own users).
  LocalRegistrationStore local_store(std::move(records_dir));
  std::unique_ptr<Worker> accounts_worker, directory_worker;
  std::unique_ptr<LdapRegistrationStore> shared_store;
  if (config.ldap_enabled && config.ldap_store_registrations) {
    // Who is a directory user is read from the shadow file, on its own thread: never behind a
    // hung directory call.
    accounts_worker = std::make_unique<Worker>(event.get(), "accounts", 1, 256);
    directory_worker = std::make_unique<Worker>(event.get(), "directory", 2, 64);
    shared_store = std::make_unique<LdapRegistrationStore>(
        ldap_settings_from(config), local_store,
        [&passwords](const std::string& user) { return passwords.is_directory_user(user); }, accounts_worker.get(),
        directory_worker.get());
  }
  const RegistrationStore& store = shared_store ? *shared_store : static_cast<const RegistrationStore&>(local_store);
  // Local accounts by binary search instead of glibc's scan of /etc/passwd at every lookup.
  AccountIndex accounts(passwd_file_nss_reads_first());
  const UserLookup by_name = [&accounts](std::string_view name) { return accounts.by_name(name); };
  Manager manager(config, store, by_name, [&accounts](uid_t uid) { return accounts.by_uid(uid); });
  auto key = crypto::load_or_create_key(state_dir.get(), problem);
  if (!key) return log_error("secret key: %s", problem.c_str()), 1;
  auto audit = AuditLog::open(config.audit_log, problem);
  if (!audit) return log_error("audit log: %s", problem.c_str()), 1;

  DeliveryMessenger messenger(manager.config(), event.get());
  const Verifier verifier(key.value());
  Registration registration(manager.config(), store, verifier, *audit, messenger, throttle, locks);
  if (config.ldap_enabled && config.ldap_prefill_contacts)
    registration.set_directory_contacts([&passwords, settings = ldap_settings_from(config)](const std::string& user) {
      return passwords.is_directory_user(user) ? directory_contacts(settings, user) : DirectoryContacts{};
    });
  // Hashing, the shadow write and directory calls take time and locks: off the event loop.
  // A second worker keeps one slow directory call from holding up every other write.
  Worker password_worker(event.get(), "password", config.ldap_enabled ? 2 : 1, 16);
  registration.set_worker(&password_worker);
  registration.set_password_check([&passwords](const std::string& user, const Secret& password) {
    return passwords.owner_of(user).verify(user, password);
  });
  // Password reset and change, each its own part; what they share is made once here.
  PasswordWriter writer(password_worker, passwords);
  Notices notices(manager.config(), store, messenger, by_name);
  ResetBlocks blocks(manager.config(), throttle, *audit, by_name, system_clock_now);
  ResetService reset(manager.config(),
                     {store, verifier, *audit, throttle, password_worker, messenger, writer, notices, blocks, locks}, by_name);
  PasswordChange change(manager.config(), throttle, *audit, notices, writer, locks);
  BusContext context{manager, &registration, &reset, &change, &blocks, {}, {}};
  StateSweep sweep(state_dir.get(), local_store, throttle, by_name, *audit);

  sd_bus* raw_bus = nullptr;
  r = sd_bus_open_system_with_description(&raw_bus, "ssprd");
  if (r < 0) return log_errno(LOG_ERR, r, "cannot connect to the system bus"), 1;
  BusPtr bus(raw_bus);
  if ((r = sd_bus_error_add_map(sspr_error_map())) < 0) return log_errno(LOG_ERR, r, "cannot add error map"), 1;

  sd_bus_slot* raw_slot = nullptr;
  if ((r = add_manager_object(bus.get(), context, &raw_slot)) < 0)
    return log_errno(LOG_ERR, r, "cannot register the Manager object"), 1;
  SlotPtr manager_slot(raw_slot);
  raw_slot = nullptr;
  if ((r = add_session_objects(bus.get(), context, &raw_slot)) < 0)
    return log_errno(LOG_ERR, r, "cannot register the reset session objects"), 1;
  SlotPtr session_slot(raw_slot);

  if ((r = sd_bus_attach_event(bus.get(), event.get(), SD_EVENT_PRIORITY_NORMAL)) < 0)
    return log_errno(LOG_ERR, r, "cannot attach the bus to the event loop"), 1;
  if ((r = sd_bus_set_exit_on_disconnect(bus.get(), 1)) < 0)
    return log_errno(LOG_ERR, r, "cannot set exit-on-disconnect"), 1;

  // Only now, with every object in place, may clients find us: the status socket first, so
  // that once the name is ours the login's question is answered there too.
  const auto status_socket = open_status_socket(event.get(), manager, config.status_socket);
  if ((r = sd_bus_request_name(bus.get(), bus::kServiceName, 0)) < 0)
    return log_errno(LOG_ERR, r, "cannot own bus name %s", bus::kServiceName), 1;

  log_info("ready on %s (state directory %s, registration required for: %s)", bus::kServiceName,
           config.state_directory.c_str(), to_string(config.required_for));
  sd_notify(0, "READY=1\nSTATUS=Processing requests...");
  accounts.refresh();  // indexed in the background; NSS answers until then
  // The state directory's clean-up (state_sweep.hpp): now, off the loop (a million records take
  // a while to list), and daily.
  sweep.start();
  EventSourcePtr sweep_timer;
  {
    sd_event_source* raw_timer = nullptr;
    auto on_time = [](sd_event_source* source, uint64_t, void* userdata) noexcept -> int {
      static_cast<StateSweep*>(userdata)->start();
      uint64_t now = 0;
      if (sd_event_now(sd_event_source_get_event(source), CLOCK_MONOTONIC, &now) >= 0 &&
          sd_event_source_set_time(source, now + kSweepEvery) >= 0)
        sd_event_source_set_enabled(source, SD_EVENT_ONESHOT);
      return 0;
    };
    if ((r = sd_event_add_time_relative(event.get(), &raw_timer, CLOCK_MONOTONIC, kSweepEvery, 0, on_time, &sweep)) < 0)
      log_errno(LOG_WARNING, r, "cannot schedule the daily state sweep; it ran once at start");
    sweep_timer.reset(raw_timer);
  }
  r = sd_event_loop(event.get());
  sd_notify(0, "STOPPING=1\nSTATUS=Shutting down...");
  locks.close();  // what still waits is destroyed with the workers and the locks, never resumed
  if (r < 0) return log_errno(LOG_ERR, r, "event loop failed"), 1;
  log_info("stopped");
  return 0;
}

std::string introspect(std::string_view interface) {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, fds) < 0) return {};
  BusPtr server, client;
  sd_bus* raw = nullptr;
  sd_id128_t id{};
  sd_id128_randomize(&id);
  if (sd_bus_new(&raw) < 0) return {};
  server.reset(raw);
  if (sd_bus_new(&raw) < 0) return {};
  client.reset(raw);
  if (sd_bus_set_fd(server.get(), fds[0], fds[0]) < 0 || sd_bus_set_server(server.get(), 1, id) < 0 ||
      sd_bus_set_fd(client.get(), fds[1], fds[1]) < 0 || sd_bus_start(server.get()) < 0 ||
      sd_bus_start(client.get()) < 0)
    return {};

  // Introspection needs no real state: handlers are not invoked.
  BusContext* no_context = nullptr;
  sd_bus_slot* raw_slot = nullptr;
  // A session is shown at an example path: the real ones exist only for their creator.
  const bool session = interface == bus::kSessionInterface;
  const std::string path = session ? std::string(bus::kSessionPathPrefix) + "/example" : bus::kManagerPath;
  if (!session && interface != bus::kManagerInterface) return {};
  if (sd_bus_add_object_vtable(server.get(), &raw_slot, path.c_str(), session ? bus::kSessionInterface : bus::kManagerInterface,
                               session ? kSessionVtable : kManagerVtable, no_context) < 0)
    return {};
  SlotPtr slot(raw_slot);

  struct Outcome {
    bool done = false;
    std::string xml;
  } outcome;
  auto on_reply = [](sd_bus_message* reply, void* userdata, sd_bus_error*) noexcept -> int {
    auto* out = static_cast<Outcome*>(userdata);
    const char* xml = nullptr;
    if (!sd_bus_message_is_method_error(reply, nullptr) && sd_bus_message_read(reply, "s", &xml) >= 0) out->xml = xml;
    out->done = true;
    return 0;
  };
  if (sd_bus_call_method_async(client.get(), nullptr, nullptr, path.c_str(),
                               "org.freedesktop.DBus.Introspectable", "Introspect", on_reply, &outcome, "") < 0)
    return {};
  for (int round = 0; round < 1000 && !outcome.done; ++round) {
    const int a = sd_bus_process(server.get(), nullptr);
    const int b = sd_bus_process(client.get(), nullptr);
    if (a < 0 || b < 0) return {};
    if (a == 0 && b == 0 && !outcome.done) {
      pollfd p[2] = {{sd_bus_get_fd(server.get()), static_cast<short>(sd_bus_get_events(server.get())), 0},
                     {sd_bus_get_fd(client.get()), static_cast<short>(sd_bus_get_events(client.get())), 0}};
      ::poll(p, 2, 1000);
    }
  }
  return outcome.xml;
}

}  // namespace sspr::daemon
