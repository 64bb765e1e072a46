#include "backend/password_hash.hpp"

#include "log.hpp"

#include <cerrno>
#include <crypt.h>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>

namespace sspr::daemon::backend {
namespace {

bool acceptable_password(const Secret& password) noexcept {
  const auto text = password.reveal();
  return !text.empty() && text.size() <= kMaxPasswordBytes && text.find('\0') == std::string_view::npos;
}

// crypt_data is ~32 KiB: on the heap, zeroed before use (libxcrypt requires it) and wiped
// after, since it holds intermediate state derived from the password.
struct CryptScratch {
  std::unique_ptr<crypt_data> data{new (std::nothrow) crypt_data()};
  ~CryptScratch() {
    if (data) secure_wipe(data.get(), sizeof(crypt_data));
  }
};

struct FreeDeleter {
  void operator()(char* p) const noexcept { std::free(p); }
};

}  // namespace

Result<std::string> hash_password(const Secret& password, const HashPolicy& policy) {
  if (!acceptable_password(password)) return ErrorCode::InvalidArgument;
  const std::string prefix(hash_prefix(policy.method));
  const unsigned long count = policy.method == HashMethod::yescrypt ? policy.yescrypt_cost : policy.sha_rounds;
  const std::unique_ptr<char, FreeDeleter> setting(crypt_gensalt_ra(prefix.c_str(), count, nullptr, 0));
  if (!setting) {
    log_errno(LOG_ERR, -errno, "crypt_gensalt_ra(%s, %lu) failed", prefix.c_str(), count);
    return ErrorCode::Internal;
  }
  CryptScratch scratch;
  if (!scratch.data) return ErrorCode::Internal;
  const char* computed = crypt_rn(password.c_str(), setting.get(), scratch.data.get(), sizeof(crypt_data));
  // crypt_rn returns NULL on failure, but a "*0"/"*1" failure token is checked too for safety.
  if (computed == nullptr || computed[0] == '*') {
    log_error("crypt_rn with setting %s failed", setting.get());
    return ErrorCode::Internal;
  }
  std::string hash(computed);
  if (hash.compare(0, prefix.size(), prefix) != 0 || crypt_checksalt(hash.c_str()) != CRYPT_SALT_OK ||
      !password_matches(password, hash)) {
    log_error("libxcrypt produced a %s hash that does not verify; refusing to use it", prefix.c_str());
    return ErrorCode::Internal;
  }
  return hash;
}

bool password_matches(const Secret& password, std::string_view hash) noexcept {
  if (!acceptable_password(password) || hash.empty() || is_locked_hash(hash) ||
      hash.find('\0') != std::string_view::npos)
    return false;
  try {
    const std::string setting(hash);  // crypt_rn wants a C string
    CryptScratch scratch;
    if (!scratch.data) return false;
    const char* computed = crypt_rn(password.c_str(), setting.c_str(), scratch.data.get(), sizeof(crypt_data));
    return computed != nullptr && computed[0] != '*' && constant_time_equal(computed, hash);
  } catch (...) {
    return false;
  }
}

}  // namespace sspr::daemon::backend
