// Helpers shared by the shadow backend tests: a throwaway directory standing in for /etc,
// byte-exact file reads, directory listings, and a child process that can be told to exit.
#pragma once

#include "cmocka.hpp"
#include "backend/shadow_file.hpp"
#include "errors.hpp"

#include <algorithm>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace shadow_test {

inline const std::string kFixtures = SSPR_SOURCE_DIR "/tests/data/shadow/";
inline const std::string kNewHash = "$y$j9T$newsalt0123456789abc$NEWhashNEWhashNEWhashNEWhashNEWhashNEWhashN";
inline constexpr std::int64_t kToday = 20000;

inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  assert_true(in.good());
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline void put(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  out.close();
  assert_true(out.good());
}

struct EtcDir {
  std::string path;
  sspr::daemon::backend::ShadowPaths paths;
  EtcDir() {
    char tmpl[] = "/tmp/sspr-shadow-test-XXXXXX";
    path = mkdtemp(tmpl);
    paths.dir = path;
  }
  explicit EtcDir(const std::string& content) : EtcDir() { put(shadow(), content); }
  EtcDir(const EtcDir&) = delete;
  EtcDir& operator=(const EtcDir&) = delete;
  ~EtcDir() { std::filesystem::remove_all(path); }
  std::string shadow() const { return path + "/shadow"; }
  std::string file(const std::string& name) const { return path + "/" + name; }
  std::string content() const { return slurp(shadow()); }
  std::vector<std::string> entries() const {
    std::vector<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(path)) names.push_back(e.path().filename());
    std::sort(names.begin(), names.end());
    return names;
  }
};

// The directory holds exactly these names (sorted).
inline void expect_entries(const EtcDir& dir, std::vector<std::string> expected) {
  std::sort(expected.begin(), expected.end());
  const auto actual = dir.entries();
  std::string a, e;
  for (const auto& n : actual) a += n + " ";
  for (const auto& n : expected) e += n + " ";
  assert_str(a, e);
}

inline void expect_code(const sspr::Result<sspr::daemon::backend::Done>& r, sspr::ErrorCode code) {
  assert_false(r.ok());
  assert_str(sspr::error_info(r.error()).bus_name, sspr::error_info(code).bus_name);
}

inline void expect_ok(const sspr::Result<sspr::daemon::backend::Done>& r) {
  if (!r.ok()) std::fprintf(stderr, "unexpected error %s\n", std::string(sspr::error_info(r.error()).bus_name).c_str());
  assert_true(r.ok());
}

// A forked child that runs `hold` (which takes some lock), reports readiness on a pipe and then
// blocks until release() closes the other pipe. Nothing here sleeps: both sides block on pipes.
class Holder {
 public:
  template <class F>
  explicit Holder(F hold) {
    int ready[2], go[2];
    assert_int_equal(pipe2(ready, O_CLOEXEC), 0);
    assert_int_equal(pipe2(go, O_CLOEXEC), 0);
    pid_ = fork();
    assert_true(pid_ >= 0);
    if (pid_ == 0) {
      close(ready[0]);
      close(go[1]);
      const char ok = hold() ? 'y' : 'n';
      if (write(ready[1], &ok, 1) != 1) _exit(3);
      char c;
      while (read(go[0], &c, 1) < 0 && errno == EINTR) {
      }
      _exit(0);
    }
    close(ready[1]);
    close(go[0]);
    go_ = go[1];
    char ok = 0;
    assert_int_equal(read(ready[0], &ok, 1), 1);
    close(ready[0]);
    assert_int_equal(ok, 'y');
  }
  Holder(const Holder&) = delete;
  Holder& operator=(const Holder&) = delete;
  ~Holder() { release(); }
  pid_t pid() const { return pid_; }
  // Lets the child exit and reaps it.
  void release() {
    if (pid_ <= 0) return;
    close(go_);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }

 private:
  pid_t pid_ = -1;
  int go_ = -1;
};

// A pid that no process has: a child that exited and was reaped.
inline pid_t dead_pid() {
  const pid_t pid = fork();
  if (pid == 0) _exit(0);
  int status = 0;
  waitpid(pid, &status, 0);
  return pid;
}

}  // namespace shadow_test
