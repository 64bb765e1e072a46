// Registration records: one JSON file per user in <state_directory>/registrations/.
// This slice only reads them (the enrollment flows that write them come with registration).
// A record that cannot be read or parsed is reported, never counted as "registered".
#pragma once

#include "handle.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace sspr::daemon {

enum class RecordState { absent, present, corrupt };

struct RegistrationRecord {
  std::vector<std::string> confirmed_methods;  // e.g. "totp", "email"
};

struct LoadedRecord {
  RecordState state = RecordState::absent;
  RegistrationRecord record;
  std::string problem;  // set when corrupt
};

// Pure parser of a record's bytes (fuzzable; no I/O).
LoadedRecord parse_registration_record(std::string_view text, std::string_view expected_user);

class RegistrationStore {
 public:
  explicit RegistrationStore(UniqueFd records_dir) noexcept : dir_(std::move(records_dir)) {}
  // `user` must already satisfy valid_user_name().
  LoadedRecord load(const std::string& user) const;

 private:
  UniqueFd dir_;
};

}  // namespace sspr::daemon
