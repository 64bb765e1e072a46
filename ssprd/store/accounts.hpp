// Looks accounts up through NSS (files, LDAP via sssd, ...). The only place ssprd asks who a
// user is; everything downstream works on the UserAccount value.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <utility>
#include <vector>

namespace sspr::daemon {

struct UserAccount {
  UserAccount(std::string user_name, uid_t user_uid, gid_t primary_gid)
      : name(std::move(user_name)), uid(user_uid), gid(primary_gid) {}
  // An account whose groups are already known (tests; no NSS lookup then).
  UserAccount(std::string user_name, uid_t user_uid, gid_t primary_gid, std::vector<std::string> known_groups)
      : name(std::move(user_name)), uid(user_uid), gid(primary_gid), groups_(std::move(known_groups)) {}

  std::string name;
  uid_t uid = 0;
  gid_t gid = 0;

  // Names of the primary and all supplementary groups, resolved at the first use. Most calls
  // never need them (the login's status query with group-free rules, every caller lookup),
  // and getgrouplist() is the costly part of a lookup: with Debian's stock "group: files
  // systemd" it is a round trip to systemd (about 0.2 ms) whatever the files say.
  const std::vector<std::string>& groups() const;

 private:
  mutable std::optional<std::vector<std::string>> groups_;
};

std::optional<UserAccount> lookup_user_by_name(std::string_view name);
std::optional<UserAccount> lookup_user_by_uid(uid_t uid);

}  // namespace sspr::daemon
