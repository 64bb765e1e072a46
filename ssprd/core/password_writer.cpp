#include "password_writer.hpp"

#include "errors.hpp"
#include "log.hpp"

#include <memory>

namespace sspr::daemon {

Task<PasswordOutcome> PasswordWriter::write(std::string user, Secret new_password, std::optional<Secret> current) {
  auto password = std::make_shared<Secret>(std::move(new_password));
  auto must_match = current ? std::make_shared<Secret>(std::move(*current)) : nullptr;
  struct Written {
    PasswordOutcome outcome;
    const char* backend = "?";
  };
  auto job = [password, must_match, user, passwords = &passwords_] {
    Written written;
    const PasswordBackend& backend = passwords->owner_of(user);
    written.backend = backend.name();
    written.outcome = must_match ? backend.change(user, *must_match, *password) : backend.reset(user, *password);
    password->clear();
    if (must_match) must_match->clear();
    return written;
  };
  auto written = co_await on_worker(worker_, std::move(job));
  if (!written) co_return PasswordOutcome{ErrorCode::RateLimited, {}};  // the worker is full
  auto& outcome = written->outcome;
  if (!outcome.result && outcome.result.error() != ErrorCode::BadCode)
    log_error("writing the password of %s (%s) failed: %s", user.c_str(), written->backend,
              error_info(outcome.result.error()).bus_name.data());
  co_return std::move(outcome);
}

Task<std::string> PasswordWriter::reset_refusal(std::string user) {
  auto job = [user, passwords = &passwords_] { return passwords->owner_of(user).reset_refusal(user); };
  auto refusal = co_await on_worker(worker_, std::move(job));
  co_return refusal.value_or("the account could not be checked (too much work under way)");
}

}  // namespace sspr::daemon
