#include "status_socket_client.hpp"

#include "handle.hpp"
#include "status_protocol.hpp"

#include <cerrno>
#include <cstring>
#include <ctime>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace sspr::pam {
namespace {

std::uint64_t now_usec() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000u + static_cast<std::uint64_t>(ts.tv_nsec) / 1000u;
}

// Waits for `events` on `fd` until the deadline: true when ready (or an error to be read).
bool wait_for(int fd, short events, std::uint64_t deadline_usec) {
  for (;;) {
    const std::uint64_t now = now_usec();
    if (now >= deadline_usec) return false;
    pollfd p{fd, events, 0};
    const int timeout_ms = static_cast<int>((deadline_usec - now + 999) / 1000);
    const int r = ::poll(&p, 1, timeout_ms);
    if (r > 0) return true;
    if (r < 0 && errno != EINTR) return true;  // the read or write then says what is wrong
  }
}

StatusQuery timed_out() {
  StatusQuery q;
  q.outcome = CallOutcome::unavailable;
  q.detail = "no answer in time on its status socket";
  return q;
}

}  // namespace

std::optional<StatusQuery> query_status_socket(const std::string& path, std::string_view user,
                                               std::uint64_t deadline_usec) {
  // Only root's logins use it (the socket is root's, 0600); a user's own query takes the bus.
  if (path.empty() || ::geteuid() != 0) return std::nullopt;
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.size() >= sizeof address.sun_path) return std::nullopt;
  std::memcpy(address.sun_path, path.c_str(), path.size());
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd) return std::nullopt;
  // No socket, a socket nobody listens on (ssprd stopped or killed), a full backlog: the bus.
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) < 0) return std::nullopt;
  // Only ssprd (root) answers a login: a socket another uid serves is not asked.
  ucred peer{};
  socklen_t length = sizeof peer;
  if (::getsockopt(fd.get(), SOL_SOCKET, SO_PEERCRED, &peer, &length) < 0 || peer.uid != 0) return std::nullopt;

  const std::string request = status::request(user);
  std::size_t sent = 0;
  while (sent < request.size()) {
    const ssize_t n = ::send(fd.get(), request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<std::size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!wait_for(fd.get(), POLLOUT, deadline_usec)) return timed_out();
    } else {
      return std::nullopt;
    }
  }
  std::string in;
  char buffer[1024];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n > 0) {
      in.append(buffer, static_cast<std::size_t>(n));
      const auto end = in.find('\0');
      if (end != std::string::npos) {
        in.resize(end);
        break;
      }
      if (in.size() >= status::kMaxMessage) return std::nullopt;
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!wait_for(fd.get(), POLLIN, deadline_usec)) return timed_out();
    } else {
      return std::nullopt;  // closed unanswered (ssprd stopping, or at its bound): the bus
    }
  }
  const auto reply = status::parse_reply(in);
  if (!reply) return std::nullopt;  // another ssprd version, say: the bus may do better
  StatusQuery q;
  if (reply->answer) {
    q.outcome = CallOutcome::ok;
    q.reply = std::move(*reply->answer);
    return q;
  }
  // As on the bus: only sspr's own errors are answers.
  if (reply->error == nullptr || reply->error->origin != ErrorOrigin::sspr) return std::nullopt;
  q.outcome = CallOutcome::error_reply;
  q.error = reply->error;
  q.detail = reply->error_name;
  return q;
}

}  // namespace sspr::pam
