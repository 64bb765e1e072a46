// Where an attempt comes from, for the throttle: failures block their own origin, and only a
// ceiling across origins blocks an account for everyone — so no local user and no network
// client can block somebody else's reset by failing on purpose.
#pragma once

#include <string>
#include <string_view>
#include <sys/types.h>

namespace sspr::daemon {

struct Origin {
  std::string key;  // part of a throttle file name (throttle::usable_origin_key)

  // A local process of this uid (the sspr command, or any program on the bus).
  static Origin local_user(uid_t uid);
  // A login that pam_sspr serves (a root caller): the remote host the application put in
  // PAM_RHOST, or a local login when there is none. A host that is not a plain name or
  // address is keyed by a digest of it.
  static Origin login(std::string_view remote_host);
  // The origin of a bus caller: its uid, or, for root, the login it serves.
  static Origin of_caller(uid_t uid, std::string_view remote_host = {});

  bool operator==(const Origin&) const = default;
};

}  // namespace sspr::daemon
