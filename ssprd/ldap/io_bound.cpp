#include "ldap/io_bound.hpp"

#include <cerrno>
#include <poll.h>
#include <sys/socket.h>

namespace sspr::ldap {
namespace {

ber_socket_t socket_of(Sockbuf_IO_Desc* sbiod) {
  ber_socket_t fd = -1;
  return ber_sockbuf_ctrl(sbiod->sbiod_sb, LBER_SB_OPT_GET_FD, &fd) == 1 ? fd : -1;
}

// False when the socket did not become ready within the bound.
bool wait_ready(Sockbuf_IO_Desc* sbiod, short events) {
  const auto* bound = static_cast<const IoBound*>(sbiod->sbiod_pvt);
  const ber_socket_t fd = socket_of(sbiod);
  if (fd < 0) return true;  // let the layer below report it
  pollfd p{fd, events, 0};
  for (;;) {
    const int n = ::poll(&p, 1, bound->timeout_ms);
    if (n > 0) return true;  // ready, or an error the layer below will report
    if (n == 0) return false;
    if (errno != EINTR) return true;
  }
}

int bound_setup(Sockbuf_IO_Desc* sbiod, void* arg) {
  sbiod->sbiod_pvt = arg;
  return 0;
}

int bound_ctrl(Sockbuf_IO_Desc* sbiod, int option, void* arg) { return LBER_SBIOD_CTRL_NEXT(sbiod, option, arg); }

ber_slen_t bound_read(Sockbuf_IO_Desc* sbiod, void* buf, ber_len_t len) {
  if (!wait_ready(sbiod, POLLIN)) {
    errno = ETIMEDOUT;
    return -1;
  }
  return LBER_SBIOD_READ_NEXT(sbiod, buf, len);
}

ber_slen_t bound_write(Sockbuf_IO_Desc* sbiod, void* buf, ber_len_t len) {
  if (!wait_ready(sbiod, POLLOUT)) {
    errno = ETIMEDOUT;
    return -1;
  }
  // What the layer below would do (write(2)), but a server that has gone away makes it fail
  // with EPIPE instead of killing the daemon with SIGPIPE.
  const ber_socket_t fd = socket_of(sbiod);
  if (fd < 0) return LBER_SBIOD_WRITE_NEXT(sbiod, buf, len);
  return ::send(fd, buf, len, MSG_NOSIGNAL);
}

Sockbuf_IO bound_io = {bound_setup, nullptr, bound_ctrl, bound_read, bound_write, nullptr};

// Above TCP (and libldap's read-ahead, both at the provider level), below TLS (transport).
constexpr int kLevel = LBER_SBIOD_LEVEL_PROVIDER + 5;

int on_connect(LDAP*, Sockbuf* sb, LDAPURLDesc*, sockaddr*, ldap_conncb* callbacks) {
  // Failing here fails the connect: no unbounded socket is ever used.
  return ber_sockbuf_add_io(sb, &bound_io, kLevel, callbacks->lc_arg) == 0 ? 0 : -1;
}

void on_close(LDAP*, Sockbuf*, ldap_conncb*) {}

}  // namespace

bool install_io_bound(LDAP* ld, IoBound& bound) {
  bound.callbacks = {&on_connect, &on_close, &bound};
  return ldap_set_option(ld, LDAP_OPT_CONNECT_CB, &bound.callbacks) == LDAP_OPT_SUCCESS;
}

}  // namespace sspr::ldap
