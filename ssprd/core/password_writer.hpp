// Writes a new password where the user's lives (the shadow file or the directory), on the
// worker: hashing, the shadow file's locks and a directory's answer all take time, so the
// event loop only hears the outcome. Used by a reset and by a change alike.
#pragma once

#include "async/task.hpp"
#include "async/worker.hpp"
#include "backend/password_backend.hpp"
#include "secret.hpp"

#include <optional>
#include <string>

namespace sspr::daemon {

class PasswordWriter {
 public:
  PasswordWriter(Worker& worker, const PasswordBackends& passwords) : worker_(worker), passwords_(passwords) {}

  // Sets `password` for `user`; with `current`, the job first checks it (BadCode if wrong).
  // Which backend holds the user is decided on the worker too (it reads the shadow file). A
  // full worker queue is RateLimited (nothing was started).
  Task<PasswordOutcome> write(std::string user, Secret password, std::optional<Secret> current = std::nullopt);
  // Why `user`'s password may not be reset (locked, disabled, expired), or "" when it may;
  // read on the worker (the shadow file). A full worker is a refusal too: fail closed.
  Task<std::string> reset_refusal(std::string user);

 private:
  Worker& worker_;
  const PasswordBackends& passwords_;
};

}  // namespace sspr::daemon
