#include "delivery_support.hpp"

#include "process.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <netinet/in.h>
#include <poll.h>
#include <sstream>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/inotify.h>
#include <sys/wait.h>
#include <unistd.h>

namespace sspr::test::delivery {
namespace {

constexpr int kReadyTimeoutMs = 20000;  // Python start-up on a busy 2-core machine

std::vector<char*> c_strings(std::vector<std::string>& v) {
  std::vector<char*> out;
  for (auto& s : v) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// Child side of fork(): only async-signal-safe calls until execv.
[[noreturn]] void exec_child(char* const* argv, int stdout_fd, int log_fd) {
  ::prctl(PR_SET_PDEATHSIG, SIGTERM);  // a crashed test leaves no sink behind
  const int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (devnull >= 0) ::dup2(devnull, STDIN_FILENO);
  if (stdout_fd >= 0) ::dup2(stdout_fd, STDOUT_FILENO);
  if (log_fd >= 0) ::dup2(log_fd, STDERR_FILENO);
  ::execv(argv[0], argv);
  _exit(127);
}

}  // namespace

TempDir::TempDir() {
  char tmpl[] = "/tmp/sspr-delivery-test-XXXXXX";
  const char* made = ::mkdtemp(tmpl);
  if (made == nullptr) std::abort();
  path = made;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path, ignored);
}

int run_program(const std::vector<std::string>& argv_in, const std::string& log_path) {
  std::vector<std::string> argv = argv_in;
  auto c_argv = c_strings(argv);
  const int log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  const pid_t pid = ::fork();
  if (pid < 0) return -1;
  if (pid == 0) exec_child(c_argv.data(), log_fd, log_fd);
  if (log_fd >= 0) ::close(log_fd);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

bool make_certificates(const std::string& dir, Certificates& out, std::string& error) {
  const std::string log = dir + "/openssl.log";
  const std::string openssl = SSPR_OPENSSL;
  auto ca_config = [&](const std::string& name, const std::string& cn) {
    const std::string path = dir + "/" + name + ".cnf";
    sspr::test::write_file(path,
                           "[req]\ndistinguished_name = dn\nprompt = no\n[dn]\nCN = " + cn +
                               "\n[v3_ca]\nbasicConstraints = critical,CA:TRUE\n"
                               "keyUsage = critical,keyCertSign,cRLSign\nsubjectKeyIdentifier = hash\n",
                           0600);
    return path;
  };
  auto make_ca = [&](const std::string& name, const std::string& cn) {
    return run_program({openssl, "req", "-x509", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                        "-nodes", "-keyout", dir + "/" + name + ".key", "-out", dir + "/" + name + ".crt", "-days",
                        "2", "-config", ca_config(name, cn), "-extensions", "v3_ca"},
                       log) == 0;
  };
  const std::string server_config = dir + "/server.cnf";
  sspr::test::write_file(server_config,
                         "[req]\ndistinguished_name = dn\nprompt = no\n[dn]\nCN = localhost\n"
                         "[v3_server]\nbasicConstraints = critical,CA:FALSE\nkeyUsage = critical,digitalSignature\n"
                         "extendedKeyUsage = serverAuth\nsubjectAltName = DNS:localhost,IP:127.0.0.1\n"
                         "authorityKeyIdentifier = keyid\n",
                         0600);
  const bool ok =
      make_ca("ca", "sspr test CA") && make_ca("other-ca", "sspr unrelated CA") &&
      run_program({openssl, "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                   "-keyout", dir + "/server.key", "-out", dir + "/server.csr", "-config", server_config},
                  log) == 0 &&
      run_program({openssl, "x509", "-req", "-in", dir + "/server.csr", "-CA", dir + "/ca.crt", "-CAkey",
                   dir + "/ca.key", "-set_serial", "2", "-days", "2", "-out", dir + "/server.crt", "-extfile",
                   server_config, "-extensions", "v3_server"},
                  log) == 0;
  if (!ok) {
    error = "openssl failed:\n" + read_whole_file(log);
    return false;
  }
  out = {dir + "/ca.crt", dir + "/other-ca.crt", dir + "/server.crt", dir + "/server.key"};
  return true;
}

Sink::Sink(const std::string& script, const std::string& dir, const std::vector<std::string>& args,
           const std::string& log_path)
    : dir_(dir) {
  std::filesystem::create_directories(dir);
  std::vector<std::string> argv = {SSPR_TEST_PYTHON3, std::string(SSPR_SOURCE_DIR) + "/tests/support/" + script,
                                   "--dir", dir};
  argv.insert(argv.end(), args.begin(), args.end());
  auto c_argv = c_strings(argv);
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) < 0) {
    error_ = "pipe failed";
    return;
  }
  const int log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  pid_ = ::fork();
  if (pid_ == 0) exec_child(c_argv.data(), fds[1], log_fd);
  ::close(fds[1]);
  if (log_fd >= 0) ::close(log_fd);
  stdout_fd_ = fds[0];
  if (pid_ < 0) {
    error_ = "fork failed";
    return;
  }
  // The readiness line is the synchronisation: the sink prints it once it listens.
  std::string line;
  pollfd p{stdout_fd_, POLLIN, 0};
  while (line.find('\n') == std::string::npos) {
    const int n = ::poll(&p, 1, kReadyTimeoutMs);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      error_ = script + " did not print READY in time";
      break;
    }
    char buf[256];
    const ssize_t got = ::read(stdout_fd_, buf, sizeof buf);
    if (got <= 0) {
      error_ = script + " exited before READY";
      break;
    }
    line.append(buf, static_cast<std::size_t>(got));
  }
  if (error_.empty() && line.rfind("READY ", 0) == 0) port_ = std::atoi(line.c_str() + 6);
  if (port_ <= 0 && error_.empty()) error_ = script + " printed: " + line;
  if (!error_.empty()) error_ += "\nlog:\n" + read_whole_file(log_path);
}

Sink::~Sink() {
  if (pid_ > 0) sspr::test::terminate_and_wait(pid_);
  if (stdout_fd_ >= 0) ::close(stdout_fd_);
}

std::vector<std::string> Sink::stored() const {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir_)) {
    const std::string name = e.path().filename();
    if (name[0] != '.') names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

SilentListener::SilentListener() {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0 || ::listen(fd_, 16) < 0 ||
      ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) < 0)
    return;
  port_ = ntohs(addr.sin_port);
}

SilentListener::~SilentListener() {
  if (fd_ >= 0) ::close(fd_);
}

std::string read_whole_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool wait_for_stored(const Sink& sink, std::size_t count) {
  const int fd = inotify_init1(IN_CLOEXEC);
  inotify_add_watch(fd, sink.dir().c_str(), IN_MOVED_TO | IN_CLOSE_WRITE);
  bool ok = false;
  for (;;) {
    if (sink.stored().size() >= count) {
      ok = true;
      break;
    }
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 10000) <= 0) break;
    char buf[4096];
    if (read(fd, buf, sizeof buf) < 0) break;
  }
  close(fd);
  return ok;
}

std::string wait_for_message(const Sink& sink, std::size_t after, const std::vector<std::string>& needles) {
  const int fd = inotify_init1(IN_CLOEXEC);
  inotify_add_watch(fd, sink.dir().c_str(), IN_MOVED_TO | IN_CLOSE_WRITE);
  std::string found;
  for (;;) {
    for (const auto& name : sink.stored()) {
      if (static_cast<std::size_t>(std::strtol(name.c_str(), nullptr, 10)) <= after) continue;
      auto text = read_whole_file(sink.dir() + "/" + name);
      if (std::all_of(needles.begin(), needles.end(),
                      [&text](const std::string& n) { return text.find(n) != std::string::npos; })) {
        found = std::move(text);
        break;
      }
    }
    if (!found.empty()) break;
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 10000) <= 0) break;
    char buf[4096];
    if (read(fd, buf, sizeof buf) < 0) break;
  }
  close(fd);
  return found;
}

std::string newest_message(const Sink& sink) {
  std::string best;
  long best_n = -1;
  for (const auto& name : sink.stored()) {
    const long n = std::strtol(name.c_str(), nullptr, 10);
    if (n > best_n) {
      best_n = n;
      best = name;
    }
  }
  return best.empty() ? std::string() : read_whole_file(sink.dir() + "/" + best);
}

std::string newest_code(const Sink& sink) {
  std::vector<std::pair<long, std::string>> numbered;
  for (const auto& name : sink.stored()) numbered.emplace_back(std::strtol(name.c_str(), nullptr, 10), name);
  std::sort(numbered.begin(), numbered.end());
  for (auto it = numbered.rbegin(); it != numbered.rend(); ++it) {
    const auto code = code_in_message(read_whole_file(sink.dir() + "/" + it->second));
    if (code != "NO CODE") return code;
  }
  return "NO CODE";
}

std::string code_in_message(const std::string& text) {
  const auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
  std::size_t start = text.find(" is:");
  if (start == std::string::npos) start = text.find("\"message\":\"");
  if (start == std::string::npos) return "NO CODE";
  for (std::size_t i = start; i < text.size(); ++i) {
    std::size_t n = 0;
    while (i + n < text.size() && is_digit(text[i + n])) ++n;
    if (n == 6) return text.substr(i, 6);
    i += n;
  }
  return "NO CODE";
}

}  // namespace sspr::test::delivery
