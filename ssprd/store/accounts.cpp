#include "accounts.hpp"

#include <cerrno>
#include <grp.h>
#include <mutex>
#include <pwd.h>
#include <unistd.h>

namespace sspr::daemon {
namespace {

// NSS is called from the loop and from the state sweep's thread. glibc's own modules are
// thread-safe, but not every module is (nss_wrapper, which the tests use, is not): one call at
// a time.
std::mutex nss_mutex;

constexpr int kMaxGroups = 4096;

std::vector<std::string> group_names_of(const char* user, gid_t primary) {
  std::vector<gid_t> gids(64);
  int count = static_cast<int>(gids.size());
  std::lock_guard lock(nss_mutex);
  while (::getgrouplist(user, primary, gids.data(), &count) < 0) {
    if (count > kMaxGroups) {
      count = kMaxGroups;
      gids.resize(static_cast<std::size_t>(count));
      ::getgrouplist(user, primary, gids.data(), &count);
      break;
    }
    gids.resize(static_cast<std::size_t>(count));
  }
  gids.resize(static_cast<std::size_t>(count));

  std::vector<std::string> names;
  std::vector<char> buffer(16384);
  for (gid_t gid : gids) {
    struct group gr {};
    struct group* found = nullptr;
    int r;
    while ((r = ::getgrgid_r(gid, &gr, buffer.data(), buffer.size(), &found)) == ERANGE && buffer.size() < (1u << 22))
      buffer.resize(buffer.size() * 2);
    if (r == 0 && found != nullptr) names.emplace_back(found->gr_name);
  }
  return names;
}

template <class Lookup>
std::optional<UserAccount> lookup(Lookup&& call) {
  std::lock_guard lock(nss_mutex);
  std::vector<char> buffer(16384);
  struct passwd pw {};
  struct passwd* found = nullptr;
  int r;
  while ((r = call(&pw, buffer, &found)) == ERANGE && buffer.size() < (1u << 22)) buffer.resize(buffer.size() * 2);
  if (r != 0 || found == nullptr) return std::nullopt;
  return UserAccount(found->pw_name, found->pw_uid, found->pw_gid);
}

}  // namespace

const std::vector<std::string>& UserAccount::groups() const {
  if (!groups_) groups_ = group_names_of(name.c_str(), gid);
  return *groups_;
}

std::optional<UserAccount> lookup_user_by_name(std::string_view name) {
  const std::string key(name);
  return lookup([&](struct passwd* pw, std::vector<char>& buf, struct passwd** out) {
    return ::getpwnam_r(key.c_str(), pw, buf.data(), buf.size(), out);
  });
}

std::optional<UserAccount> lookup_user_by_uid(uid_t uid) {
  return lookup([&](struct passwd* pw, std::vector<char>& buf, struct passwd** out) {
    return ::getpwuid_r(uid, pw, buf.data(), buf.size(), out);
  });
}

}  // namespace sspr::daemon
