// Looks accounts up through NSS (files, LDAP via sssd, ...). The only place ssprd asks who a
// user is; everything downstream works on the UserAccount value.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

namespace sspr::daemon {

struct UserAccount {
  std::string name;
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<std::string> groups;  // names of the primary and all supplementary groups
};

std::optional<UserAccount> lookup_user_by_name(std::string_view name);
std::optional<UserAccount> lookup_user_by_uid(uid_t uid);

}  // namespace sspr::daemon
