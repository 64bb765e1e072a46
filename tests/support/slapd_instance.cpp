#include "slapd_instance.hpp"

#include "delivery_support.hpp"
#include "process.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <ldap.h>
#include <memory>
#include <mutex>
#include <netinet/in.h>
#include <poll.h>
#include <stdexcept>
#include <tuple>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

namespace sspr::test {

struct SlapdInstance::Readiness {
  std::mutex mutex;
  std::condition_variable changed;
  bool ready = false;   // the listener thread has called listen() on every socket
  bool closed = false;  // slapd closed its end of the log pipe: it exited
};

namespace {

constexpr auto kReadyTimeout = std::chrono::seconds(30);  // slapd under load on a 2-core machine
constexpr int kStopTimeoutMs = 10000;
constexpr int kStartAttempts = 5;

struct LdapCloser {
  void operator()(LDAP* ld) const noexcept { ldap_unbind_ext_s(ld, nullptr, nullptr); }
};
using Ldap = std::unique_ptr<LDAP, LdapCloser>;
struct MessageFree {
  void operator()(LDAPMessage* m) const noexcept { ldap_msgfree(m); }
};
using Message = std::unique_ptr<LDAPMessage, MessageFree>;

std::string tail(const std::string& text, std::size_t n = 3000) {
  return text.size() > n ? text.substr(text.size() - n) : text;
}

// Runs a tool with its output in `log`; throws with that output when it fails.
void run_or_throw(const std::vector<std::string>& argv, const std::string& log) {
  if (delivery::run_program(argv, log) != 0)
    throw std::runtime_error(argv[0] + " failed:\n" + tail(delivery::read_whole_file(log)));
}

// Two distinct free ports: both sockets stay bound until both are known. slapd binds them
// a moment later; a port taken meanwhile makes start() fail and try again.
std::pair<int, int> two_free_ports() {
  int fds[2] = {-1, -1};
  int ports[2] = {0, 0};
  for (int i = 0; i < 2; ++i) {
    fds[i] = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (fds[i] < 0 || ::bind(fds[i], reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0 ||
        ::getsockname(fds[i], reinterpret_cast<sockaddr*>(&addr), &len) < 0)
      throw std::runtime_error(std::string("cannot find a free port: ") + std::strerror(errno));
    ports[i] = ntohs(addr.sin_port);
  }
  ::close(fds[0]);
  ::close(fds[1]);
  return {ports[0], ports[1]};
}

// ldapi:// URIs carry the socket path URL-encoded.
std::string url_encode(const std::string& path) {
  std::string out;
  for (unsigned char c : path) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.') {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

std::string config_ldif(const std::string& dir) {
  const std::string schema = SSPR_SLAPD_SCHEMA_DIR;
  return "dn: cn=config\n"
         "objectClass: olcGlobal\n"
         "cn: config\n"
         "olcTLSCACertificateFile: " + dir + "/ca.crt\n"
         "olcTLSCertificateFile: " + dir + "/server.crt\n"
         "olcTLSCertificateKeyFile: " + dir + "/server.key\n"
         "\n"
         "dn: cn=module{0},cn=config\n"
         "objectClass: olcModuleList\n"
         "cn: module{0}\n"
         "olcModulePath: " SSPR_SLAPD_MODULE_DIR "\n"
         "olcModuleLoad: back_mdb\n"
         "olcModuleLoad: ppolicy\n"
         "\n"
         "dn: cn=schema,cn=config\n"
         "objectClass: olcSchemaConfig\n"
         "cn: schema\n"
         "\n"
         "include: file://" + schema + "/core.ldif\n\n"
         "include: file://" + schema + "/cosine.ldif\n\n"
         "include: file://" + schema + "/inetorgperson.ldif\n\n"
         "include: file://" + schema + "/nis.ldif\n\n"
         "include: file://" SSPR_SOURCE_DIR "/conf/ldap/sspr-schema.ldif\n\n"
         "dn: olcDatabase={-1}frontend,cn=config\n"
         "objectClass: olcDatabaseConfig\n"
         "objectClass: olcFrontendConfig\n"
         "olcDatabase: {-1}frontend\n"
         "\n"
         "dn: olcDatabase={0}config,cn=config\n"
         "objectClass: olcDatabaseConfig\n"
         "olcDatabase: {0}config\n"
         "\n"
         "dn: olcDatabase={1}mdb,cn=config\n"
         "objectClass: olcDatabaseConfig\n"
         "objectClass: olcMdbConfig\n"
         "olcDatabase: {1}mdb\n"
         "olcSuffix: " + std::string(SlapdInstance::kBaseDn) + "\n"
         "olcDbDirectory: " + dir + "/db\n"
         "olcRootDN: " + std::string(SlapdInstance::kAdminDn) + "\n"
         "olcRootPW: " + std::string(SlapdInstance::kAdminPassword) + "\n"
         // The site's own rules: those of a stock Debian slapd. sspr's go in front of them.
         "olcAccess: {0}to attrs=userPassword by self write by anonymous auth by * none\n"
         "olcAccess: {1}to attrs=shadowLastChange by self write by * read\n"
         "olcAccess: {2}to * by * read\n"
         "\n"
         "dn: olcOverlay={0}ppolicy,olcDatabase={1}mdb,cn=config\n"
         "objectClass: olcOverlayConfig\n"
         "objectClass: olcPPolicyConfig\n"
         "olcOverlay: {0}ppolicy\n"
         "olcPPolicyDefault: " + std::string(SlapdInstance::kPolicyDn) + "\n"
         // Tell a locked account apart from a wrong password (in the response control).
         "olcPPolicyUseLockout: TRUE\n"
         "olcPPolicyHashCleartext: TRUE\n";
}

std::string data_ldif(const SlapdOptions& options) {
  std::string ldif =
      "dn: dc=example,dc=org\nobjectClass: dcObject\nobjectClass: organization\ndc: example\no: example\n\n"
      "dn: ou=people,dc=example,dc=org\nobjectClass: organizationalUnit\nou: people\n\n"
      "dn: ou=services,dc=example,dc=org\nobjectClass: organizationalUnit\nou: services\n\n"
      "dn: ou=policies,dc=example,dc=org\nobjectClass: organizationalUnit\nou: policies\n\n"
      "dn: " + std::string(SlapdInstance::kPolicyDn) + "\n"
      "objectClass: device\nobjectClass: pwdPolicy\ncn: default\n"
      "pwdAttribute: userPassword\n"
      "pwdMinLength: 8\n"
      "pwdCheckQuality: 2\n"
      "pwdInHistory: 3\n"
      "pwdMinAge: " + std::to_string(options.pwd_min_age_seconds) + "\n"
      "pwdMaxAge: " + std::to_string(options.pwd_max_age_seconds) + "\n"
      "pwdGraceAuthNLimit: 0\n"
      "pwdLockout: TRUE\n"
      "pwdMaxFailure: 3\n"
      "pwdLockoutDuration: 0\n"
      "pwdMustChange: TRUE\n"
      "pwdAllowUserChange: TRUE\n"
      "pwdSafeModify: FALSE\n\n"
      "dn: " + std::string(SlapdInstance::kServiceDn) + "\n"
      "objectClass: applicationProcess\nobjectClass: simpleSecurityObject\ncn: sspr-service\n"
      "userPassword: " + std::string(SlapdInstance::kServicePassword) + "\n\n";
  int number = 2001;
  for (const auto& u : SlapdInstance::users()) {
    ldif += "dn: " + SlapdInstance::user_dn(u.uid) + "\n"
            "objectClass: inetOrgPerson\nobjectClass: posixAccount\n" +
            std::string(u.sspr_user ? "objectClass: ssprUser\n" : "") +
            "uid: " + u.uid + "\ncn: " + u.uid + "\nsn: " + u.uid + "\n"
            "uidNumber: " + std::to_string(number) + "\ngidNumber: " + std::to_string(number) + "\n"
            "homeDirectory: /home/" + u.uid + "\n"
            "mail: " + u.mail + "\nmobile: " + u.mobile + "\n"
            // Stored as given (slapadd runs no overlay); the server compares it as cleartext.
            "userPassword: " + u.password + "\n" +
            std::string(u.expired ? "pwdChangedTime: 20000101000000Z\n" : "") + "\n";
    ++number;
  }
  return ldif;
}

// A connection to the ldapi socket, bound as `dn`; null with `rc` set on failure.
Ldap bind_ldapi(const std::string& uri, const std::string& dn, const std::string& password, int& rc) {
  LDAP* raw = nullptr;
  rc = ldap_initialize(&raw, uri.c_str());
  Ldap ld(raw);
  if (rc != LDAP_SUCCESS) return nullptr;
  const int version = LDAP_VERSION3;
  ldap_set_option(ld.get(), LDAP_OPT_PROTOCOL_VERSION, &version);
  berval cred{static_cast<ber_len_t>(password.size()), const_cast<char*>(password.data())};
  rc = ldap_sasl_bind_s(ld.get(), dn.c_str(), LDAP_SASL_SIMPLE, &cred, nullptr, nullptr, nullptr);
  if (rc != LDAP_SUCCESS) return nullptr;
  return ld;
}

}  // namespace

const std::vector<SeededUser>& SlapdInstance::users() {
  static const std::vector<SeededUser> seeded = {
      {"lena", "lena-Secret-1", "lena@example.test", "+4915100000001", true, false},
      {"mark", "mark-Secret-2", "mark@example.test", "+4915100000002", true, false},
      {"nora", "nora-Secret-3", "nora@example.test", "+4915100000003", true, false},
      {"otto", "otto-Secret-4", "otto@example.test", "+4915100000004", false, false},
      {"olga", "olga-Secret-5", "olga@example.test", "+4915100000005", true, true},
  };
  return seeded;
}

const SeededUser& SlapdInstance::user(std::string_view uid) {
  for (const auto& u : users())
    if (u.uid == uid) return u;
  throw std::invalid_argument("no seeded user " + std::string(uid));
}

std::string SlapdInstance::user_dn(std::string_view uid) {
  return "uid=" + std::string(uid) + "," + std::string(kPeopleDn);
}

SlapdInstance::SlapdInstance(const SlapdOptions& options) : readiness_(std::make_unique<Readiness>()) {
  char tmpl[] = "/tmp/sspr-slapd-XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = tmpl;
  try {
    build(options);
    for (int attempt = 0; attempt < kStartAttempts; ++attempt)
      if (start()) return;
    throw std::runtime_error("slapd: no free ports after " + std::to_string(kStartAttempts) + " attempts");
  } catch (...) {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
    throw;
  }
}

SlapdInstance::~SlapdInstance() {
  stop();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

void SlapdInstance::build(const SlapdOptions& options) {
  delivery::Certificates certificates;
  std::string error;
  if (!delivery::make_certificates(dir_, certificates, error)) throw std::runtime_error(error);
  ca_file_ = certificates.ca;
  wrong_ca_file_ = certificates.other_ca;
  // make_certificates names them for an HTTPS sink; slapd's config names them as here.
  std::filesystem::rename(certificates.cert, dir_ + "/server.crt");
  std::filesystem::rename(certificates.key, dir_ + "/server.key");
  service_password_file_ = dir_ + "/service.password";
  write_file(service_password_file_, std::string(kServicePassword) + "\n", 0600);

  std::filesystem::create_directory(dir_ + "/slapd.d");
  std::filesystem::create_directory(dir_ + "/db");
  write_file(dir_ + "/config.ldif", config_ldif(dir_), 0600);
  write_file(dir_ + "/data.ldif", data_ldif(options), 0600);
  const std::string log = dir_ + "/slapadd.log";
  run_or_throw({SSPR_SLAPADD, "-n0", "-F", dir_ + "/slapd.d", "-l", dir_ + "/config.ldif"}, log);
  // The shipped ACL, applied as its README says (offline here: slapd is not running yet).
  run_or_throw({SSPR_SLAPMODIFY, "-n0", "-F", dir_ + "/slapd.d", "-l", SSPR_SOURCE_DIR "/conf/ldap/sspr-acl.ldif"},
               log);
  run_or_throw({SSPR_SLAPADD, "-n1", "-F", dir_ + "/slapd.d", "-l", dir_ + "/data.ldif"}, log);
}

bool SlapdInstance::start() {
  std::tie(ldap_port_, ldaps_port_) = two_free_ports();
  const std::string urls = ldapi_uri() + " " + ldap_uri() + " " + ldaps_uri();
  std::vector<std::string> argv = {SSPR_SLAPD, "-F", dir_ + "/slapd.d", "-h", urls, "-d", "conns"};
  std::vector<char*> c_argv;
  for (auto& a : argv) c_argv.push_back(a.data());
  c_argv.push_back(nullptr);

  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) < 0) throw std::runtime_error("pipe failed");
  {
    std::lock_guard guard(readiness_->mutex);
    readiness_->ready = false;
    readiness_->closed = false;
  }
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);  // a crashed test leaves no slapd behind
    const int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    ::dup2(devnull, STDIN_FILENO);
    ::dup2(fds[1], STDOUT_FILENO);
    ::dup2(fds[1], STDERR_FILENO);
    ::execv(c_argv[0], c_argv.data());
    _exit(127);
  }
  ::close(fds[1]);
  log_thread_ = std::thread(&SlapdInstance::drain_log, this, fds[0]);

  std::unique_lock lock(readiness_->mutex);
  const bool settled =
      readiness_->changed.wait_for(lock, kReadyTimeout, [&] { return readiness_->ready || readiness_->closed; });
  const bool ready = readiness_->ready;
  lock.unlock();
  if (ready) return true;
  if (!settled) ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
  log_thread_.join();
  const std::string log = delivery::read_whole_file(dir_ + "/slapd.log");
  if (log.find("errno=98") != std::string::npos) return false;  // EADDRINUSE: a port was taken meanwhile
  throw std::runtime_error(std::string("slapd ") + (settled ? "exited" : "did not get ready") +
                           " during start; log:\n" + tail(log));
}

void SlapdInstance::drain_log(int fd) {
  // Copies slapd's output to slapd.log (it must be read all the time, or slapd would block
  // on a full pipe) and watches it for the listener thread's first loop.
  const int log = ::open((dir_ + "/slapd.log").c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  std::string line;
  bool ready = false;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (log >= 0 && ::write(log, buf, static_cast<std::size_t>(n)) < 0) {
      // The log is only for reading after a failure: losing it must not stop the drain.
    }
    if (ready) continue;
    for (ssize_t i = 0; i < n && !ready; ++i) {
      if (buf[i] != '\n') {
        line.push_back(buf[i]);
        continue;
      }
      if (line.find(": listen=") != std::string::npos && line.find("active_threads=") != std::string::npos) {
        ready = true;
        std::lock_guard guard(readiness_->mutex);
        readiness_->ready = true;
        readiness_->changed.notify_all();
      }
      line.clear();
    }
  }
  if (log >= 0) ::close(log);
  ::close(fd);
  std::lock_guard guard(readiness_->mutex);
  readiness_->closed = true;
  readiness_->changed.notify_all();
}

void SlapdInstance::stop() {
  if (pid_ > 0) {
    const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));
    ::kill(pid_, SIGTERM);
    pollfd p{pidfd, POLLIN, 0};
    if (pidfd < 0 || ::poll(&p, 1, kStopTimeoutMs) <= 0) ::kill(pid_, SIGKILL);
    if (pidfd >= 0) ::close(pidfd);
    while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
  }
  if (log_thread_.joinable()) log_thread_.join();
}

std::string SlapdInstance::ldapi_uri() const { return "ldapi://" + url_encode(dir_ + "/ldapi"); }
std::string SlapdInstance::ldap_uri() const { return "ldap://127.0.0.1:" + std::to_string(ldap_port_); }
std::string SlapdInstance::ldaps_uri() const { return "ldaps://127.0.0.1:" + std::to_string(ldaps_port_); }

int SlapdInstance::bind_result(const std::string& dn, const std::string& password) const {
  int rc = LDAP_OTHER;
  bind_ldapi(ldapi_uri(), dn, password, rc);
  return rc;
}

std::vector<std::string> SlapdInstance::read_as(const std::string& bind_dn, const std::string& password,
                                                const std::string& entry, const std::string& attribute) const {
  int rc = LDAP_OTHER;
  Ldap ld = bind_ldapi(ldapi_uri(), bind_dn, password, rc);
  if (!ld) throw std::runtime_error("bind as " + bind_dn + " failed: " + ldap_err2string(rc));
  char* attrs[] = {const_cast<char*>(attribute.c_str()), nullptr};
  LDAPMessage* raw = nullptr;
  rc = ldap_search_ext_s(ld.get(), entry.c_str(), LDAP_SCOPE_BASE, "(objectClass=*)", attrs, 0, nullptr, nullptr,
                         nullptr, 0, &raw);
  Message result(raw);
  std::vector<std::string> values;
  LDAPMessage* e = rc == LDAP_SUCCESS ? ldap_first_entry(ld.get(), result.get()) : nullptr;
  if (e == nullptr) return values;
  berval** found = ldap_get_values_len(ld.get(), e, attribute.c_str());
  for (berval** v = found; v != nullptr && *v != nullptr; ++v) values.emplace_back((*v)->bv_val, (*v)->bv_len);
  ldap_value_free_len(found);
  return values;
}

int SlapdInstance::replace_as(const std::string& bind_dn, const std::string& password, const std::string& entry,
                              const std::string& attribute, const std::string& value) const {
  int rc = LDAP_OTHER;
  Ldap ld = bind_ldapi(ldapi_uri(), bind_dn, password, rc);
  if (!ld) return rc;
  berval v{static_cast<ber_len_t>(value.size()), const_cast<char*>(value.data())};
  berval* values[] = {&v, nullptr};
  LDAPMod mod{};
  mod.mod_op = LDAP_MOD_REPLACE | LDAP_MOD_BVALUES;
  mod.mod_type = const_cast<char*>(attribute.c_str());
  mod.mod_vals.modv_bvals = values;
  LDAPMod* mods[] = {&mod, nullptr};
  return ldap_modify_ext_s(ld.get(), entry.c_str(), mods, nullptr, nullptr);
}

std::string SlapdInstance::dump(const std::string& entry) const {
  int rc = LDAP_OTHER;
  Ldap ld = bind_ldapi(ldapi_uri(), std::string(kAdminDn), std::string(kAdminPassword), rc);
  if (!ld) throw std::runtime_error(std::string("bind as the rootdn failed: ") + ldap_err2string(rc));
  char all_user[] = "*";
  char all_operational[] = "+";
  char* attrs[] = {all_user, all_operational, nullptr};
  LDAPMessage* raw = nullptr;
  rc = ldap_search_ext_s(ld.get(), entry.c_str(), LDAP_SCOPE_BASE, "(objectClass=*)", attrs, 0, nullptr, nullptr,
                         nullptr, 0, &raw);
  Message result(raw);
  LDAPMessage* e = rc == LDAP_SUCCESS ? ldap_first_entry(ld.get(), result.get()) : nullptr;
  if (e == nullptr) return {};
  std::vector<std::string> lines;
  BerElement* ber = nullptr;
  for (char* name = ldap_first_attribute(ld.get(), e, &ber); name != nullptr;
       name = ldap_next_attribute(ld.get(), e, ber)) {
    berval** values = ldap_get_values_len(ld.get(), e, name);
    for (berval** v = values; v != nullptr && *v != nullptr; ++v)
      lines.push_back(std::string(name) + ": " + std::string((*v)->bv_val, (*v)->bv_len));
    ldap_value_free_len(values);
    ldap_memfree(name);
  }
  ber_free(ber, 0);
  std::sort(lines.begin(), lines.end());
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

}  // namespace sspr::test
