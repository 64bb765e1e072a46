// The status socket's server (common/status_protocol.hpp): the login's registration status
// answered without the system bus, from the same Manager step as the bus method, authorised
// the same way (root may ask for anyone, others only for themselves: here the uid comes from
// SO_PEERCRED). Bounded: 64 connections at once (more are closed unanswered: the client then
// asks over the bus), 5 s each, 4 KiB a message. Event-loop thread only.
#pragma once

#include "core/manager.hpp"
#include "handle.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <sys/types.h>
#include <systemd/sd-event.h>

namespace sspr::daemon {

class StatusSocket {
 public:
  static constexpr std::size_t kMaxConnections = 64;
  static constexpr std::uint64_t kConnectionUsec = 5'000'000;

  // Listens on `path` with mode 0600, replacing a socket a previous ssprd left there (never
  // anything else). The directory must be root's alone: the caller checks (daemon.cpp).
  // Throws std::system_error when it cannot.
  StatusSocket(sd_event* event, const Manager& manager, std::string path);
  ~StatusSocket();  // closes every connection and removes the socket
  StatusSocket(const StatusSocket&) = delete;
  StatusSocket& operator=(const StatusSocket&) = delete;

 private:
  struct Connection {
    StatusSocket* owner = nullptr;
    std::uint64_t id = 0;
    UniqueFd fd;  // declared before the sources: they go first
    uid_t uid = static_cast<uid_t>(-1);
    EventSourcePtr io, deadline;
    std::string in, out;
    bool asked = false;  // a request is being answered
  };

  static int on_listen(sd_event_source* source, int fd, uint32_t events, void* userdata) noexcept;
  static int on_io(sd_event_source* source, int fd, uint32_t events, void* userdata) noexcept;
  static int on_deadline(sd_event_source* source, uint64_t usec, void* userdata) noexcept;
  void accept_all();
  void receive(Connection& c);
  void flush(Connection& c);
  void close(const Connection& c) { connections_.erase(c.id); }  // `c` is gone after this

  sd_event* event_;
  const Manager& manager_;
  std::string path_;
  UniqueFd listener_;
  EventSourcePtr listen_source_;
  std::uint64_t next_id_ = 1;
  std::map<std::uint64_t, std::unique_ptr<Connection>> connections_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // for answers that outlive us
};

}  // namespace sspr::daemon
