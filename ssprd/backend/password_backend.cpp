#include "backend/password_backend.hpp"

#include "backend/host_hash_policy.hpp"
#include "backend/password_hash.hpp"
#include "backend/shadow_file.hpp"
#include "errors.hpp"
#include "ldap/directory.hpp"
#include "ldap_settings_from_config.hpp"
#include "log.hpp"
#include "backend/password_check.hpp"

namespace sspr::daemon {
namespace {

constexpr auto kShadowLockWait = std::chrono::milliseconds(5000);

class ShadowBackend final : public PasswordBackend {
 public:
  ShadowBackend(std::string directory, std::function<std::int64_t()> clock)
      : directory_(std::move(directory)), clock_(std::move(clock)) {}
  const char* name() const noexcept override { return "shadow"; }

  PasswordOutcome reset(const std::string& user, const Secret& password) const override {
    // What passwd would write here, and never weaker than what the user has now.
    const auto policy = backend::never_weaker(backend::host_hash_policy(), local_hash_setting(directory_, user));
    auto hash = backend::hash_password(password, policy);
    if (!hash) return {hash.error(), {}};
    backend::ShadowPaths paths;
    paths.dir = directory_;
    const auto written = backend::set_password_hash(paths, user, hash.value(), clock_() / 86400, kShadowLockWait);
    if (!written) return {written.error(), {}};
    return {};
  }

  PasswordOutcome change(const std::string& user, const Secret& current, const Secret& next) const override {
    if (!verify(user, current)) return {ErrorCode::BadCode, {}};
    return reset(user, next);
  }

  bool verify(const std::string& user, const Secret& password) const override {
    return verify_local_password(directory_, user, password);
  }

  std::string reset_refusal(const std::string& user) const override {
    return local_reset_refusal(directory_, user, clock_() / 86400);
  }

 private:
  std::string directory_;
  std::function<std::int64_t()> clock_;
};

class LdapBackend final : public PasswordBackend {
 public:
  explicit LdapBackend(ldap::LdapSettings settings) : settings_(std::move(settings)) {}
  const char* name() const noexcept override { return "ldap"; }

  PasswordOutcome reset(const std::string& user, const Secret& password) const override {
    ldap::Diagnostic diag;
    auto done = ldap::reset_password(settings_, user, password, diag);
    return finish("reset", user, std::move(done), diag);
  }

  PasswordOutcome change(const std::string& user, const Secret& current, const Secret& next) const override {
    ldap::Diagnostic diag;
    auto done = ldap::change_password(settings_, user, current, next, diag);
    return finish("change", user, std::move(done), diag);
  }

  bool verify(const std::string& user, const Secret& password) const override {
    ldap::Diagnostic diag;
    const auto done = ldap::verify_password(settings_, user, password, diag);
    if (!done && done.error() != ErrorCode::BadCode) log_warning("ldap: %s", diag.log_text.c_str());
    return static_cast<bool>(done);
  }

 private:
  static PasswordOutcome finish(const char* what, const std::string& user, Result<Done> done,
                                const ldap::Diagnostic& diag) {
    if (!done && !diag.log_text.empty()) log_warning("ldap %s for %s: %s", what, user.c_str(), diag.log_text.c_str());
    return {std::move(done), diag.user_text};
  }
  ldap::LdapSettings settings_;
};

}  // namespace

std::unique_ptr<PasswordBackend> make_shadow_backend(std::string shadow_directory,
                                                     std::function<std::int64_t()> clock) {
  return std::make_unique<ShadowBackend>(std::move(shadow_directory), std::move(clock));
}

std::unique_ptr<PasswordBackend> make_ldap_backend(const Config& config, std::string& problem) {
  auto settings = ldap_settings_from(config);
  if (const auto bad = ldap::check_settings(settings)) {
    problem = *bad;
    return nullptr;
  }
  return std::make_unique<LdapBackend>(std::move(settings));
}

PasswordBackends::PasswordBackends(std::string shadow_directory, std::unique_ptr<PasswordBackend> local,
                                   std::unique_ptr<PasswordBackend> directory)
    : shadow_directory_(std::move(shadow_directory)), local_(std::move(local)), directory_(std::move(directory)) {}

const PasswordBackend& PasswordBackends::owner_of(const std::string& user) const {
  if (!directory_ || has_local_entry(shadow_directory_, user)) return *local_;
  return *directory_;
}

}  // namespace sspr::daemon
