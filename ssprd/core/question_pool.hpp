// The security questions a user may choose from: the built-in pool (Entra's kind: answers a
// stranger cannot look up easily) and the administrator's own ([questions] custom).
#pragma once

#include "config.hpp"

#include <string>
#include <vector>

namespace sspr::daemon {

std::vector<std::string> question_pool(const Config& config);

}  // namespace sspr::daemon
