// The outcome of one delivery attempt. `error` never contains the message (it may hold a
// code): only what went wrong, e.g. curl's error text or "HTTP 500".
#pragma once

#include <string>

namespace sspr::daemon::delivery {

struct DeliveryResult {
  bool ok = false;
  std::string error;  // empty when ok
};

}  // namespace sspr::daemon::delivery
