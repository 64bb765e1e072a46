#include "testbed.hpp"

#include "process.hpp"

#include <cerrno>
#include <cstdio>
#include <csignal>
#include <ctime>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace sspr::test {
namespace {

// Debian's system.conf, reduced to what matters, listening in our temp dir. The sspr policy
// is included verbatim from the source tree: the file we ship is the file we test.
std::string bus_config(const std::string& dir) {
  return R"(<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=)" + dir + R"(/system_bus_socket</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Introspectable"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Properties"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Peer"/>
  </policy>
  <include>)" SSPR_POLICY_FILE R"(</include>
</busconfig>
)";
}

std::vector<std::string> nss_wrapper_environment() {
  // No RTLD_DEEPBIND: ASan cannot run libraries loaded with it.
  return {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LD_PRELOAD=" SSPR_NSS_WRAPPER,
          "NSS_WRAPPER_PASSWD=" SSPR_TEST_DATA_DIR "/passwd", "NSS_WRAPPER_GROUP=" SSPR_TEST_DATA_DIR "/group",
          "NSS_WRAPPER_DISABLE_DEEPBIND=1"};
}

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (std::size_t pos = 0; (pos = text.find(from, pos)) != std::string::npos; pos += to.size())
    text.replace(pos, from.size(), to);
  return text;
}

}  // namespace

TestBed* TestBed::shared(const std::string& shadow) {
  std::string error;
  static std::unique_ptr<TestBed> bed = create(error);
  if (!bed) {
    std::fprintf(stderr, "test bed: %s\n", error.c_str());
    return nullptr;
  }
  mkdir((bed->dir() + "/etc").c_str(), 0755);
  write_file(bed->dir() + "/etc/shadow", shadow, 0640);
  return bed.get();
}

std::unique_ptr<TestBed> TestBed::create(std::string& error) {
  std::unique_ptr<TestBed> bed(new TestBed());
  char tmpl[] = "/tmp/sspr-test-XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) {
    error = "mkdtemp failed";
    return nullptr;
  }
  bed->dir_ = tmpl;
  // Other uids (the non-root caller tests) must reach the bus socket in here.
  ::chmod(bed->dir_.c_str(), 0755);
  ::mkdir(bed->state_dir().c_str(), 0700);
  ::mkdir((bed->state_dir() + "/registrations").c_str(), 0700);
  ::mkdir(bed->service_dir().c_str(), 0755);
  write_file(bed->dir_ + "/bus.conf", bus_config(bed->dir_), 0644);
  bed->write_config(kStandardConfig);

  // The bus resolves its peers' uids: it sees the same test users as ssprd.
  auto spawned = spawn_dbus_daemon(SSPR_DBUS_DAEMON, bed->dir_ + "/bus.conf", nss_wrapper_environment(),
                                   bed->bus_address_);
  if (spawned.pid < 0) {
    error = spawned.error;
    return nullptr;
  }
  bed->dbus_pid_ = spawned.pid;
  ::setenv("DBUS_SYSTEM_BUS_ADDRESS", bed->bus_address_.c_str(), 1);
  ::setenv("PAM_WRAPPER_SERVICE_DIR", bed->service_dir().c_str(), 1);
  return bed;
}

TestBed::~TestBed() {
  stop_ssprd();
  terminate_and_wait(dbus_pid_);
  if (std::getenv("SSPR_TEST_KEEP_DIR") == nullptr && !dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

void TestBed::write_config(const std::string& text) {
  write_file(config_path(),
             text + "\n[daemon]\nstate_directory = " + state_dir() + "\ntemplate_directory = " SSPR_TEMPLATE_DIR
                    "\naudit_log = " + audit_log() + "\nstatus_socket = " + status_socket() + "\n",
             0644);
}

void TestBed::write_record(const std::string& user, const std::string& json, mode_t mode) {
  write_file(state_dir() + "/registrations/" + user + ".json", json, mode);
}

void TestBed::write_confirmed_record(const std::string& user) {
  const auto now = std::to_string(static_cast<long long>(std::time(nullptr)));
  write_record(user, replace_all(replace_all(kConfirmedTotpRecord, "%USER%", user), "%NOW%", now));
}

void TestBed::make_current() const {
  ::setenv("DBUS_SYSTEM_BUS_ADDRESS", bus_address_.c_str(), 1);
  ::setenv("PAM_WRAPPER_SERVICE_DIR", service_dir().c_str(), 1);
}

void TestBed::write_pam_service(const std::string& name, const std::string& text) {
  // pam_sspr asks this bed's ssprd on its status socket, as on a host it asks /run/sspr's.
  auto content = replace_all(text, "@MODULE@", std::string(SSPR_PAM_MODULE) + " status_socket=" + status_socket());
  content = replace_all(content, "@CONFIG@", config_path());
  content = replace_all(content, "@PERMIT@", SSPR_PAM_PERMIT);
  write_file(service_dir() + "/" + name, content, 0644);
}

void TestBed::use_fake_clock() {
  fake_clock_file_ = dir_ + "/clock-offset";
  move_clock(0);
}

void TestBed::move_clock(long seconds) {
  const std::string next = fake_clock_file_ + ".next";
  write_file(next, (seconds < 0 ? "" : "+") + std::to_string(seconds) + "\n", 0644);
  if (::rename(next.c_str(), fake_clock_file_.c_str()) < 0) std::abort();
}

bool TestBed::start_ssprd(std::string& error) {
  auto env = nss_wrapper_environment();
  env.push_back("DBUS_SYSTEM_BUS_ADDRESS=" + bus_address_);
  // Sanitizer builds: keep the options, and let nss_wrapper be preloaded ahead of ASan.
  std::string asan = "ASAN_OPTIONS=verify_asan_link_order=0";
  if (const char* a = std::getenv("ASAN_OPTIONS")) asan += std::string(":") + a;
  env.push_back(asan);
  if (const char* u = std::getenv("UBSAN_OPTIONS")) env.push_back(std::string("UBSAN_OPTIONS=") + u);
  if (!fake_clock_file_.empty()) {
    for (auto& e : env)
      if (e.rfind("LD_PRELOAD=", 0) == 0) e += ":" SSPR_REAL_TIMERS_LIBRARY ":" SSPR_FAKETIME_LIBRARY;
    env.push_back("FAKETIME_TIMESTAMP_FILE=" + fake_clock_file_);
    env.push_back("FAKETIME_NO_CACHE=1");
    env.push_back("FAKETIME_DONT_FAKE_MONOTONIC=1");
  }

  auto spawned = spawn_and_wait_ready({SSPR_SSPRD_BIN, "--debug", "--config", config_path()}, env, dir_,
                                      dir_ + "/ssprd.log", 10000);
  if (spawned.pid < 0) {
    error = spawned.error;
    return false;
  }
  ssprd_pid_ = spawned.pid;
  return true;
}

int TestBed::stop_ssprd() {
  if (ssprd_pid_ <= 0) return -1;
  const int status = terminate_and_wait(ssprd_pid_);
  ssprd_pid_ = -1;
  return status;
}

int TestBed::kill_ssprd() {
  if (ssprd_pid_ <= 0) return -1;
  ::kill(ssprd_pid_, SIGKILL);
  int status = 0;
  while (::waitpid(ssprd_pid_, &status, 0) < 0 && errno == EINTR) {
  }
  ssprd_pid_ = -1;
  return status;
}

void TestBed::pause_ssprd() { ::kill(ssprd_pid_, SIGSTOP); }
void TestBed::resume_ssprd() { ::kill(ssprd_pid_, SIGCONT); }

std::string TestBed::ssprd_log() const { return read_file(dir_ + "/ssprd.log"); }

}  // namespace sspr::test
