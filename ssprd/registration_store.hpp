// Registration records: one JSON file per user in <state_directory>/registrations/, root 0600,
// reached only through the directory's descriptor. A record that cannot be read or parsed is
// reported, never counted as "registered", and never silently overwritten by a read.
#pragma once

#include "handle.hpp"
#include "record.hpp"

#include <string>

namespace sspr::daemon {

enum class RecordState { absent, present, corrupt };

struct LoadedRecord {
  RecordState state = RecordState::absent;
  RegistrationRecord record;
  std::string problem;  // set when corrupt
};

class RegistrationStore {
 public:
  explicit RegistrationStore(UniqueFd records_dir) noexcept : dir_(std::move(records_dir)) {}
  // `user` must already satisfy valid_user_name().
  LoadedRecord load(const std::string& user) const;
  // Atomically and durably replaces the record. Returns 0 or a negative errno.
  int save(const std::string& user, const RegistrationRecord& record) const;

 private:
  UniqueFd dir_;
};

}  // namespace sspr::daemon
