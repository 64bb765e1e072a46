#include "state_sweep.hpp"

#include "atomic_file.hpp"
#include "handle.hpp"
#include "log.hpp"
#include "user_name.hpp"

#include <cerrno>
#include <fcntl.h>
#include <map>
#include <nlohmann/json.hpp>
#include <sys/stat.h>
#include <unistd.h>

namespace sspr::daemon {
namespace {

constexpr const char* kMissingFile = "missing-accounts.json";
constexpr std::size_t kMaxMissingFileSize = 64u << 20;

// user -> when a sweep first found the account missing. A damaged or unsafe file counts as
// empty: the week starts again, which only delays a removal.
std::map<std::string, std::int64_t> read_missing(int dir) {
  std::map<std::string, std::int64_t> out;
  UniqueFd fd(::openat(dir, kMissingFile, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
  if (!fd) return out;
  struct stat st {};
  if (::fstat(fd.get(), &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != ::geteuid() || (st.st_mode & 077) != 0 ||
      static_cast<std::size_t>(st.st_size) > kMaxMissingFileSize)
    return out;
  std::string text(static_cast<std::size_t>(st.st_size), '\0');
  if (::pread(fd.get(), text.data(), text.size(), 0) != static_cast<ssize_t>(text.size())) return out;
  try {
    const auto json = nlohmann::json::parse(text);
    for (const auto& [user, since] : json.items())
      if (valid_user_name(user) && since.is_number_integer()) out[user] = since.get<std::int64_t>();
  } catch (const std::exception&) {
    log_warning("%s is damaged; the accounts it noted as missing are noted again", kMissingFile);
    out.clear();
  }
  return out;
}

}  // namespace

StateSweep::StateSweep(int state_dir, const LocalRegistrationStore& records, throttle::Throttle& throttle,
                       UserLookup by_name, AuditLog& audit, Clock clock)
    : state_dir_(state_dir),
      records_(records),
      throttle_(throttle),
      by_name_(std::move(by_name)),
      audit_(audit),
      clock_(std::move(clock)),
      started_(std::time(nullptr)) {}

StateSweep::~StateSweep() {
  std::thread thread;
  {
    std::lock_guard lock(mutex_);
    thread = std::move(thread_);
  }
  if (thread.joinable()) thread.join();
}

SweepResult StateSweep::run() {
  SweepResult result;
  result.temporary_files_removed = records_.remove_interrupted_writes(started_);
  const std::int64_t now = clock_();
  auto missing = read_missing(state_dir_);
  std::map<std::string, std::int64_t> still_missing;
  for (const auto& user : records_.users()) {
    if (by_name_(user)) continue;  // the account exists: whatever was noted is forgotten
    const auto noted = missing.find(user);
    const std::int64_t since = noted != missing.end() && noted->second <= now ? noted->second : now;
    if (now - since < kAccountGoneFor) {
      still_missing[user] = since;
      continue;
    }
    if (const int r = records_.remove(user); r < 0 && r != -ENOENT) {
      log_errno(LOG_WARNING, r, "cannot remove the registration record of %s, whose account is gone", user.c_str());
      still_missing[user] = since;
      continue;
    }
    ++result.records_removed;
    log_info("removed the registration record of %s: the account has been gone since %lld", user.c_str(),
             static_cast<long long>(since));
    audit_.record(AuditEvent::record_removed, user, {{"missing_since", std::to_string(since)}});
  }
  result.accounts_missing = still_missing.size();
  if (still_missing != missing) {
    nlohmann::json json = nlohmann::json::object();
    for (const auto& [user, since] : still_missing) json[user] = since;
    if (const int r = write_file_atomically(state_dir_, kMissingFile, json.dump(), 0600); r < 0)
      log_errno(LOG_WARNING, r, "cannot write %s", kMissingFile);
  }
  result.throttle_files_removed = throttle_.remove_expired();
  return result;
}

void StateSweep::start() {
  std::lock_guard lock(mutex_);
  if (running_) return;
  if (thread_.joinable()) thread_.join();  // the previous sweep has finished
  running_ = true;
  thread_ = std::thread([this] {
    try {
      const auto result = run();
      if (result.records_removed + result.throttle_files_removed + result.temporary_files_removed > 0 ||
          result.accounts_missing > 0)
        log_info("state sweep: %zu record(s) of accounts gone for a week removed, %zu account(s) with a record "
                 "missing (kept for now), %zu expired throttle file(s) and %zu interrupted write(s) removed",
                 result.records_removed, result.accounts_missing, result.throttle_files_removed,
                 result.temporary_files_removed);
    } catch (const std::exception& e) {
      log_error("state sweep failed: %s", e.what());
    }
    std::lock_guard done(mutex_);
    running_ = false;
  });
}

}  // namespace sspr::daemon
