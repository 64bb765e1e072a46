// Typed stubs for password reset: Manager.StartReset and the Session object it returns. The
// session belongs to this connection, so one ResetClient carries one reset from start to end.
#pragma once

#include "handle.hpp"
#include "result.hpp"
#include "secret.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace sspr::client {

struct ResetStart {
  std::string session_path;
  std::vector<std::pair<std::string, std::string>> methods;  // type, masked destination
  std::uint32_t required = 1;
};

struct ResetProgress {
  bool verified = false;
  std::uint32_t remaining = 0;
};

class ResetClient {
 public:
  static Result<ResetClient> connect(std::uint64_t timeout_ms);
  // Does ssprd itself answer (started by activation if need be), not only the bus?
  Result<Done> ping();

  // `remote_host` counts only from root (pam_sspr): where the login comes from.
  Result<ResetStart> start(const std::string& user, const std::string& remote_host = {});
  // E-mail or SMS: ssprd sends a code; returns where to (masked).
  Result<std::string> send_code(const std::string& method);
  Result<ResetProgress> verify(const std::string& method, const Secret& response);
  Result<std::vector<std::string>> questions();
  Result<ResetProgress> verify_answers(const std::vector<Secret>& answers);
  // On LowPasswordQuality, `reason` says why (the session stays usable).
  Result<Done> set_password(const Secret& password, std::string& reason);
  // Manager.ChangePassword; on LowPasswordQuality, `reason` says why.
  Result<Done> change_password(const std::string& user, const Secret& current, const Secret& next, std::string& reason);
  // Manager.UnlockReset (root only): ends the user's reset block.
  Result<Done> unlock(const std::string& user);
  // After a refusal whose row carries user text (a block: how long it lasts): ssprd's words for
  // it, escaped; else empty.
  const std::string& refusal_text() const noexcept { return refusal_text_; }

 private:
  ResetClient(BusPtr bus, std::uint64_t timeout_usec) : bus_(std::move(bus)), timeout_usec_(timeout_usec) {}
  BusPtr bus_;
  std::uint64_t timeout_usec_;
  // Sends a proof (Verify, VerifyAnswers) and reads how far the session is.
  Result<ResetProgress> call_for_progress(sd_bus_message* request);
  // The code of a failed call; keeps ssprd's text of a refusal that carries user text.
  ErrorCode refused(const BusError& error, int r);
  std::string session_path_;
  std::string refusal_text_;
};

}  // namespace sspr::client
