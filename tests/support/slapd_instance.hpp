// A throwaway OpenLDAP server for the LDAP tests: its own temp directory, cn=config built
// offline (slapadd -n0) with back_mdb, the ppolicy overlay, the system's core, cosine,
// inetorgperson and nis schemas plus sspr's shipped conf/ldap/sspr-schema.ldif, the site
// rules of a stock Debian slapd with the shipped conf/ldap/sspr-acl.ldif applied in front of
// them (slapmodify, exactly as an admin would with ldapmodify), and a seeded database.
// Listeners: ldapi:// in the temp directory, ldap:// and ldaps:// on 127.0.0.1 (free ports),
// TLS from a CA made at start; a second, unrelated CA is there for "wrong CA" tests.
//
// Readiness without sleeping: Debian 12's slapd 2.5 signals its parent (and so a
// daemonising start returns) before its listener thread has called listen(), so a connect
// right after the start can be refused. It is therefore run in the foreground (-d conns)
// and counted as ready when it logs its first "listen=... active_threads=" line, which its
// listener thread writes only after listen() on every socket. It is our child: SIGTERM and
// a bounded wait stop it, and it gets SIGTERM if the test dies.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <thread>
#include <vector>

namespace sspr::test {

struct SlapdOptions {
  int pwd_min_age_seconds = 0;  // the default policy's pwdMinAge
  int pwd_max_age_seconds = 0;  // its pwdMaxAge (0: passwords never expire)
};

// A seeded person: inetOrgPerson + posixAccount (+ ssprUser), uid=<uid>,ou=people,<base>.
struct SeededUser {
  std::string uid;
  std::string password;
  std::string mail;
  std::string mobile;
  bool sspr_user = true;  // has the auxiliary class ssprUser
  bool expired = false;   // pwdChangedTime in 2000: expired once pwd_max_age_seconds > 0
};

class SlapdInstance {
 public:
  static constexpr std::string_view kBaseDn = "dc=example,dc=org";
  static constexpr std::string_view kPeopleDn = "ou=people,dc=example,dc=org";
  static constexpr std::string_view kServiceDn = "cn=sspr-service,ou=services,dc=example,dc=org";
  static constexpr std::string_view kServicePassword = "service-Secret-7";
  static constexpr std::string_view kPolicyDn = "cn=default,ou=policies,dc=example,dc=org";
  // The rootdn: not subject to the ACL, for planting test state and inspecting entries.
  static constexpr std::string_view kAdminDn = "cn=admin,dc=example,dc=org";
  static constexpr std::string_view kAdminPassword = "admin-Secret-0";
  // lena, mark and nora (ssprUser), otto (no ssprUser), olga (password expired).
  static const std::vector<SeededUser>& users();
  static const SeededUser& user(std::string_view uid);
  static std::string user_dn(std::string_view uid);

  // Builds and starts the directory; throws std::runtime_error (with the tool's or slapd's
  // log) if it cannot.
  explicit SlapdInstance(const SlapdOptions& options = {});
  ~SlapdInstance();  // stop(), then the temp directory is removed
  SlapdInstance(const SlapdInstance&) = delete;
  SlapdInstance& operator=(const SlapdInstance&) = delete;

  const std::string& dir() const { return dir_; }
  std::string ldapi_uri() const;
  std::string ldap_uri() const;   // ldap://127.0.0.1:<port> (StartTLS offered)
  std::string ldaps_uri() const;  // ldaps://127.0.0.1:<port>
  const std::string& ca_file() const { return ca_file_; }              // signed the server's certificate
  const std::string& wrong_ca_file() const { return wrong_ca_file_; }  // an unrelated CA
  // The service account's password in a mode-0600 file of ours.
  const std::string& service_password_file() const { return service_password_file_; }

  // SIGTERM and a bounded wait (SIGKILL after 10 s); idempotent. For "directory down" tests.
  void stop();

  // --- looking at the directory from outside the code under test (over ldapi) ---
  // The LDAP result code of a simple bind as `dn`: LDAP_SUCCESS iff the password is right.
  int bind_result(const std::string& dn, const std::string& password) const;
  // The values of `attribute` of `entry` as `bind_dn` may read them (empty if it may not, or
  // there are none).
  std::vector<std::string> read_as(const std::string& bind_dn, const std::string& password, const std::string& entry,
                                   const std::string& attribute) const;
  // Replaces `attribute` of `entry` as `bind_dn`; the LDAP result code.
  int replace_as(const std::string& bind_dn, const std::string& password, const std::string& entry,
                 const std::string& attribute, const std::string& value) const;
  // Every attribute, user and operational, of `entry` as the rootdn sees it: one
  // "name: value" per line, sorted. "" if there is no such entry. To prove an entry untouched.
  std::string dump(const std::string& entry) const;

 private:
  void build(const SlapdOptions& options);
  // One attempt at starting slapd on fresh ports; false if a port was taken meanwhile.
  bool start();
  void drain_log(int fd);

  std::string dir_;
  std::string ca_file_, wrong_ca_file_, service_password_file_;
  int ldap_port_ = 0, ldaps_port_ = 0;
  pid_t pid_ = -1;
  std::thread log_thread_;
  struct Readiness;
  std::unique_ptr<Readiness> readiness_;
};

}  // namespace sspr::test
