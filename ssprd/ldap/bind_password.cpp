#include "ldap/bind_password.hpp"

#include "credential_file.hpp"
#include "text.hpp"

namespace sspr::ldap {

std::optional<Secret> read_bind_password(const std::string& path, std::string& problem) {
  auto password = read_credential_file(path, problem);
  if (!password) problem = "bind_password_file " + escape_untrusted(path) + ": " + problem;
  return password;
}

}  // namespace sspr::ldap
