// Where a user's password lives, and the slow, blocking work on it: the local shadow file
// (hash with libxcrypt, rewrite under both locks) or an LDAP directory (Password Modify).
// Every method runs on a worker thread, never on the event loop, and is safe to call from
// several at once (the backends hold only settings).
#pragma once

#include "config.hpp"
#include "result.hpp"
#include "secret.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <string>

namespace sspr::daemon {

struct PasswordOutcome {
  Result<Done> result = Done{};
  // When the new password was refused (by the quality check, or by the directory): why, in
  // words for the user.
  std::string user_text;
};

class PasswordBackend {
 public:
  virtual ~PasswordBackend() = default;
  virtual const char* name() const noexcept = 0;
  // A forgotten password, after the user proved the required methods.
  virtual PasswordOutcome reset(const std::string& user, const Secret& password) const = 0;
  // A known password: `current` is checked (BadCode when wrong), then `next` is set.
  virtual PasswordOutcome change(const std::string& user, const Secret& current, const Secret& next) const = 0;
  // Is `password` the user's current one (step-up before changing security info)?
  virtual bool verify(const std::string& user, const Secret& password) const = 0;
  // Why the user's password may not be reset (locked, disabled, expired), or "" when it may.
  virtual std::string reset_refusal(const std::string& /*user*/) const { return {}; }
};

// The local accounts: <shadow_directory>/shadow, hashed per /etc/login.defs.
std::unique_ptr<PasswordBackend> make_shadow_backend(std::string shadow_directory,
                                                     std::function<std::int64_t()> clock);
// The directory accounts ([ldap]); nullptr (with `problem`) when the settings cannot work.
std::unique_ptr<PasswordBackend> make_ldap_backend(const Config& config, std::string& problem);

// Which backend owns a user: a user with an entry in the local shadow file is local; with
// [ldap] enabled, everyone else is a directory user (as NSS would look: files, then ldap).
class PasswordBackends {
 public:
  PasswordBackends(std::string shadow_directory, std::unique_ptr<PasswordBackend> local,
                   std::unique_ptr<PasswordBackend> directory);
  const PasswordBackend& owner_of(const std::string& user) const;
  bool is_directory_user(const std::string& user) const { return &owner_of(user) == directory_.get(); }

 private:
  std::string shadow_directory_;
  std::unique_ptr<PasswordBackend> local_;
  std::unique_ptr<PasswordBackend> directory_;  // null: no directory
};

}  // namespace sspr::daemon
