# The system tier: a real Debian 12 booted by systemd under systemd-nspawn, with sspr's Debian
# packages installed by apt, driven from inside (../shared/reference/system-tier.md has the
# commands this follows). Sourced by the system_*.sh tests:
#   . lib.sh; machine_new NAME; machine_install_debs; machine_boot; in_ct CMD...; machine_stop
# The host's /etc, /var, PAM stacks, users and buses are never touched: every change happens in
# a copy of a cached root file system under the build directory, in its own namespaces.
set -uo pipefail

: "${SSPR_SOURCE_DIR:?}" "${SSPR_SYSTEM_DIR:?}"
DEBS=$SSPR_SYSTEM_DIR/debs
# What the root file system holds: Debian's minbase, systemd as init (and its NSS module, in
# nsswitch.conf as on a stock install), the stock PAM and sshd,
# and the tools the tests drive it with (expect on a pty, oathtool as the phone, pamtester).
ROOTFS_PACKAGES="systemd,systemd-sysv,libnss-systemd,dbus,libpam-modules,libpam-runtime,openssh-server,openssh-client,passwd,login,oathtool,expect,pamtester,ca-certificates"
ROOTFS_TAR=$SSPR_SYSTEM_DIR/rootfs-$(printf '%s' "$ROOTFS_PACKAGES" | sha256sum | cut -c1-12).tar

FAILED=0
PASSED=0
check() {  # check NAME EXPECTED ACTUAL
  if [ "$2" == "$3" ]; then
    PASSED=$((PASSED + 1)); echo "ok   - $1"
  else
    FAILED=$((FAILED + 1)); echo "FAIL - $1"; echo "  expected: [$2]"; echo "  actual:   [$3]"
  fi
}
die() { echo "FAIL: $*"; exit 1; }
report() {  # the container's journal on failure, then the verdict
  if [ $FAILED -ne 0 ] && [ -n "${LEADER:-}" ]; then
    echo "--- journal of the container (last 80 lines)"; in_ct journalctl -q --no-pager -n 80 2>&1
  fi
  echo "$PASSED passed, $FAILED failed"
  [ $FAILED -eq 0 ]
}

# The cached root file system; made once per package list (about 1.5 min), shared by tests.
rootfs_ready() {
  [ -s "$ROOTFS_TAR" ] && return 0
  mkdir -p "$SSPR_SYSTEM_DIR"
  mmdebstrap --quiet --format=tar --variant=minbase --include="$ROOTFS_PACKAGES" bookworm "$ROOTFS_TAR.part" \
    || die "mmdebstrap failed"
  mv "$ROOTFS_TAR.part" "$ROOTFS_TAR"
}

# machine_new NAME: a fresh copy of the root file system at $ROOT.
machine_new() {
  rootfs_ready
  ROOT=$SSPR_SYSTEM_DIR/machines/$1
  machine_remove
  mkdir -p "$ROOT"
  tar -C "$ROOT" -xf "$ROOTFS_TAR" || die "cannot unpack the root file system"
  echo "sspr-$1" >"$ROOT/etc/hostname"
  # Every test asks for its own configuration; the package's /etc/sspr.conf stays as shipped.
  trap 'machine_stop; machine_remove' EXIT
}
machine_remove() {
  [ -n "${ROOT:-}" ] && [ -d "$ROOT" ] && rm -rf --one-file-system "$ROOT"
  return 0
}

# Not booted, with the host's network: apt resolves the packages' dependencies from Debian.
machine_run() {
  systemd-nspawn -q -D "$ROOT" --register=no --keep-unit --pipe "$@"
}
machine_install_debs() {  # machine_install_debs [DEB_DIR]
  local dir=${1:-$DEBS}
  ls "$dir"/sspr_*.deb "$dir"/libpam-sspr_*.deb >/dev/null 2>&1 || die "no packages in $dir (scripts/package.sh makes them)"
  machine_run --bind-ro="$dir":/tmp/debs sh -c \
    'export DEBIAN_FRONTEND=noninteractive; apt-get update -qq && apt-get install -y -qq /tmp/debs/sspr_*.deb /tmp/debs/libpam-sspr_*.deb' \
    >"$ROOT.install.log" 2>&1 || { cat "$ROOT.install.log"; die "apt could not install the packages"; }
}

# Boots the machine: systemd as PID 1, private network (its own loopback only).
machine_boot() {
  systemd-nspawn -q -D "$ROOT" -b --register=no --keep-unit --private-network --console=passive \
    >"$ROOT.console.log" 2>&1 &
  NSPAWN=$!
  LEADER=
  local i
  for i in $(seq 1 200); do  # nspawn forks the container's init at once; bounded wait for it
    LEADER=$(pgrep -P "$NSPAWN" | sed -n 1p)
    case $(readlink "/proc/${LEADER:-0}/exe" 2>/dev/null) in */systemd) break ;; esac
    LEADER=
    kill -0 "$NSPAWN" 2>/dev/null || break
    sleep 0.05
  done
  [ -n "$LEADER" ] || { cat "$ROOT.console.log"; die "the container did not start"; }
  local state
  for i in $(seq 1 600); do  # systemctl needs PID 1's private socket, made early in the boot
    in_ct test -S /run/systemd/private && break
    sleep 0.05
  done
  state=$(in_ct timeout 120 systemctl is-system-running --wait 2>&1)
  case $state in
    running|degraded) ;;
    *) cat "$ROOT.console.log"; die "the container did not boot: $state" ;;
  esac
}

# Runs a command inside the booted machine. Before every call: the target must be the
# container's systemd, in a root file system that is not the host's, or the command would run
# on the host.
in_ct() {
  [ -n "${LEADER:-}" ] || die "in_ct: no machine booted"
  local exe
  exe=$(readlink "/proc/$LEADER/exe" 2>/dev/null)
  case $exe in */systemd) ;; *) die "in_ct: pid $LEADER is not the container's systemd ($exe)" ;; esac
  [ "$(stat -L -c %d:%i "/proc/$LEADER/root")" != "$(stat -L -c %d:%i /)" ] || die "in_ct: pid $LEADER has the host's root"
  nsenter -t "$LEADER" -m -u -i -n -p -- env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 "$@"
}

machine_stop() {
  [ -n "${NSPAWN:-}" ] || return 0
  if kill -0 "$NSPAWN" 2>/dev/null; then
    in_ct systemctl poweroff >/dev/null 2>&1
    timeout 60 tail --pid="$NSPAWN" -f /dev/null || kill -KILL "$NSPAWN" 2>/dev/null
  fi
  wait "$NSPAWN" 2>/dev/null
  NSPAWN= LEADER=
}

# machine_for_logins NAME PROFILE...: a booted machine with the packages, registration
# required for everyone, sshd taking keyboard-interactive (the README's install section), the
# expect scripts in /root, and `pam-auth-update --enable PROFILE...`.
machine_for_logins() {
  local name=$1 f; shift
  machine_new "$name"
  machine_install_debs
  for f in "$SSPR_SOURCE_DIR"/tests/system/*.exp; do put "/root/${f##*/}" 0644 <"$f"; done
  printf 'KbdInteractiveAuthentication yes\n' | put /etc/ssh/sshd_config.d/sspr.conf 0644
  printf '[registration]\nrequired_for = all\n' | put /etc/sspr.conf.d/10-everyone.conf 0644
  machine_boot
  in_ct env DEBIAN_FRONTEND=noninteractive pam-auth-update --enable "$@"
}

# A file written into the machine (the root file system is a directory on this host).
put() {  # put PATH_IN_MACHINE MODE < content
  install -D -m "$2" /dev/stdin "$ROOT$1"
}

# Milliseconds since the epoch, for measured cases.
now_ms() { date +%s%3N; }
