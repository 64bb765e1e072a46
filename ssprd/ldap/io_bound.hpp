// A time bound on every read and write of a libldap connection, and writes that cannot raise
// SIGPIPE. libldap 2.5 bounds neither the TLS handshake (with a network timeout set it spins
// on a non-blocking socket; without one it blocks for ever on a server that accepts and
// stays silent) nor a read stuck inside a TLS record, and it writes with write(2).
//
// It is a liblber I/O layer between TLS and TCP that poll()s the socket before each read or
// write, for at most `timeout_ms`, and then fails the I/O with ETIMEDOUT: a hard error, on
// which TLS gives up instead of retrying. libldap installs it through a connection callback,
// right after the TCP connect and before any TLS. Internal to sspr_ldap.
#pragma once

#include <ldap.h>

namespace sspr::ldap {

struct IoBound {
  ldap_conncb callbacks{};
  // Read by the layer at each I/O, so the owner may change it between phases (connect and
  // handshake, then requests).
  int timeout_ms = 0;
};

// Registers the callback on `ld`. `bound` must outlive `ld` (libldap keeps a pointer to it).
bool install_io_bound(LDAP* ld, IoBound& bound);

}  // namespace sspr::ldap
