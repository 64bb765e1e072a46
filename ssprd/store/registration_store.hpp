// Where registration records live. The local store keeps one JSON file per user in
// <state_directory>/registrations/ (root 0600, reached only through the directory's
// descriptor); the directory store (ldap_registration_store.hpp) keeps the same JSON in the
// user's LDAP entry, so a fleet of hosts shares it. A record that cannot be read or parsed is
// reported, never counted as "registered", and never silently overwritten by a read.
#pragma once

#include "async/task.hpp"
#include "handle.hpp"
#include "record.hpp"
#include "result.hpp"

#include <ctime>
#include <optional>
#include <string>
#include <vector>

namespace sspr::daemon {

// unavailable: the store could not be asked (the directory is down); callers fail closed for
// a reset and step aside for enforcement, as when ssprd itself is down.
enum class RecordState { absent, present, corrupt, unavailable };

// What a record was when it was read, for a write that must find it unchanged: the directory's
// stored value (nullopt: there was none, or the store needs no check: the local one, where the
// user's lock orders every write of this host).
using StoredVersion = std::optional<std::string>;

struct LoadedRecord {
  RecordState state = RecordState::absent;
  RegistrationRecord record;
  std::string problem;  // set when corrupt
  StoredVersion version;
};

// Coroutines (async/task.hpp): a store that must wait (the directory) waits on a worker, so the
// event loop never does; the local store answers at once. A caller that reads, decides and
// writes back holds the user's lock (async/user_locks.hpp) across both.
class RegistrationStore {
 public:
  virtual ~RegistrationStore() = default;
  // `user` must already satisfy valid_user_name().
  virtual Task<LoadedRecord> load(std::string user) const = 0;
  // Atomically and durably replaces the record if it is still `read` (LoadedRecord::version):
  // RecordChanged when another host wrote it since (read again, decide again), Internal, or
  // BackendUnavailable when the directory cannot be reached.
  virtual Task<Result<Done>> save(std::string user, RegistrationRecord record, StoredVersion read) const = 0;
};

class LocalRegistrationStore final : public RegistrationStore {
 public:
  explicit LocalRegistrationStore(UniqueFd records_dir) noexcept : dir_(std::move(records_dir)) {}
  Task<LoadedRecord> load(std::string user) const override;
  Task<Result<Done>> save(std::string user, RegistrationRecord record, StoredVersion read) const override;
  // The same, here and now; safe on any thread (everything goes through the directory's fd).
  LoadedRecord read(const std::string& user) const;
  // 0 or a negative errno.
  int write(const std::string& user, const RegistrationRecord& record) const;
  // The users that have a record here (file names "<user>.json" with a valid user name).
  std::vector<std::string> users() const;
  // Removes the user's record, durably. 0, or a negative errno (-ENOENT: there was none).
  int remove(const std::string& user) const;
  // Removes what writes a crash interrupted, last written before `started_before` (a write
  // begun since is alive). Returns how many.
  std::size_t remove_interrupted_writes(std::time_t started_before) const;

 private:
  UniqueFd dir_;
};

}  // namespace sspr::daemon
