// ssprd's domain logic behind the Manager bus object: who may act for whom, and a user's
// registration status. No sd-bus in here: bus glue lives in manager_bus.cpp and calls these
// functions with the caller's uid already established.
#pragma once

#include "accounts.hpp"
#include "config.hpp"
#include "registration_store.hpp"
#include "result.hpp"

#include <ctime>
#include <functional>
#include <string>
#include <sys/types.h>

namespace sspr::daemon {

struct RegistrationStatus {
  std::string user;
  bool registered = false;
  bool must_register = false;
  std::string reason;
  bool reconfirm_due = false;  // registered, but the info is due to be confirmed again
  // Grace for the current prompt (meaningful when action_needed()):
  bool can_skip = false;
  std::uint32_t skips_left = 0;
  std::int64_t skip_deadline = 0;  // unix seconds; 0: no deadline
  std::vector<MethodType> methods;

  bool action_needed() const noexcept { return must_register && (!registered || reconfirm_due); }
};

struct Grace {
  bool can_skip = false;
  std::uint32_t skips_left = 0;
  std::int64_t deadline = 0;
};

// The grace a record has left at `now` (a pure function, shared by status and skip).
Grace grace_of(const Config& config, const RegistrationRecord& record, std::int64_t now);

using UserLookup = std::function<std::optional<UserAccount>(std::string_view)>;
using UidLookup = std::function<std::optional<UserAccount>(uid_t)>;
using Clock = std::function<std::int64_t()>;

std::int64_t system_clock_now();

class Manager {
 public:
  Manager(Config config, const RegistrationStore& store, UserLookup by_name = lookup_user_by_name,
          UidLookup by_uid = lookup_user_by_uid, Clock clock = system_clock_now);

  // `user` empty means the caller itself. Root may act for anyone; any other caller only
  // for itself. A non-root caller cannot tell "no such user" from "not yours".
  Result<UserAccount> resolve_target(uid_t caller_uid, std::string_view user) const;

  // The record is read from the store (a directory user's on a worker).
  Task<Result<RegistrationStatus>> registration_status(uid_t caller_uid, std::string user) const;
  RegistrationStatus status_of(const UserAccount& account, const LoadedRecord& loaded) const;

  const Config& config() const noexcept { return config_; }
  std::int64_t now() const { return clock_(); }

 private:
  Config config_;
  const RegistrationStore& store_;
  UserLookup by_name_;
  UidLookup by_uid_;
  Clock clock_;
};

}  // namespace sspr::daemon
