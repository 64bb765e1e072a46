#include "throttle/throttle_store.hpp"

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace sspr::daemon::throttle {
namespace {

constexpr char kMagic[8] = {'S', 'S', 'P', 'R', 'T', 'H', 'R', '1'};
constexpr std::uint32_t kVersion = 1;

// O_NOFOLLOW: a planted symlink must not redirect us. O_NONBLOCK: opening a FIFO planted under
// the name must not hang the daemon (it is then refused as not a regular file).
constexpr int kOpenFlags = O_RDWR | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK;

struct SlotHeader {
  char magic[8];
  std::uint64_t sequence;
  std::uint32_t version;
  std::uint32_t count;
  std::int64_t blocked_until[kWindowCount];
  std::uint32_t method_failures[kMethodCount];
  std::uint8_t reserved[52];
  std::uint64_t checksum;  // FNV-1a 64 of the whole slot with this field zero
};
static_assert(sizeof(SlotHeader) == 128 && offsetof(SlotHeader, checksum) == 120);

struct SlotRecord {
  std::int64_t time;
  std::uint8_t window;
  std::uint8_t reserved[7];
};
static_assert(sizeof(SlotRecord) == 16);
static_assert(sizeof(SlotHeader) + kMaxEvents * sizeof(SlotRecord) == kSlotSize);

using Slot = std::array<unsigned char, kSlotSize>;

std::uint64_t checksum(const Slot& slot) noexcept {
  std::uint64_t hash = 14695981039346656037ULL;
  for (std::size_t i = 0; i < slot.size(); ++i) {
    const bool in_field = i >= offsetof(SlotHeader, checksum) && i < sizeof(SlotHeader);
    hash ^= in_field ? 0U : slot[i];
    hash *= 1099511628211ULL;
  }
  return hash;
}

void encode(const StoredState& state, std::uint64_t sequence, Slot& slot) noexcept {
  slot.fill(0);
  SlotHeader header{};
  std::memcpy(header.magic, kMagic, sizeof kMagic);
  header.sequence = sequence;
  header.version = kVersion;
  header.count = static_cast<std::uint32_t>(state.events.size());
  for (std::size_t i = 0; i < kWindowCount; ++i) header.blocked_until[i] = state.blocked_until[i];
  for (std::size_t i = 0; i < kMethodCount; ++i) header.method_failures[i] = state.method_failures[i];
  for (std::size_t i = 0; i < state.events.size(); ++i) {
    SlotRecord record{};
    record.time = state.events[i].time;
    record.window = static_cast<std::uint8_t>(state.events[i].window);
    std::memcpy(slot.data() + sizeof header + i * sizeof record, &record, sizeof record);
  }
  std::memcpy(slot.data(), &header, sizeof header);
  header.checksum = checksum(slot);
  std::memcpy(slot.data() + offsetof(SlotHeader, checksum), &header.checksum, sizeof header.checksum);
}

struct DecodedSlot {
  bool intact = false;
  std::uint64_t sequence = 0;
  StoredState state;
  std::string problem;  // when not intact
};

DecodedSlot decode(const Slot& slot, bool zero_is_initial) {
  DecodedSlot out;
  if (std::all_of(slot.begin(), slot.end(), [](unsigned char c) { return c == 0; })) {
    // Only the second slot may still be zero once the first has been written (writes start
    // in the first): a zero first slot beside a damaged second one is damage, not a new file.
    out.intact = zero_is_initial;
    if (!out.intact) out.problem = "unexpectedly empty";
    return out;
  }
  SlotHeader header;
  std::memcpy(&header, slot.data(), sizeof header);
  if (std::memcmp(header.magic, kMagic, sizeof kMagic) != 0) {
    out.problem = "not a throttle record";
    return out;
  }
  if (header.checksum != checksum(slot)) {
    out.problem = "checksum mismatch";
    return out;
  }
  if (header.version != kVersion) {
    out.problem = "unknown version " + std::to_string(header.version);
    return out;
  }
  if (header.count > kMaxEvents || header.sequence == 0) {
    out.problem = "inconsistent header";
    return out;
  }
  for (std::size_t i = 0; i < kWindowCount; ++i) {
    if (header.blocked_until[i] < 0) {
      out.problem = "negative block time";
      return out;
    }
    out.state.blocked_until[i] = header.blocked_until[i];
  }
  for (std::size_t i = 0; i < kMethodCount; ++i) out.state.method_failures[i] = header.method_failures[i];
  out.state.events.reserve(header.count);
  for (std::size_t i = 0; i < header.count; ++i) {
    SlotRecord record;
    std::memcpy(&record, slot.data() + sizeof header + i * sizeof record, sizeof record);
    if (record.window >= kWindowCount) {
      out.problem = "unknown event kind " + std::to_string(record.window);
      return out;
    }
    out.state.events.push_back({record.time, static_cast<Window>(record.window)});
  }
  out.intact = true;
  out.sequence = header.sequence;
  return out;
}

// Why a file we opened must not be trusted, or nullptr.
const char* unsafe_reason(const struct stat& st) noexcept {
  if (!S_ISREG(st.st_mode)) return "is not a regular file";
  if (st.st_uid != ::geteuid()) return "is not owned by root";
  if ((st.st_mode & 077) != 0) return "is accessible to group or others (it must be mode 0600)";
  if (st.st_nlink != 1) return "has more than one name (hard links)";
  return nullptr;
}

int lock_exclusively(int fd) noexcept {
  while (::flock(fd, LOCK_EX) < 0)
    if (errno != EINTR) return -errno;
  return 0;
}

int read_fully(int fd, unsigned char* buffer, std::size_t size, off_t offset) noexcept {
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = ::pread(fd, buffer + done, size - done, offset + static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -errno;
    if (n == 0) return -EIO;  // the size was checked under the lock: someone else truncated it
    done += static_cast<std::size_t>(n);
  }
  return 0;
}

int write_fully(int fd, const unsigned char* buffer, std::size_t size, off_t offset) noexcept {
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = ::pwrite(fd, buffer + done, size - done, offset + static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return n < 0 ? -errno : -EIO;
    done += static_cast<std::size_t>(n);
  }
  return 0;
}

bool open_errno_means_unsafe(int error) noexcept {
  // ELOOP: a symbolic link (O_NOFOLLOW); EISDIR: a directory (O_RDWR); ENXIO: a socket.
  return error == ELOOP || error == EISDIR || error == ENXIO;
}

const char* open_problem(int error) noexcept {
  return error == ELOOP ? "is a symbolic link" : "is not a regular file";
}

}  // namespace

bool usable_file_name(std::string_view user) noexcept {
  return !user.empty() && user.front() != '.' && user.find('/') == std::string_view::npos &&
         user.find('\0') == std::string_view::npos;
}

LockedState LockedState::open(int dir_fd, const std::string& user, bool create) {
  LockedState s;
  s.dir_fd_ = dir_fd;
  s.user_ = user;
  auto fail = [&s](int negative_errno) -> LockedState {
    s.status_ = Status::failed;
    s.error_ = negative_errno;
    s.fd_.reset();
    return std::move(s);
  };
  auto unusable = [&s](std::string problem) -> LockedState {
    s.status_ = Status::unusable;
    s.problem_ = std::move(problem);
    s.fd_.reset();
    return std::move(s);
  };
  if (!usable_file_name(user)) return fail(-EINVAL);

  struct stat st {};
  // An expired file is removed under its lock (remove_expired_state): whoever opened it before
  // and waited for the lock holds a file that no longer has a name, and starts again.
  for (int attempt = 0;; ++attempt) {
    s.fd_.reset(::openat(dir_fd, user.c_str(), kOpenFlags | (create ? O_CREAT : 0), 0600));
    if (!s.fd_) {
      const int error = errno;
      if (error == ENOENT && !create) {
        s.status_ = Status::absent;
        return s;
      }
      if (open_errno_means_unsafe(error)) return unusable(open_problem(error));
      return fail(-error);
    }
    if (::fstat(s.fd_.get(), &st) < 0) return fail(-errno);
    if (st.st_nlink == 0) {  // removed between the open and now: no name, so not a hard link either
      if (attempt == 8) return fail(-EAGAIN);
      continue;
    }
    if (const char* reason = unsafe_reason(st)) return unusable(reason);
    if (const int r = lock_exclusively(s.fd_.get()); r < 0) return fail(r);
    // The size only counts once we hold the lock: a writer may have just created the file.
    if (::fstat(s.fd_.get(), &st) < 0) return fail(-errno);
    if (st.st_nlink > 0) break;
    if (attempt == 8) return fail(-EAGAIN);
  }
  if (st.st_size == 0) {
    s.new_file_ = true;
    s.status_ = Status::ok;
    return s;
  }
  if (st.st_size != static_cast<off_t>(kStateFileSize))
    return unusable("has the wrong size (" + std::to_string(st.st_size) + " bytes instead of " +
                    std::to_string(kStateFileSize) + ")");

  Slot slots[2];
  for (int i = 0; i < 2; ++i)
    if (const int r = read_fully(s.fd_.get(), slots[i].data(), kSlotSize, i * static_cast<off_t>(kSlotSize)); r < 0)
      return fail(r);
  DecodedSlot decoded[2] = {decode(slots[0], false), decode(slots[1], true)};
  if (!decoded[0].intact && !decoded[1].intact)
    return unusable("is damaged (first copy: " + decoded[0].problem + "; second copy: " + decoded[1].problem + ")");
  if (decoded[0].intact && decoded[1].intact && decoded[0].sequence == decoded[1].sequence)
    return unusable("is damaged (both copies claim sequence number " + std::to_string(decoded[0].sequence) + ")");
  int current = 0;
  if (!decoded[0].intact || (decoded[1].intact && decoded[1].sequence > decoded[0].sequence)) current = 1;
  s.current_slot_ = current;
  s.sequence_ = decoded[current].sequence;
  s.state_ = std::move(decoded[current].state);
  s.status_ = Status::ok;
  return s;
}

int LockedState::remove() {
  if (status_ != Status::ok || !fd_) return -EBADF;
  // Still this file's name? (Nothing else renames state files; checked all the same.)
  struct stat by_name {}, held {};
  if (::fstatat(dir_fd_, user_.c_str(), &by_name, AT_SYMLINK_NOFOLLOW) < 0) return -errno;
  if (::fstat(fd_.get(), &held) < 0) return -errno;
  if (by_name.st_dev != held.st_dev || by_name.st_ino != held.st_ino) return -ESTALE;
  if (::unlinkat(dir_fd_, user_.c_str(), 0) < 0) return -errno;
  status_ = Status::absent;
  fd_.reset();  // releases the lock: a waiter sees no name and starts again
  return 0;
}

int LockedState::save(const StoredState& state) {
  if (status_ != Status::ok) return status_ == Status::absent ? -ENOENT : -EBADF;
  if (state.events.size() > kMaxEvents) return -E2BIG;
  const int target = current_slot_ ^ 1;
  Slot slot;
  encode(state, sequence_ + 1, slot);
  // A new file gets both slots (zeros) first: the initial state is then a zero second slot,
  // and a crash while the first slot is written leaves that intact.
  if (new_file_ && ::ftruncate(fd_.get(), static_cast<off_t>(kStateFileSize)) < 0) return -errno;
  if (const int r = write_fully(fd_.get(), slot.data(), slot.size(), target * static_cast<off_t>(kSlotSize)); r < 0)
    return r;
  if (::fsync(fd_.get()) < 0) return -errno;
  // The file's name is durable only once the directory is.
  if (new_file_ && ::fsync(dir_fd_) < 0) return -errno;
  new_file_ = false;
  current_slot_ = target;
  ++sequence_;
  state_ = state;
  return 0;
}

int reset_state_file(int dir_fd, const std::string& user, std::string& problem) {
  if (!usable_file_name(user)) {
    problem = "not a usable file name";
    return -EINVAL;
  }
  auto failed = [&problem](const char* what, int negative_errno) {
    problem = std::string(what) + ": " + std::strerror(-negative_errno);
    return negative_errno;
  };
  auto remove_entry = [&](bool directory) {
    if (::unlinkat(dir_fd, user.c_str(), directory ? AT_REMOVEDIR : 0) < 0 && errno != ENOENT)
      return failed("cannot remove it", -errno);
    if (::fsync(dir_fd) < 0) return failed("cannot sync the directory", -errno);
    return 0;
  };

  UniqueFd fd(::openat(dir_fd, user.c_str(), kOpenFlags));
  if (!fd) {
    const int error = errno;
    if (error == ENOENT) return 0;
    if (open_errno_means_unsafe(error)) return remove_entry(error == EISDIR);
    return failed("cannot open it", -error);
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) < 0) return failed("cannot stat it", -errno);
  if (unsafe_reason(st) != nullptr) {
    // Whoever could write through it may still hold it open: never reuse it.
    fd.reset();
    return remove_entry(false);
  }
  if (const int r = lock_exclusively(fd.get()); r < 0) return failed("cannot lock it", r);
  // Zero length, then zeros: both are the empty state, so a crash in between is harmless.
  if (::ftruncate(fd.get(), 0) < 0 || ::ftruncate(fd.get(), static_cast<off_t>(kStateFileSize)) < 0)
    return failed("cannot truncate it", -errno);
  if (::fsync(fd.get()) < 0) return failed("cannot sync it", -errno);
  return 0;
}

}  // namespace sspr::daemon::throttle
