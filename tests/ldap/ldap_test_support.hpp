// Shared by the LDAP tests: settings pointing at a SlapdInstance, and checks that print the
// error name and the diagnostic's log line when a result is not the expected one.
#pragma once

#include "cmocka.hpp"
#include "errors.hpp"
#include "ldap/directory.hpp"
#include "result.hpp"
#include "slapd_instance.hpp"

#include <chrono>
#include <cstdio>
#include <ldap.h>
#include <string>
#include <string_view>

namespace ldap_test {

using namespace std::chrono_literals;
using sspr::ErrorCode;
using sspr::Secret;
using sspr::ldap::Diagnostic;
using sspr::ldap::LdapSettings;
using sspr::ldap::TlsMode;
using sspr::test::SlapdInstance;

// StartTLS to `slapd` with the CA that signed its certificate; users found by a search of
// ou=people as the service account.
inline LdapSettings settings_for(const SlapdInstance& slapd) {
  LdapSettings s;
  s.uris = {slapd.ldap_uri()};
  s.tls = TlsMode::starttls;
  s.ca_file = slapd.ca_file();
  s.base_dn = std::string(SlapdInstance::kPeopleDn);
  s.bind_dn = std::string(SlapdInstance::kServiceDn);
  s.bind_password_file = slapd.service_password_file();
  s.network_timeout = 2000ms;
  s.operation_timeout = 5000ms;
  return s;
}

inline const char* name_of(ErrorCode code) { return sspr::error_info(code).bus_name.data(); }

template <class T>
void expect_ok(const sspr::Result<T>& r, const Diagnostic& diag) {
  if (!r) {
    std::fprintf(stderr, "expected success, got %s\nlog: %s\n", name_of(r.error()), diag.log_text.c_str());
    fail();
  }
}

template <class T>
void expect_code(const sspr::Result<T>& r, ErrorCode code, const Diagnostic& diag) {
  if (r) {
    std::fprintf(stderr, "expected %s, got success\n", name_of(code));
    fail();
  }
  if (r.error() != code) {
    std::fprintf(stderr, "expected %s, got %s\nlog: %s\n", name_of(code), name_of(r.error()), diag.log_text.c_str());
    fail();
  }
}

inline std::string dn_of(std::string_view uid) { return SlapdInstance::user_dn(uid); }
inline const std::string& password_of(std::string_view uid) { return SlapdInstance::user(uid).password; }

// Does a simple bind as the user with this password succeed? A failed one counts towards
// the policy's lockout (3): tests try wrong passwords sparingly.
inline bool binds(const SlapdInstance& slapd, std::string_view uid, const std::string& password) {
  return slapd.bind_result(dn_of(uid), password) == LDAP_SUCCESS;
}

}  // namespace ldap_test
