#include "process.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <poll.h>
#include <sstream>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

namespace sspr::test {
namespace {

std::vector<char*> c_strings(std::vector<std::string>& v) {
  std::vector<char*> out;
  for (auto& s : v) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

std::string describe_status(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return std::string("killed by signal ") + strsignal(WTERMSIG(status));
  return "stopped";
}

std::string tail(const std::string& text, std::size_t n = 2000) {
  return text.size() > n ? text.substr(text.size() - n) : text;
}

}  // namespace

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_file(const std::string& path, const std::string& content, mode_t mode) {
  ::unlink(path.c_str());
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) throw std::runtime_error("cannot create " + path + ": " + std::strerror(errno));
  std::size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n <= 0) {
      ::close(fd);
      throw std::runtime_error("cannot write " + path);
    }
    done += static_cast<std::size_t>(n);
  }
  ::fchmod(fd, mode);
  ::close(fd);
}

Spawned spawn_and_wait_ready(const std::vector<std::string>& argv_in, std::vector<std::string> env,
                             const std::string& runtime_dir, const std::string& log_path, int timeout_ms,
                             bool die_with_parent) {
  Spawned result;
  const std::string socket_path = runtime_dir + "/notify-" + std::to_string(::getpid());
  ::unlink(socket_path.c_str());
  int sock = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socket_path.size() >= sizeof addr.sun_path) return {-1, "notify socket path too long"};
  std::strcpy(addr.sun_path, socket_path.c_str());
  if (sock < 0 || ::bind(sock, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0)
    return {-1, std::string("cannot bind notify socket: ") + std::strerror(errno)};
  env.push_back("NOTIFY_SOCKET=" + socket_path);

  std::vector<std::string> argv = argv_in;
  auto c_argv = c_strings(argv);
  auto c_env = c_strings(env);
  const pid_t pid = ::fork();
  if (pid < 0) return {-1, "fork failed"};
  if (pid == 0) {
    // A test that crashes must not leave daemons behind (or ctest waiting on their pipes).
    if (die_with_parent) ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (!log_path.empty()) {
      int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
      if (fd >= 0) {
        ::dup2(fd, STDOUT_FILENO);
        ::dup2(fd, STDERR_FILENO);
      }
    }
    ::execve(c_argv[0], c_argv.data(), c_env.data());
    _exit(127);
  }
  const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  pollfd fds[2] = {{sock, POLLIN, 0}, {pidfd, POLLIN, 0}};
  for (;;) {
    const int n = ::poll(fds, pidfd >= 0 ? 2 : 1, timeout_ms);
    if (n == 0) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
      result.error = argv[0] + " did not report READY=1 within " + std::to_string(timeout_ms) + " ms; log:\n" +
                     tail(read_file(log_path));
      break;
    }
    if (n < 0 && errno == EINTR) continue;
    if (fds[0].revents & POLLIN) {
      char buf[4096];
      const ssize_t len = ::recv(sock, buf, sizeof buf - 1, 0);
      if (len > 0) {
        buf[len] = '\0';
        if (std::strstr(buf, "READY=1") != nullptr) {
          result.pid = pid;
          break;
        }
      }
      continue;
    }
    if (pidfd >= 0 && (fds[1].revents & POLLIN)) {
      int status = 0;
      ::waitpid(pid, &status, 0);
      result.error = argv[0] + " " + describe_status(status) + " before it was ready; log:\n" + tail(read_file(log_path));
      break;
    }
  }
  if (pidfd >= 0) ::close(pidfd);
  ::close(sock);
  ::unlink(socket_path.c_str());
  return result;
}

Spawned spawn_dbus_daemon(const std::string& dbus_daemon, const std::string& config_file, std::vector<std::string> env,
                          std::string& address) {
  auto c_env = c_strings(env);
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) < 0) return {-1, "pipe failed"};
  const pid_t pid = ::fork();
  if (pid < 0) return {-1, "fork failed"};
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    const int devnull = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    const int log = ::open((config_file + ".log").c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    ::dup2(devnull, STDIN_FILENO);
    ::dup2(devnull, STDOUT_FILENO);
    ::dup2(log >= 0 ? log : devnull, STDERR_FILENO);
    ::dup2(pipe_fds[1], 3);  // dup2 clears O_CLOEXEC on the new descriptor
    const std::string config_arg = "--config-file=" + config_file;
    const char* argv[] = {dbus_daemon.c_str(), config_arg.c_str(), "--nofork", "--nopidfile", "--print-address=3",
                          nullptr};
    ::execve(argv[0], const_cast<char* const*>(argv), c_env.data());
    _exit(127);
  }
  ::close(pipe_fds[1]);
  // dbus-daemon prints its address only once it listens: reading it is the readiness wait.
  std::string line;
  char c;
  while (::read(pipe_fds[0], &c, 1) == 1 && c != '\n') line.push_back(c);
  ::close(pipe_fds[0]);
  if (line.empty()) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    return {-1, "dbus-daemon " + describe_status(status) + " without printing an address"};
  }
  address = line;
  return {pid, {}};
}

std::string capture_output(const std::vector<std::string>& argv_in) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) < 0) return {};
  std::vector<std::string> argv = argv_in;
  auto c_argv = c_strings(argv);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(fds[1], STDOUT_FILENO);
    ::execv(c_argv[0], c_argv.data());
    _exit(127);
  }
  ::close(fds[1]);
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fds[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return {};
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

int terminate_and_wait(pid_t pid) {
  if (pid <= 0) return -1;
  ::kill(pid, SIGCONT);  // a test may have stopped it
  ::kill(pid, SIGTERM);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace sspr::test
