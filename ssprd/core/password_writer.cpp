#include "password_writer.hpp"

#include "errors.hpp"
#include "log.hpp"

#include <memory>

namespace sspr::daemon {

bool PasswordWriter::write(const std::string& user, Secret new_password, WriteDone done,
                           std::optional<Secret> current) {
  auto password = std::make_shared<Secret>(std::move(new_password));
  auto must_match = current ? std::make_shared<Secret>(std::move(*current)) : nullptr;
  struct Written {
    PasswordOutcome outcome{ErrorCode::Internal, {}};  // until the job says otherwise
    const char* backend = "?";
  };
  auto written = std::make_shared<Written>();
  const PasswordBackends* passwords = &passwords_;
  auto job = [password, must_match, user, passwords, written] {
    const PasswordBackend& backend = passwords->owner_of(user);
    written->backend = backend.name();
    written->outcome = must_match ? backend.change(user, *must_match, *password) : backend.reset(user, *password);
    password->clear();
    if (must_match) must_match->clear();
  };
  return worker_.submit(job, [user, written, done = std::move(done)] {
    auto& outcome = written->outcome;
    if (!outcome.result && outcome.result.error() != ErrorCode::BadCode)
      log_error("writing the password of %s (%s) failed: %s", user.c_str(), written->backend,
                error_info(outcome.result.error()).bus_name.data());
    done(std::move(outcome.result), std::move(outcome.user_text));
  });
}

}  // namespace sspr::daemon
