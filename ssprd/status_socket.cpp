#include "status_socket.hpp"

#include "async/task.hpp"
#include "log.hpp"
#include "status_protocol.hpp"
#include "text.hpp"

#include <cerrno>
#include <cstring>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <system_error>

namespace sspr::daemon {
namespace {

std::system_error failure(const std::string& what) { return {errno, std::generic_category(), what}; }

status::Answer answer_of(const RegistrationStatus& s) {
  return {s.user,         s.registered, s.must_register, s.reason, s.reconfirm_due,
          s.can_skip,     s.skips_left, static_cast<std::uint64_t>(s.skip_deadline) * 1'000'000u};
}

// Runs the Manager's step and hands the framed reply to `done` (on the loop, when it ends).
template <class Done>
Detached answer_status(Task<Result<RegistrationStatus>> step, Done done) {
  std::string message;
  try {
    auto status = co_await std::move(step);
    message = status ? status::reply(answer_of(*status)) : status::error_reply(status.error());
  } catch (const std::exception& e) {
    log_error("status socket: the status query failed: %s", e.what());
    message = status::error_reply(ErrorCode::Internal);
  }
  done(std::move(message));
}

}  // namespace

StatusSocket::StatusSocket(sd_event* event, const Manager& manager, std::string path)
    : event_(event), manager_(manager), path_(std::move(path)) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path_.empty() || path_.size() >= sizeof address.sun_path)
    throw std::system_error(ENAMETOOLONG, std::generic_category(), "status socket path " + path_);
  std::memcpy(address.sun_path, path_.c_str(), path_.size());
  // A socket a previous ssprd left behind is replaced; anything else at the path is an error.
  struct stat st {};
  if (::lstat(path_.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode) || st.st_uid != ::geteuid())
      throw std::system_error(EEXIST, std::generic_category(), path_ + " exists and is not ssprd's socket");
    if (::unlink(path_.c_str()) < 0) throw failure("cannot remove the old " + path_);
  }
  listener_ = UniqueFd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!listener_) throw failure("socket");
  // Created 0600 (no window in which another mode shows), root's by our euid.
  const mode_t old_mask = ::umask(0177);
  const int bound = ::bind(listener_.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address);
  const int saved = errno;
  ::umask(old_mask);
  errno = saved;
  if (bound < 0) throw failure("cannot bind " + path_);
  if (::listen(listener_.get(), SOMAXCONN) < 0) throw failure("listen on " + path_);
  sd_event_source* raw = nullptr;
  const int r = sd_event_add_io(event_, &raw, listener_.get(), EPOLLIN, &StatusSocket::on_listen, this);
  if (r < 0) throw std::system_error(-r, std::generic_category(), "cannot watch " + path_);
  listen_source_.reset(raw);
}

StatusSocket::~StatusSocket() {
  *alive_ = false;
  connections_.clear();
  listen_source_.reset();
  ::unlink(path_.c_str());
}

int StatusSocket::on_listen(sd_event_source*, int, uint32_t, void* userdata) noexcept {
  try {
    static_cast<StatusSocket*>(userdata)->accept_all();
  } catch (const std::exception& e) {
    log_warning("status socket: %s", e.what());
  }
  return 0;
}

void StatusSocket::accept_all() {
  for (;;) {
    UniqueFd fd(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
    if (!fd) {
      if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR && errno != ECONNABORTED)
        log_warning("status socket: accept failed: %s", std::strerror(errno));
      if (errno == EINTR || errno == ECONNABORTED) continue;
      return;
    }
    // Beyond the bound the connection is closed unanswered: the client asks over the bus.
    if (connections_.size() >= kMaxConnections) continue;
    ucred peer{};
    socklen_t length = sizeof peer;
    if (::getsockopt(fd.get(), SOL_SOCKET, SO_PEERCRED, &peer, &length) < 0 || length != sizeof peer) continue;
    auto c = std::make_unique<Connection>();
    c->owner = this;
    c->id = next_id_++;
    c->fd = std::move(fd);
    c->uid = peer.uid;
    // The connection is its sources' userdata; they are destroyed with it.
    sd_event_source* raw = nullptr;
    if (sd_event_add_io(event_, &raw, c->fd.get(), EPOLLIN, &StatusSocket::on_io, c.get()) < 0) continue;
    c->io.reset(raw);
    raw = nullptr;
    if (sd_event_add_time_relative(event_, &raw, CLOCK_MONOTONIC, kConnectionUsec, 0, &StatusSocket::on_deadline,
                                   c.get()) < 0)
      continue;
    c->deadline.reset(raw);
    Connection& added = *c;
    connections_.emplace(added.id, std::move(c));
    receive(added);  // the request is usually there already: answer without another wake-up
  }
}

int StatusSocket::on_deadline(sd_event_source*, uint64_t, void* userdata) noexcept {
  auto& c = *static_cast<Connection*>(userdata);
  c.owner->close(c);
  return 0;
}

int StatusSocket::on_io(sd_event_source*, int, uint32_t events, void* userdata) noexcept {
  auto& c = *static_cast<Connection*>(userdata);
  try {
    if ((events & EPOLLOUT) != 0)
      c.owner->flush(c);
    else
      c.owner->receive(c);
  } catch (const std::exception& e) {
    log_warning("status socket: %s", e.what());
    c.owner->close(c);
  }
  return 0;
}

void StatusSocket::receive(Connection& c) {
  if (c.asked) return;
  char buffer[1024];
  for (;;) {
    const ssize_t n = ::read(c.fd.get(), buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;  // more to come
    if (n <= 0) return close(c);                                    // gone, or an error
    c.in.append(buffer, static_cast<std::size_t>(n));
    const auto end = c.in.find('\0');
    if (end == std::string::npos) {
      if (c.in.size() >= status::kMaxMessage) return close(c);
      continue;
    }
    // One request per connection: what follows its NUL is ignored.
    const auto user = status::parse_request(std::string_view(c.in).substr(0, end));
    if (!user) {
      log_debug("status socket: a malformed request from uid %u", static_cast<unsigned>(c.uid));
      c.out = status::error_reply(ErrorCode::InvalidArgument);
      return flush(c);
    }
    c.asked = true;
    sd_event_source_set_enabled(c.io.get(), SD_EVENT_OFF);
    answer_status(manager_.registration_status(c.uid, *user),
                  [this, alive = std::weak_ptr<bool>(alive_), id = c.id](std::string message) {
                    if (alive.expired()) return;
                    const auto it = connections_.find(id);
                    if (it == connections_.end()) return;  // timed out meanwhile
                    it->second->out = std::move(message);
                    flush(*it->second);
                  });
    return;
  }
}

void StatusSocket::flush(Connection& c) {
  while (!c.out.empty()) {
    const ssize_t n = ::send(c.fd.get(), c.out.data(), c.out.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      // The reply waits for room (a client that does not read is ended by the deadline).
      sd_event_source_set_io_events(c.io.get(), EPOLLOUT);
      sd_event_source_set_enabled(c.io.get(), SD_EVENT_ON);
      return;
    }
    if (n <= 0) return close(c);
    c.out.erase(0, static_cast<std::size_t>(n));
  }
  close(c);  // answered: the client reads to the NUL, or to the end
}

}  // namespace sspr::daemon
