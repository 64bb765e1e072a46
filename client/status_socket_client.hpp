// pam_sspr's side of the status socket (status_protocol.hpp): the login's status query without
// the system bus, when root asks and ssprd listens. Everything that is not an answer in time
// either sends the query to the bus (nothing listening, a server that is not root's, a reply
// that is not one) or counts as "ssprd unavailable" (no reply in time: asking the bus would
// spend a second budget on the same hung ssprd).
#pragma once

#include "bus_client.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sspr::pam {

// nullopt: ask the bus. `deadline_usec` is CLOCK_MONOTONIC.
std::optional<StatusQuery> query_status_socket(const std::string& path, std::string_view user,
                                               std::uint64_t deadline_usec);

}  // namespace sspr::pam
