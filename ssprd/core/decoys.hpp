// What a reset shows for a name that cannot be reset (unknown, nothing usable registered,
// locked or expired): a plausible registration — methods the configuration offers, masked
// addresses, security questions — derived from a keyed hash of the name (Verifier::
// decoy_digest), so one name always shows the same and nobody without this host's key can
// tell it from a registered user's.
#pragma once

#include "config.hpp"
#include "record.hpp"

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace sspr::daemon {

struct DecoyProfile {
  std::vector<MethodType> methods;               // among the offered, at least one
  std::map<MethodType, std::string> masked;      // for e-mail and SMS, as mask_email/mask_phone show them
  std::vector<std::size_t> questions;            // indexes into the question pool, when questions are shown
};

// `digest`: Verifier::decoy_digest(name) (64 hex digits). `offered` in kAllMethodTypes order.
DecoyProfile decoy_profile(std::string_view digest, const std::vector<MethodType>& offered, const Config& config,
                           std::size_t question_pool_size);

// The throttle state file a decoy's failures are mirrored into, so that a decoy's Verify does
// the same writes as a real one ("#decoy-NN": no user name starts with '#'; 64 of them).
std::string decoy_twin(std::string_view digest);
// The origin the twin's writes count at.
inline constexpr const char* kTwinOrigin = "twin";

}  // namespace sspr::daemon
