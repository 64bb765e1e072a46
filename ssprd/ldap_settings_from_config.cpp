#include "ldap_settings_from_config.hpp"

namespace sspr::daemon {

ldap::LdapSettings ldap_settings_from(const Config& config) {
  ldap::LdapSettings s;
  s.uris = config.ldap_uris;
  s.tls = config.ldap_tls == "ldaps" ? ldap::TlsMode::ldaps
          : config.ldap_tls == "none" ? ldap::TlsMode::none
                                      : ldap::TlsMode::starttls;
  s.allow_plain = config.ldap_allow_plain;
  s.ca_file = config.ldap_ca_file;
  s.base_dn = config.ldap_base_dn;
  s.user_filter = config.ldap_user_filter;
  s.dn_template = config.ldap_dn_template;
  s.bind_dn = config.ldap_bind_dn;
  s.bind_password_file = config.ldap_bind_password_file;
  s.network_timeout = std::chrono::milliseconds(config.ldap_network_timeout_ms);
  s.operation_timeout = std::chrono::milliseconds(config.ldap_operation_timeout_ms);
  s.registration_attribute = config.ldap_registration_attribute;
  return s;
}

}  // namespace sspr::daemon
