// Per-user throttle state on disk: <throttle directory>/<user>, root 0600, reached only through
// the directory's descriptor and held under flock(LOCK_EX) from read to write, so concurrent
// read-modify-write cycles (several processes included) never lose a count.
//
// The file is two fixed-size copies ("slots") of the state, each with a sequence number and a
// checksum. A write goes to the slot *not* holding the current state and is fsynced; a crash
// can tear only that slot, and the reader then takes the other: at worst the last event is
// lost. A file that is not a safe regular file, has the wrong size, or has no intact slot is
// `unusable`: the caller treats that user as blocked until an administrator clears the file.
// A new file is sized with zeros first; an all-zero slot is the empty initial state.
//
// Layout (host byte order; the file never leaves the machine): slot = 128-byte header (magic
// "SSPRTHR1", sequence, version, event count, blocked-until per window, consecutive failures
// per method, checksum) + kMaxEvents records of 16 bytes (unix time, window); file = 2 slots.
#pragma once

#include "handle.hpp"
#include "throttle/policy.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sspr::daemon::throttle {

inline constexpr std::size_t kMaxEvents = 248;  // per user; the oldest go first
inline constexpr std::size_t kSlotSize = 4096;
inline constexpr std::size_t kStateFileSize = 2 * kSlotSize;

struct StoredEvent {
  std::int64_t time = 0;  // unix seconds
  Window window = Window::identity_failure;
  bool operator==(const StoredEvent&) const = default;
};

struct StoredState {
  std::array<std::int64_t, kWindowCount> blocked_until{};     // 0: not blocked
  std::array<std::uint32_t, kMethodCount> method_failures{};  // consecutive
  std::vector<StoredEvent> events;                            // oldest first, at most kMaxEvents
  bool operator==(const StoredState&) const = default;
};

// Non-empty, no '/', no leading '.' (so never ".", "..", or a hidden temporary name).
bool usable_file_name(std::string_view user) noexcept;

// One user's state file, open and exclusively locked for as long as the object lives.
class LockedState {
 public:
  enum class Status {
    absent,    // no file (opened without `create`); state() is empty, save() creates nothing
    ok,        // state() holds the stored state (empty for a new file)
    unusable,  // not a safe file or damaged: problem() says why; save() refuses
    failed,    // an I/O error: error() is the negative errno
  };

  // `user` must satisfy usable_file_name(). With `create`, a missing file is created (0600).
  static LockedState open(int dir_fd, const std::string& user, bool create);

  Status status() const noexcept { return status_; }
  const std::string& problem() const noexcept { return problem_; }
  int error() const noexcept { return error_; }
  StoredState& state() noexcept { return state_; }

  // Durably replaces the state (status must be ok). Returns 0 or a negative errno; on failure
  // the file still holds the previous state.
  int save(const StoredState& state);
  // Removes the file while still holding its lock (status must be ok); afterwards the object is
  // absent. Anyone waiting for the lock then finds no file and starts from an empty state.
  int remove();

 private:
  LockedState() = default;

  UniqueFd fd_;
  int dir_fd_ = -1;  // not owned
  std::string user_;
  Status status_ = Status::failed;
  std::string problem_;
  int error_ = 0;
  StoredState state_;
  std::uint64_t sequence_ = 0;  // of the current slot
  int current_slot_ = 1;        // the slot holding the current state; writes go to the other
  bool new_file_ = false;       // still zero bytes long: size it, and fsync the directory
};

// An administrator's reset: afterwards <dir>/<user> is absent or an empty, intact state. A
// safe file is rewritten in place under its lock; anything unsafe (symbolic link, not a regular
// file, wrong owner or mode, extra links) is unlinked, as nobody may have written through it.
// Returns 0 or a negative errno, with `problem` saying what failed.
int reset_state_file(int dir_fd, const std::string& user, std::string& problem);

}  // namespace sspr::daemon::throttle
