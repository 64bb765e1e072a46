// A private world for bus and PAM tests: a temp directory, a dbus-daemon configured like
// Debian's system bus plus sspr's *shipped* policy file, the real ssprd with a test config and
// state directory, and nss_wrapper users from tests/data. Nothing of the host is touched:
// DBUS_SYSTEM_BUS_ADDRESS in this process points at the private bus.
#pragma once

#include <cstdio>
#include <unistd.h>

#include <memory>
#include <string>
#include <sys/types.h>

namespace sspr::test {

// The users of tests/data/passwd and the config most tests use with them.
inline constexpr const char* kStandardConfig =
    "[registration]\n"
    "required_for = all\n"
    "exempt_users = carol\n"
    "exempt_groups = contractors\n"
    "min_uid = 1000\n";

// A registered user (one method: recovery codes), confirmed now.
inline constexpr const char* kConfirmedTotpRecord =
    R"({"version":2,"user":"%USER%","first_registered":%NOW%,"last_confirmed":%NOW%,"first_prompted":0,)"
    R"("skips_used":0,"methods":{"recovery_codes":{"added":%NOW%,"usable_from":%NOW%,"digests":["00"]}}})";

class TestBed {
 public:
  // Starts the private bus. Returns nullptr and sets `error` if that fails.
  static std::unique_ptr<TestBed> create(std::string& error);
  // The one bed of a test program, made at the first call and kept to the end, with `shadow`
  // as <dir>/etc/shadow (0640) for ssprd's [reset] shadow_directory; nullptr (said on stderr)
  // if it cannot be made.
  static TestBed* shared(const std::string& shadow);
  ~TestBed();
  TestBed(const TestBed&) = delete;
  TestBed& operator=(const TestBed&) = delete;

  const std::string& dir() const { return dir_; }
  // Points this process's system bus and pam_wrapper's service directory at this bed (create()
  // does it for the newest bed; tests with two beds switch between them).
  void make_current() const;
  const std::string& bus_address() const { return bus_address_; }
  std::string config_path() const { return dir_ + "/sspr.conf"; }
  std::string state_dir() const { return dir_ + "/state"; }
  std::string service_dir() const { return dir_ + "/pam.d"; }
  std::string audit_log() const { return dir_ + "/audit/audit.jsonl"; }
  // ssprd's status socket ([daemon] status_socket), in a directory of the bed's that ssprd
  // makes 0700; every PAM service written here gives pam_sspr its path.
  std::string status_socket() const { return dir_ + "/run/io.sspr.Status"; }

  // Writes the config (plus [daemon] keys pointing into the test directory). Sections the
  // text ends with must not be [daemon].
  void write_config(const std::string& text);
  // Writes <state>/registrations/<user>.json (root-owned, 0600 unless `mode` says otherwise).
  void write_record(const std::string& user, const std::string& json, mode_t mode = 0600);
  void write_confirmed_record(const std::string& user);
  // A PAM service file in service_dir(); "@MODULE@" and "@CONFIG@" are replaced.
  void write_pam_service(const std::string& name, const std::string& text);

  // From the next start_ssprd() on, ssprd's clock is the real one moved by an offset that
  // move_clock() sets (libfaketime reads it from a file at every call). The monotonic clock is
  // left alone. The one seam the real parts cannot reach: time.
  void use_fake_clock();
  // Sets the offset (seconds ahead of the real clock; 0 puts it back). The file is replaced
  // by a rename: ssprd's threads read it at any moment, and a half-written file would give
  // libfaketime no offset or a wrong one (its timers then fail and sd-event stops).
  void move_clock(long seconds);
  bool start_ssprd(std::string& error);
  int stop_ssprd();  // exit status of ssprd
  // SIGKILL, then reaps it; returns its wait status (-1 if none ran). start_ssprd() works again.
  int kill_ssprd();
  void pause_ssprd();
  void resume_ssprd();
  bool ssprd_running() const { return ssprd_pid_ > 0; }
  pid_t ssprd_pid() const { return ssprd_pid_; }
  std::string ssprd_log() const;

 private:
  TestBed() = default;
  std::string fake_clock_file_;
  std::string dir_;
  std::string bus_address_;
  pid_t dbus_pid_ = -1;
  pid_t ssprd_pid_ = -1;
};

// Bus tests need root (the shipped policy lets only root own io.sspr.reset1): false, after
// saying so, when not root (the test then exits 77, ctest's "skipped").
inline bool root_or_skip() {
  if (geteuid() == 0) return true;
  std::fprintf(stderr, "SKIP: the shipped bus policy lets only root own io.sspr.reset1; run as root\n");
  return false;
}

}  // namespace sspr::test
