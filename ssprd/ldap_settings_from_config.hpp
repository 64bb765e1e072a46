// The [ldap] keys of sspr.conf as sspr_ldap's settings.
#pragma once

#include "config.hpp"
#include "ldap/ldap_settings.hpp"

namespace sspr::daemon {

ldap::LdapSettings ldap_settings_from(const Config& config);

}  // namespace sspr::daemon
