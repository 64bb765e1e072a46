// Typed stubs for the registration methods of io.sspr.reset1.Manager, over one connection
// for the length of a wizard. Used by pam_sspr (at login, as root) and by the sspr command
// (as the user). Replies carry decisions; the TOTP secret and recovery codes come back once,
// to the registering user, and are held in Secret.
#pragma once

#include "handle.hpp"
#include "result.hpp"
#include "secret.hpp"
#include "status_protocol.hpp"
#include "totp_offer.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace sspr::client {

struct RegisteredMethod {
  std::string type;
  std::string masked_destination;
  std::uint64_t added_usec = 0;
  std::uint64_t usable_from_usec = 0;
};

struct Registration {
  std::vector<RegisteredMethod> methods;
  std::vector<std::string> offered;
  std::uint32_t methods_required = 0;
  std::uint64_t reconfirm_by_usec = 0;  // 0: never
};

// GetRegistrationStatus's answer, the same over the bus and the status socket.
using Status = status::Answer;

struct ContactOffer {
  std::string masked_destination;
  std::uint64_t expires_usec = 0;
};

struct SkipResult {
  std::uint32_t skips_left = 0;
  std::uint64_t deadline_usec = 0;
};

struct Questions {
  std::vector<std::string> pool;
  std::uint32_t count = 0;
};

class RegistrationClient {
 public:
  // Errors: ErrorCode rows; a bus that cannot be reached is ServiceUnknown.
  static Result<RegistrationClient> connect(std::uint64_t timeout_ms);

  Result<Status> status(const std::string& user);
  Result<Registration> registration(const std::string& user);
  Result<TotpOffer> begin_totp(const std::string& user);
  Result<Done> confirm_totp(const std::string& user, const Secret& code);
  // An empty address asks ssprd for the one the directory keeps (see directory_contacts()).
  Result<ContactOffer> begin_contact(const std::string& user, const std::string& method, const std::string& address);
  // The directory's e-mail address and mobile number for the user, masked ("" if none).
  Result<std::pair<std::string, std::string>> directory_contacts(const std::string& user);
  Result<Done> confirm_contact(const std::string& user, const std::string& method, const Secret& code);
  Result<Questions> security_questions();
  Result<Done> set_security_questions(const std::string& user, const std::vector<std::pair<std::string, Secret>>& qa);
  Result<std::vector<Secret>> regenerate_recovery_codes(const std::string& user);
  Result<Done> remove_method(const std::string& user, const std::string& method);
  Result<SkipResult> skip(const std::string& user);
  Result<Done> confirm_registration(const std::string& user);
  Result<Done> step_up(const std::string& user, const std::string& method, const Secret& response);

  // The text of the last refusal for rows whose reply text is for the user (escaped), or "".
  const std::string& refusal_text() const noexcept { return refusal_text_; }

 private:
  explicit RegistrationClient(BusPtr bus, std::uint64_t timeout_usec) : bus_(std::move(bus)), timeout_usec_(timeout_usec) {}
  // Builds a call to `member`, lets `append` add arguments, sends it; on success `reply` is set.
  template <class Append>
  Result<Done> call(const char* member, bool sensitive, std::uint64_t timeout_usec, Append&& append, MessagePtr& reply);

  BusPtr bus_;
  std::string refusal_text_;
  std::uint64_t timeout_usec_;
};

}  // namespace sspr::client
