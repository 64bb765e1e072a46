// pam_sspr.so in the account phase, run by libpamtest + pam_wrapper against the real ssprd on
// a private bus: exact PAM codes, exact user-visible text, and the bounds on how long a login
// waits when ssprd is gone or hung.
#include "bus_names.hpp"
#include "cmocka.hpp"
#include "handle.hpp"
#include "pam_script.hpp"
#include "process.hpp"
#include "run_as.hpp"
#include "status_protocol.hpp"
#include "testbed.hpp"

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <fcntl.h>
#include <security/pam_appl.h>
#include <security/pam_modules.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
extern "C" {
#include <libpamtest.h>
}

using namespace sspr;
using namespace sspr::test;

namespace {

TestBed* bed = nullptr;

// An unregistered user at a login that cannot converse (the wizard cannot run).
constexpr const char* kRegistrationRequired =
    "Your account must register password-reset security info, which needs an interactive login. Log in at the "
    "console or with an interactive session (for example ssh without a command) to register.";

// A login-like stack: the recommended control for pam_sspr, then another account module.
constexpr const char* kLoginStack =
    "auth     required  @PERMIT@\n"
    "account  [success=ok ignore=ignore default=bad]  @MODULE@ config=@CONFIG@\n"
    "account  required  @PERMIT@\n";

struct StackResult {
  int code = -1;
  std::string errors;  // PAM_ERROR_MSG texts, one per line
};

// A user at a login that cannot answer prompts (as sshd without keyboard-interactive): every
// message is captured, every prompt fails. The wizard tests script real answers.
int non_interactive_conv(int n, const pam_message** msgs, pam_response** resp, void* data) {
  auto* errors = static_cast<std::string*>(data);
  for (int i = 0; i < n; ++i) {
    if (msgs[i]->msg_style == PAM_ERROR_MSG) *errors += std::string(msgs[i]->msg) + "\n";
    if (msgs[i]->msg_style == PAM_PROMPT_ECHO_ON || msgs[i]->msg_style == PAM_PROMPT_ECHO_OFF) return PAM_CONV_ERR;
  }
  *resp = nullptr;
  return PAM_SUCCESS;
}

// Runs pam_acct_mgmt for `user` through the named service with libpamtest.
StackResult run_account_stack(const char* service, const char* user) {
  StackResult result;
  pam_testcase tests[] = {{PAMTEST_ACCOUNT, PAM_SUCCESS, 0, 0, {nullptr}}};
  const auto rc = _pamtest_conv(service, user, non_interactive_conv, &result.errors, tests, 1, nullptr);
  result.code = (rc == PAMTEST_ERR_OK || rc == PAMTEST_ERR_CASE) ? tests[0].op_rv : -1000 - static_cast<int>(rc);
  return result;
}

// Collects what the module logs: under pam_wrapper, pam_syslog() lines go to stderr as
// "PWRAP_ERROR[...] - SYSLOG(<priority>): <message>".
class CapturedLog {
 public:
  CapturedLog() {
    std::fflush(stderr);
    path_ = bed->dir() + "/captured-stderr";
    saved_ = dup(STDERR_FILENO);
    const int fd = open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    dup2(fd, STDERR_FILENO);
    close(fd);
  }
  ~CapturedLog() { restore(); }
  // The syslog messages, one per line, without the pam_wrapper prefix.
  std::string messages() {
    restore();
    std::string out;
    std::istringstream in(read_file(path_));
    for (std::string line; std::getline(in, line);) {
      const auto pos = line.find(" - SYSLOG(");
      if (pos != std::string::npos) out += line.substr(pos + 3) + "\n";
    }
    return out;
  }

 private:
  void restore() {
    if (saved_ < 0) return;
    std::fflush(stderr);
    dup2(saved_, STDERR_FILENO);
    close(saved_);
    saved_ = -1;
  }
  std::string path_;
  int saved_ = -1;
};

// Calls pam_sm_* of the module directly, to see its own return code (a stack folds PAM_IGNORE).
struct DirectResult {
  int code = -1;
  std::string errors;
  long elapsed_ms = 0;
};

int capture_conv(int n, const pam_message** msgs, pam_response** resp, void* data) {
  return non_interactive_conv(n, msgs, resp, data);
}

DirectResult call_module(const char* entry, const char* user, std::vector<const char*> args, int flags = 0) {
  using Fn = int (*)(pam_handle_t*, int, int, const char**);
  void* module = dlopen(SSPR_PAM_MODULE, RTLD_NOW | RTLD_LOCAL);
  assert_non_null(module);
  auto fn = reinterpret_cast<Fn>(dlsym(module, entry));
  assert_non_null(fn);
  DirectResult result;
  pam_conv conv{capture_conv, &result.errors};
  pam_handle_t* pamh = nullptr;
  assert_int_equal(pam_start("sspr-login", user, &conv, &pamh), PAM_SUCCESS);
  const auto start = std::chrono::steady_clock::now();
  result.code = fn(pamh, flags, static_cast<int>(args.size()), args.data());
  result.elapsed_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
  pam_end(pamh, result.code);
  dlclose(module);
  return result;
}

DirectResult call_account(const char* user, std::vector<const char*> extra = {}, int flags = 0) {
  static std::string config_arg, socket_arg;
  config_arg = "config=" + bed->config_path();
  socket_arg = "status_socket=" + bed->status_socket();
  extra.insert(extra.begin(), {config_arg.c_str(), socket_arg.c_str()});
  return call_module("pam_sm_acct_mgmt", user, extra, flags);
}

// pam_chauthtok (as root, or as the user inside a UserRealUid scope) through a stack of pam_sspr
// then pam_permit, with a conversation that types `password`: the result and every prompt shown.
std::string changes_password(const char* user, const char* password) {
  struct Typist {
    std::string password, prompts;
  } typist{password, {}};
  auto conv_fn = [](int n, const pam_message** msgs, pam_response** resp, void* data) -> int {
    auto* t = static_cast<Typist*>(data);
    auto* replies = static_cast<pam_response*>(calloc(static_cast<std::size_t>(n), sizeof(pam_response)));
    for (int i = 0; i < n; ++i) {
      t->prompts += std::string(msgs[i]->msg) + "|";
      if (msgs[i]->msg_style == PAM_PROMPT_ECHO_OFF) replies[i].resp = strdup(t->password.c_str());
    }
    *resp = replies;
    return PAM_SUCCESS;
  };
  pam_conv conv{conv_fn, &typist};
  pam_handle_t* pamh = nullptr;
  if (pam_start("sspr-passwd", user, &conv, &pamh) != PAM_SUCCESS) return "pam_start failed";
  const int code = pam_chauthtok(pamh, 0);
  pam_end(pamh, code);
  return std::string(pam_strerror(nullptr, code)) + "|" + typist.prompts;
}

// A stand-in for ssprd that owns the name and answers wrongly, for the "unexpected reply" paths:
// a reply of another shape (an ssprd of another version during an upgrade), and the errors a bus
// gives when it cannot start or reach ssprd (seen on real hosts: a failed activation without
// systemd, a masked unit, the policy refusing), and a name nobody knows.
enum class FakeMode { wrong_signature, spawn_failed, unit_masked, access_denied, unknown_error };

int fake_status(sd_bus_message* m, void* userdata, sd_bus_error* error) noexcept {
  switch (*static_cast<FakeMode*>(userdata)) {
    case FakeMode::wrong_signature:
      break;
    case FakeMode::spawn_failed:
      return sd_bus_error_set(error, "org.freedesktop.DBus.Error.Spawn.ChildExited", "Process exited with status 1");
    case FakeMode::unit_masked:
      return sd_bus_error_set(error, "org.freedesktop.systemd1.UnitMasked", "Unit ssprd.service is masked.");
    case FakeMode::access_denied:
      return sd_bus_error_set(error, "org.freedesktop.DBus.Error.AccessDenied", "Rejected send message");
    case FakeMode::unknown_error:
      return sd_bus_error_set(error, "com.example.Weird", "something odd");
  }
  return sd_bus_reply_method_return(m, "s", "only-a-string");
}

const sd_bus_vtable kFakeVtable[] = {
    SD_BUS_VTABLE_START(0),
    SD_BUS_METHOD("GetRegistrationStatus", "s", "s", fake_status, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_VTABLE_END};

pid_t start_fake_daemon(FakeMode mode) {
  int ready[2];
  assert_int_equal(pipe(ready), 0);
  const pid_t pid = fork();
  if (pid == 0) {
    close(ready[0]);
    static FakeMode m = mode;
    sd_bus* bus = nullptr;
    if (sd_bus_open_system(&bus) < 0 ||
        sd_bus_add_object_vtable(bus, nullptr, bus::kManagerPath, bus::kManagerInterface, kFakeVtable, &m) < 0 ||
        sd_bus_request_name(bus, bus::kServiceName, 0) < 0)
      _exit(1);
    if (write(ready[1], "R", 1) != 1) _exit(1);
    for (;;) {
      if (sd_bus_process(bus, nullptr) < 0) _exit(1);
      if (sd_bus_wait(bus, UINT64_MAX) < 0) _exit(1);
    }
  }
  close(ready[1]);
  char c = 0;
  assert_int_equal(read(ready[0], &c, 1), 1);
  close(ready[0]);
  return pid;
}

int group_setup(void**) {
  std::string error;
  static std::unique_ptr<TestBed> holder = TestBed::create(error);
  if (!holder) {
    std::fprintf(stderr, "cannot create the test bed: %s\n", error.c_str());
    return -1;
  }
  bed = holder.get();
  bed->write_confirmed_record("alice");
  bed->write_record("erin", "{not json");
  bed->write_pam_service("sspr-login", kLoginStack);
  bed->write_pam_service("other", "account required @PERMIT@\n");
  // As pam-auth-update stacks the sspr-password profile: pam_sspr, then the next module.
  bed->write_pam_service("sspr-passwd", "password [success=ok ignore=ignore default=die] @MODULE@\n"
                                        "password required @PERMIT@\n");
  write_file(bed->dir() + "/deny.conf", "[enforcement]\nwhen_unavailable = deny\n", 0644);
  bed->write_pam_service("sspr-login-deny",
                         "account [success=ok ignore=ignore default=bad] @MODULE@ config=" + bed->dir() + "/deny.conf\n"
                         "account required @PERMIT@\n");
  // The same choice with a mistake further down the file.
  write_file(bed->dir() + "/deny-and-a-typo.conf",
             "[enforcement]\nwhen_unavailable = deny\n[registration]\nmin_uid = many\n", 0644);
  bed->write_pam_service("sspr-login-deny-typo", "account [success=ok ignore=ignore default=bad] @MODULE@ config=" +
                                                     bed->dir() + "/deny-and-a-typo.conf\naccount required @PERMIT@\n");
  return 0;
}

// Every test starts with ssprd up (tests that stop or pause it leave it to this).
int ensure_ssprd(void**) {
  if (bed->ssprd_running()) return 0;
  std::string error;
  if (!bed->start_ssprd(error)) {
    std::fprintf(stderr, "cannot start ssprd: %s\n", error.c_str());
    return -1;
  }
  return 0;
}

}  // namespace

static void test_registered_user_passes(void**) {
  const auto r = run_account_stack("sspr-login", "alice");
  assert_int_equal(r.code, PAM_SUCCESS);
  assert_str(r.errors, "");
  assert_int_equal(call_account("alice").code, PAM_SUCCESS);
}

static void test_unregistered_user_is_refused_with_the_message(void**) {
  const auto r = run_account_stack("sspr-login", "bob");
  assert_int_equal(r.code, PAM_PERM_DENIED);
  assert_str(r.errors, std::string(kRegistrationRequired) + "\n");
  const auto direct = call_account("bob");
  assert_int_equal(direct.code, PAM_PERM_DENIED);
  assert_str(direct.errors, std::string(kRegistrationRequired) + "\n");
}

static void test_silent_flag_suppresses_the_message(void**) {
  const auto r = call_account("bob", {}, PAM_SILENT);
  assert_int_equal(r.code, PAM_PERM_DENIED);
  assert_str(r.errors, "");
}

static void test_exempt_users_pass(void**) {
  for (const char* user : {"carol", "dave"}) {
    const auto r = run_account_stack("sspr-login", user);
    assert_int_equal(r.code, PAM_SUCCESS);
    assert_str(r.errors, "");
  }
}

static void test_root_and_system_accounts_pass(void**) {
  assert_int_equal(run_account_stack("sspr-login", "root").code, PAM_SUCCESS);
  assert_int_equal(run_account_stack("sspr-login", "svc").code, PAM_SUCCESS);
}

static void test_damaged_record_does_not_count_as_registered(void**) {
  const auto r = run_account_stack("sspr-login", "erin");
  assert_int_equal(r.code, PAM_SYSTEM_ERR);
  assert_str(r.errors, "The stored security info of this account is damaged. Please contact your administrator.\n");
}

static void test_bad_and_unknown_user_names(void**) {
  assert_int_equal(call_account("bad/name").code, PAM_USER_UNKNOWN);
  assert_int_equal(call_account("nosuchuser").code, PAM_USER_UNKNOWN);
  assert_int_equal(run_account_stack("sspr-login", "nosuchuser").code, PAM_USER_UNKNOWN);
}

static void test_unknown_module_options_are_ignored(void**) {
  assert_int_equal(call_account("alice", {"frobnicate", "timeout=1"}).code, PAM_SUCCESS);
  assert_int_equal(call_account("bob", {"debug", "timeout=2000"}).code, PAM_PERM_DENIED);
}

static void test_daemon_absent_steps_aside_within_100ms(void**) {
  assert_int_equal(bed->stop_ssprd(), 0);
  CapturedLog log;
  const auto r = call_account("bob");
  assert_int_equal(r.code, PAM_IGNORE);
  assert_str(r.errors, "");
  assert_true(r.elapsed_ms < 100);
  // Exactly one log line, at LOG_ERR, saying what happened and what it means.
  assert_str(log.messages(),
             "SYSLOG(3): cannot reach ssprd (org.freedesktop.DBus.Error.ServiceUnknown); registration is not enforced "
             "for bob\n");
  // In the login stack the login goes on.
  assert_int_equal(run_account_stack("sspr-login", "bob").code, PAM_SUCCESS);
}

static void test_no_bus_at_all_steps_aside_within_100ms(void**) {
  const std::string saved = std::getenv("DBUS_SYSTEM_BUS_ADDRESS");
  setenv("DBUS_SYSTEM_BUS_ADDRESS", ("unix:path=" + bed->dir() + "/no-such-socket").c_str(), 1);
  CapturedLog log;
  const auto r = call_account("bob", {"status_socket="});  // the bus only
  setenv("DBUS_SYSTEM_BUS_ADDRESS", saved.c_str(), 1);
  assert_int_equal(r.code, PAM_IGNORE);
  assert_true(r.elapsed_ms < 100);
  assert_str(log.messages(),
             "SYSLOG(3): cannot reach ssprd (cannot connect to the system bus: No such file or directory); registration "
             "is not enforced for bob\n");
}

static void test_hung_daemon_steps_aside_within_5s(void**) {
  bed->pause_ssprd();
  CapturedLog log;
  const auto r = call_account("bob");  // default timeout (3 s)
  bed->resume_ssprd();
  assert_str(log.messages(),
             "SYSLOG(3): cannot reach ssprd (no answer in time on its status socket); registration is not enforced "
             "for bob\n");
  assert_int_equal(r.code, PAM_IGNORE);
  assert_true(r.elapsed_ms >= 2900);  // it did wait for its budget, not fail early
  assert_true(r.elapsed_ms < 5000);
  const auto quick = [] {
    bed->pause_ssprd();
    auto q = call_account("bob", {"timeout=200"});
    bed->resume_ssprd();
    return q;
  }();
  assert_int_equal(quick.code, PAM_IGNORE);
  assert_true(quick.elapsed_ms < 1000);
}

static void test_when_unavailable_deny_refuses_with_a_message(void**) {
  assert_int_equal(bed->stop_ssprd(), 0);
  const auto r = run_account_stack("sspr-login-deny", "bob");
  assert_int_equal(r.code, PAM_AUTHINFO_UNAVAIL);
  assert_str(r.errors, "The password reset service is not available.\n");
  // Attack (issue 11, item 8): a mistake elsewhere in the file must not turn the
  // administrator's deny into the default allow.
  const auto typo = run_account_stack("sspr-login-deny-typo", "bob");
  assert_int_equal(typo.code, PAM_AUTHINFO_UNAVAIL);
  assert_str(typo.errors, "The password reset service is not available.\n");
}

// Nobody is locked out by an answer that is not ssprd's: each steps aside, says why in the log,
// and shows the user nothing; with when_unavailable = deny each refuses with the plain message.
static void test_unexpected_replies_step_aside(void**) {
  assert_int_equal(bed->stop_ssprd(), 0);
  const std::pair<FakeMode, const char*> cases[] = {
      {FakeMode::wrong_signature, "unexpected answer: reply has an unexpected signature"},
      {FakeMode::spawn_failed, "org.freedesktop.DBus.Error.Spawn.ChildExited"},
      {FakeMode::unit_masked, "org.freedesktop.systemd1.UnitMasked"},
      {FakeMode::access_denied, "org.freedesktop.DBus.Error.AccessDenied"},
      {FakeMode::unknown_error, "com.example.Weird"},
  };
  for (const auto& [mode, detail] : cases) {
    const pid_t fake = start_fake_daemon(mode);
    CapturedLog log;
    const auto direct = call_account("bob");
    const auto logged = log.messages();
    const auto stack = run_account_stack("sspr-login", "bob");
    const auto denied = run_account_stack("sspr-login-deny", "bob");
    kill(fake, SIGKILL);
    waitpid(fake, nullptr, 0);
    assert_int_equal(direct.code, PAM_IGNORE);
    assert_str(direct.errors, "");
    assert_str(logged, std::string("SYSLOG(3): cannot reach ssprd (") + detail +
                           "); registration is not enforced for bob\n");
    assert_int_equal(stack.code, PAM_SUCCESS);
    assert_str(stack.errors, "");
    assert_int_equal(denied.code, PAM_AUTHINFO_UNAVAIL);
    assert_str(denied.errors, "The password reset service is not available.\n");
  }
}

static void test_other_phases_step_aside(void**) {
  // auth offers a reset only to someone who can answer; chauthtok acts in the update pass.
  for (const char* entry : {"pam_sm_authenticate", "pam_sm_setcred", "pam_sm_open_session", "pam_sm_close_session"})
    assert_int_equal(call_module(entry, "bob", {}).code, PAM_IGNORE);
  {
    sspr::test::UserRealUid as_bob;  // bob's own passwd
    assert_int_equal(call_module("pam_sm_chauthtok", "bob", {}, PAM_PRELIM_CHECK).code, PAM_SUCCESS);  // ssprd is up
    assert_int_equal(call_module("pam_sm_chauthtok", "bob", {}, PAM_UPDATE_AUTHTOK).code, PAM_IGNORE);
  }
  // Root changing a password (passwd bob, chpasswd) is pam_unix's alone: no question of sspr's.
  // In the update pass it only takes the new password, with libpam's prompts, for the next
  // module (pam-auth-update gives that one use_authtok); it never calls ssprd.
  const auto prelim = call_module("pam_sm_chauthtok", "bob", {}, PAM_PRELIM_CHECK);
  assert_int_equal(prelim.code, PAM_IGNORE);
  assert_str(prelim.errors, "");
  assert_str(changes_password("bob", "Root-Set-Pass-1"), "Success|New password: |Retype new password: |");
}

// Attack (issue 11, item 8): with the bus up but ssprd away, a user's passwd must not die in
// pam_sspr: the preliminary pass asks ssprd itself, and the update pass leaves the change to the
// next module (pam_unix), as when the bus is away.
static void test_a_change_steps_aside_when_ssprd_is_away(void**) {
  assert_int_equal(bed->stop_ssprd(), 0);
  std::string outcome;
  {
    sspr::test::UserRealUid as_bob;  // bob's own passwd
    outcome = changes_password("bob", "Bobs-New-Pass-1");
  }
  assert_str(outcome, "Success|New password: |Retype new password: |");
}

// Issue 11, item 6: a user's change with nobody to answer (a program without a conversation, a
// prompt that fails) is not sspr's to refuse: pam_sspr asks nothing of ssprd, shows nothing, logs
// why, and the next module of the stack decides (here pam_permit; on a host, pam_unix).
static void test_a_change_without_conversation_steps_aside(void**) {
  setenv("PAM_WRAPPER_DEBUGLEVEL", "4", 1);  // pam_wrapper passes on notices too (it reads this per message)
  CapturedLog log;
  DirectResult direct;
  StackResult stack;
  {
    sspr::test::UserRealUid as_bob;  // bob's own passwd
    direct = call_module("pam_sm_chauthtok", "bob", {}, PAM_UPDATE_AUTHTOK);
    pam_testcase tests[] = {{PAMTEST_CHAUTHTOK, PAM_SUCCESS, 0, 0, {nullptr}}};
    const auto rc = _pamtest_conv("sspr-passwd", "bob", non_interactive_conv, &stack.errors, tests, 1, nullptr);
    stack.code = (rc == PAMTEST_ERR_OK || rc == PAMTEST_ERR_CASE) ? tests[0].op_rv : -1000 - static_cast<int>(rc);
  }
  assert_int_equal(direct.code, PAM_IGNORE);
  assert_str(direct.errors, "");
  assert_int_equal(stack.code, PAM_SUCCESS);  // the next module's answer
  assert_str(stack.errors, "");
  const auto logged = log.messages();
  unsetenv("PAM_WRAPPER_DEBUGLEVEL");
  assert_true(logged.find("no conversation to change the password of bob; left to the next module") != std::string::npos);
}

// --- the status socket (common/status_protocol.hpp): the login's question without the bus ---

// A connection to a Unix socket, or -errno.
static int connect_to(const std::string& path) {
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) < 0) {
    const int e = errno;
    close(fd);
    return -e;
  }
  return fd;
}

// Sends `bytes` and reads the answer to its NUL: the answer without it, "EOF" if the server
// closed first, "ERRNO n" if the connection failed.
static std::string ask_socket(const std::string& path, const std::string& bytes) {
  const int fd = connect_to(path);
  if (fd < 0) return "ERRNO " + std::to_string(-fd);
  (void)!write(fd, bytes.data(), bytes.size());
  std::string in;
  char buffer[512];
  for (;;) {
    const ssize_t n = read(fd, buffer, sizeof buffer);
    if (n <= 0) break;
    in.append(buffer, static_cast<std::size_t>(n));
    if (in.find('\0') != std::string::npos) break;
  }
  close(fd);
  const auto end = in.find('\0');
  return end == std::string::npos ? "EOF" : in.substr(0, end);
}

// With the bus out of reach, a login still gets its answer: it came over the socket, with the
// same meaning. alice is registered and logs in; bob must register, which the socket said —
// the registration itself needs the bus, so his login steps aside, saying so.
static void test_the_status_comes_over_the_socket(void**) {
  const std::string saved = std::getenv("DBUS_SYSTEM_BUS_ADDRESS");
  setenv("DBUS_SYSTEM_BUS_ADDRESS", ("unix:path=" + bed->dir() + "/no-such-socket").c_str(), 1);
  CapturedLog log;
  const auto alice = call_account("alice");
  const auto bob = call_account("bob");
  setenv("DBUS_SYSTEM_BUS_ADDRESS", saved.c_str(), 1);
  assert_int_equal(alice.code, PAM_SUCCESS);
  assert_str(alice.errors, "");
  assert_int_equal(bob.code, PAM_IGNORE);
  assert_str(bob.errors, "");
  assert_str(log.messages(), "SYSLOG(3): cannot reach ssprd for the registration of bob; registration is not enforced\n");
}

static void test_the_socket_is_roots_alone(void**) {
  struct stat st {};
  assert_int_equal(lstat(bed->status_socket().c_str(), &st), 0);
  assert_true(S_ISSOCK(st.st_mode));
  assert_int_equal(st.st_uid, 0);
  assert_int_equal(st.st_mode & 07777, 0600);
  assert_int_equal(lstat((bed->dir() + "/run").c_str(), &st), 0);
  assert_int_equal(st.st_mode & 07777, 0700);
  // Another user cannot even connect.
  assert_str(run_as(1002, 1002, [] { return std::to_string(connect_to(bed->status_socket())); }),
             std::to_string(-EACCES));
}

// Attack: a socket served by someone else (an admin's typo pointing at a user's directory) is
// never believed: the login asks the bus instead, and bob must still register.
static void test_a_socket_not_served_by_root_is_not_asked(void**) {
  const std::string dir = bed->dir() + "/elsewhere";
  mkdir(dir.c_str(), 0755);
  assert_int_equal(chown(dir.c_str(), 1002, 1002), 0);
  const std::string path = dir + "/io.sspr.Status";
  int ready[2];
  assert_int_equal(pipe(ready), 0);
  const pid_t liar = fork();
  if (liar == 0) {
    if (setgid(1002) < 0 || setuid(1002) < 0) _exit(1);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
    const int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) < 0 || chmod(path.c_str(), 0666) < 0 || listen(s, 8) < 0)
      _exit(1);
    if (write(ready[1], "R", 1) != 1) _exit(1);
    status::Answer registered;
    registered.user = "bob";
    registered.registered = true;
    const std::string lie = status::reply(registered);
    for (;;) {
      const int c = accept(s, nullptr, nullptr);
      char buffer[512];
      (void)!read(c, buffer, sizeof buffer);
      (void)!write(c, lie.data(), lie.size());
      close(c);
    }
  }
  close(ready[1]);
  char c = 0;
  assert_int_equal(read(ready[0], &c, 1), 1);
  close(ready[0]);
  const std::string option = "status_socket=" + path;
  const auto r = call_account("bob", {option.c_str()});
  kill(liar, SIGKILL);
  waitpid(liar, nullptr, 0);
  assert_int_equal(r.code, PAM_PERM_DENIED);  // the bus's answer, not the lie
  assert_str(r.errors, std::string(kRegistrationRequired) + "\n");
}

// Attack: what a client that is not pam_sspr sends. A request of another shape is refused with
// InvalidArgument; one that never ends is cut at 4 KiB without an answer; logins go on.
static void test_malformed_requests_are_refused(void**) {
  assert_str(ask_socket(bed->status_socket(), std::string(R"({"method":"io.sspr.Status.Other","parameters":{}})") + '\0'),
             R"({"error":"io.sspr.reset1.Error.InvalidArgument","parameters":{}})");
  assert_str(ask_socket(bed->status_socket(), std::string("not json") + '\0'),
             R"({"error":"io.sspr.reset1.Error.InvalidArgument","parameters":{}})");
  assert_str(ask_socket(bed->status_socket(), std::string(status::kMaxMessage + 100, 'x')), "EOF");
  // The answer to a well-formed one, byte for byte as the protocol writes it.
  const auto answer = ask_socket(bed->status_socket(), status::request("nosuchuser"));
  assert_str(answer, R"({"error":"io.sspr.reset1.Error.NoSuchUser","parameters":{}})");
  assert_int_equal(call_account("alice").code, PAM_SUCCESS);
}

// If an administrator loosened the socket's mode, another user still learns only their own
// status: the uid comes from the socket (SO_PEERCRED), and the rule is the bus's.
static void test_a_loosened_socket_still_answers_only_for_oneself(void**) {
  const std::string dir = bed->dir() + "/run";
  assert_int_equal(chmod(dir.c_str(), 0755), 0);
  assert_int_equal(chmod(bed->status_socket().c_str(), 0666), 0);
  const auto other = run_as(1002, 1002, [] { return ask_socket(bed->status_socket(), status::request("alice")); });
  const auto own = run_as(1002, 1002, [] { return ask_socket(bed->status_socket(), status::request("bob")); });
  chmod(bed->status_socket().c_str(), 0600);
  chmod(dir.c_str(), 0700);
  assert_str(other, R"({"error":"org.freedesktop.DBus.Error.AccessDenied","parameters":{}})");
  const auto parsed = status::parse_reply(own);
  assert_true(parsed && parsed->answer);
  assert_str(parsed->answer->user, "bob");
  assert_true(parsed->answer->must_register);
  assert_false(parsed->answer->registered);
}

// Attack: root's processes holding connections open (a stuck client, a loop) fill the socket's
// 64 places; the next connection is closed unanswered and the login asks over the bus.
static void test_a_full_socket_sends_logins_to_the_bus(void**) {
  std::vector<int> held;
  for (std::size_t i = 0; i < 64; ++i) {
    const int fd = connect_to(bed->status_socket());
    assert_true(fd >= 0);
    held.push_back(fd);
  }
  const auto beyond = ask_socket(bed->status_socket(), status::request("alice"));
  const auto login = call_account("alice");
  for (const int fd : held) close(fd);
  assert_str(beyond, "EOF");
  assert_int_equal(login.code, PAM_SUCCESS);
  assert_str(login.errors, "");
}

int main() {
  if (geteuid() != 0) {
    std::fprintf(stderr, "SKIP: the shipped bus policy lets only root own io.sspr.reset1; run as root\n");
    return 77;
  }
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup(test_registered_user_passes, ensure_ssprd),
      cmocka_unit_test_setup(test_unregistered_user_is_refused_with_the_message, ensure_ssprd),
      cmocka_unit_test_setup(test_silent_flag_suppresses_the_message, ensure_ssprd),
      cmocka_unit_test_setup(test_exempt_users_pass, ensure_ssprd),
      cmocka_unit_test_setup(test_root_and_system_accounts_pass, ensure_ssprd),
      cmocka_unit_test_setup(test_damaged_record_does_not_count_as_registered, ensure_ssprd),
      cmocka_unit_test_setup(test_bad_and_unknown_user_names, ensure_ssprd),
      cmocka_unit_test_setup(test_unknown_module_options_are_ignored, ensure_ssprd),
      cmocka_unit_test_setup(test_daemon_absent_steps_aside_within_100ms, ensure_ssprd),
      cmocka_unit_test_setup(test_no_bus_at_all_steps_aside_within_100ms, ensure_ssprd),
      cmocka_unit_test_setup(test_hung_daemon_steps_aside_within_5s, ensure_ssprd),
      cmocka_unit_test_setup(test_when_unavailable_deny_refuses_with_a_message, ensure_ssprd),
      cmocka_unit_test_setup(test_a_change_steps_aside_when_ssprd_is_away, ensure_ssprd),
      cmocka_unit_test_setup(test_a_change_without_conversation_steps_aside, ensure_ssprd),
      cmocka_unit_test_setup(test_the_status_comes_over_the_socket, ensure_ssprd),
      cmocka_unit_test_setup(test_the_socket_is_roots_alone, ensure_ssprd),
      cmocka_unit_test_setup(test_a_socket_not_served_by_root_is_not_asked, ensure_ssprd),
      cmocka_unit_test_setup(test_malformed_requests_are_refused, ensure_ssprd),
      cmocka_unit_test_setup(test_a_loosened_socket_still_answers_only_for_oneself, ensure_ssprd),
      cmocka_unit_test_setup(test_a_full_socket_sends_logins_to_the_bus, ensure_ssprd),
      cmocka_unit_test_setup(test_unexpected_replies_step_aside, ensure_ssprd),
      cmocka_unit_test_setup(test_other_phases_step_aside, ensure_ssprd),
  };
  return cmocka_run_group_tests(tests, group_setup, nullptr);
}
