// Helpers for the delivery tests: a temp directory, a throwaway CA and server certificate
// made with the openssl CLI, the Python SMTP/HTTP sinks (started with fork/execv and waited
// for through their "READY <port>" line), and a TCP listener that never answers.
#pragma once

#include <string>
#include <sys/types.h>
#include <vector>

namespace sspr::test::delivery {

struct TempDir {
  std::string path;
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
};

// Runs argv (argv[0] an absolute path) with stdout/stderr appended to `log_path`; returns
// the exit status, or -1 if it could not run or died of a signal.
int run_program(const std::vector<std::string>& argv, const std::string& log_path);

struct Certificates {
  std::string ca;        // CA that signed `cert`
  std::string other_ca;  // an unrelated CA: verifying `cert` against it must fail
  std::string cert;      // CN=localhost, SAN DNS:localhost, IP:127.0.0.1
  std::string key;
};
// Creates the certificates in `dir`; false (with `error`) on failure.
bool make_certificates(const std::string& dir, Certificates& out, std::string& error);

// A sink process. Stopped (SIGTERM, waited for) on destruction.
class Sink {
 public:
  // Starts `python3 <tests/support/script> --dir <dir> <args>` and waits (bounded) for its
  // "READY <port>" line. On failure port() is 0 and error() says why.
  Sink(const std::string& script, const std::string& dir, const std::vector<std::string>& args,
       const std::string& log_path);
  ~Sink();
  Sink(const Sink&) = delete;
  Sink& operator=(const Sink&) = delete;

  int port() const { return port_; }
  const std::string& error() const { return error_; }
  const std::string& dir() const { return dir_; }
  // Names of the files the sink stored (sorted), e.g. {"1.msg"}; dot-files excluded.
  std::vector<std::string> stored() const;

 private:
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  int port_ = 0;
  std::string dir_;
  std::string error_;
};

// A TCP socket on 127.0.0.1 that listens and never accepts: the kernel completes the
// handshake, then nothing is ever said. Models an SMTP server that hangs.
class SilentListener {
 public:
  SilentListener();
  ~SilentListener();
  SilentListener(const SilentListener&) = delete;
  SilentListener& operator=(const SilentListener&) = delete;
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

std::string read_whole_file(const std::string& path);

// The newest message a sink stored (files are numbered 1.msg, 2.msg, ...); empty if none.
std::string newest_message(const Sink& sink);
// The one-time code in a stored e-mail or SMS: the first run of exactly 6 digits after "... is:"
// (the e-mail template) or after "message":" (the SMS webhook body), past any header digits.
// "NO CODE" if there is none.
std::string code_in_message(const std::string& text);

// The code in the newest message of the sink that carries one, or "NO CODE". Notices (a method
// added, a password changed) carry none and are sent after the reply to the call that caused
// them, so one may land after a later code: "the newest message" is not "the code just sent".
std::string newest_code(const Sink& sink);

// Waits (on inotify, never by sleeping) until the sink holds `count` messages; false after
// 10 s. For messages sent after the reply to the call that caused them (notices).
bool wait_for_stored(const Sink& sink, std::size_t count);

// Waits (inotify, never by sleeping) for a message numbered above `after` (the count before the
// call that causes it) that contains every one of `needles`, and returns it; "" after 10 s.
// Notices are sent after the reply to the call that caused them, in no fixed order, so a
// count or "the newest message" can be another call's notice.
std::string wait_for_message(const Sink& sink, std::size_t after, const std::vector<std::string>& needles);

}  // namespace sspr::test::delivery
