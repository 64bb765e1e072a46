// pam_sspr's side of the bus: one short-lived connection per request, with a hard time budget.
// Typed stubs for the Manager methods; no PAM here.
#pragma once

#include "errors.hpp"
#include "registration_client.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace sspr::pam {

enum class CallOutcome {
  ok,           // a well-formed reply
  unavailable,  // ssprd could not be asked: no bus, no answer in time, any error not ssprd's
                // own, a reply of the wrong shape
  error_reply,  // ssprd answered with one of its own errors
};


struct StatusQuery {
  CallOutcome outcome = CallOutcome::unavailable;
  client::Status reply;
  const ErrorInfo* error = nullptr;  // for error_reply (and unavailable when it came as a bus error)
  std::string detail;                // for logs: what went wrong, never user input unescaped
};

// Asks the status socket at `status_socket` first when root asks (status_socket_client.hpp),
// then the bus; one time budget for both.
StatusQuery query_registration_status(std::string_view user, std::uint64_t timeout_ms,
                                      const std::string& status_socket = {});

}  // namespace sspr::pam
