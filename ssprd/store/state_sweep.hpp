// The state directory's clean-up, once after start and then daily, on its own thread: the
// temporary files of record writes a crash interrupted, the registration records of accounts
// that have been gone for a week, and throttle files that no longer count (throttle/ gets a
// file for every name anyone ever tried a reset for).
//
// A record goes only after its account has been missing at sweeps a week apart: a directory
// that is briefly unreachable (NSS answering "no such user" for its accounts) must not wipe
// its users' registrations. The first sweep that misses an account notes the time in
// missing-accounts.json; a sweep that finds the account again forgets it.
#pragma once

#include "audit.hpp"
#include "manager.hpp"
#include "registration_store.hpp"
#include "throttle/throttle.hpp"

#include <cstdint>
#include <ctime>
#include <mutex>
#include <thread>

namespace sspr::daemon {

inline constexpr std::int64_t kAccountGoneFor = 7 * 24 * 3600;

struct SweepResult {
  std::size_t records_removed = 0;
  std::size_t accounts_missing = 0;  // noted, not yet gone for a week
  std::size_t throttle_files_removed = 0;
  std::size_t temporary_files_removed = 0;
};

class StateSweep {
 public:
  // `state_dir` (not owned) holds missing-accounts.json.
  StateSweep(int state_dir, const LocalRegistrationStore& records, throttle::Throttle& throttle, UserLookup by_name,
             AuditLog& audit, Clock clock = system_clock_now);
  ~StateSweep();  // waits for a sweep under way
  StateSweep(const StateSweep&) = delete;
  StateSweep& operator=(const StateSweep&) = delete;

  // The whole sweep, on the calling thread.
  SweepResult run();
  // run() on a thread of its own, unless one is under way.
  void start();

 private:
  const int state_dir_;
  const LocalRegistrationStore& records_;
  throttle::Throttle& throttle_;
  UserLookup by_name_;
  AuditLog& audit_;
  Clock clock_;
  const std::time_t started_;  // temporary files older than this are a crash's, not a live write's
  std::mutex mutex_;
  std::thread thread_;  // guarded by mutex_
  bool running_ = false;  // guarded by mutex_
};

}  // namespace sspr::daemon
