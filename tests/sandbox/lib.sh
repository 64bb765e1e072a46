# Shared by the sandbox tests and the demo: a private world built from the host's own tools.
#
#   sandbox_reexec "$@"   re-runs the calling script in a private mount namespace (root only),
#                         then checks that the host's /etc is byte-for-byte unchanged
#   sandbox_setup BUILD   inside it: overlay on /etc, private /run with its own system bus,
#                         tmpfs over /home and /var/log, ssprd started from BUILD
#   sandbox_useradd NAME  a real useradd, into the overlay
#
# Nothing here writes to the host: every change lands in the overlay's upper dir or a tmpfs,
# and both vanish with the namespace.

sandbox_die() { echo "sandbox: $*" >&2; exit 1; }

sandbox_reexec() {
  if [ -n "${SSPR_IN_SANDBOX:-}" ]; then return 0; fi
  if [ "$(id -u)" -ne 0 ]; then
    echo "SKIP: the sandbox needs root (mount namespace, overlay on /etc)" >&2
    exit 77
  fi
  if ! unshare --mount --propagation private true 2>/dev/null; then
    echo "SKIP: cannot create a mount namespace here" >&2
    exit 77
  fi
  # Run the script again inside the namespace, then prove the host did not change.
  local before after rc=0
  before=$(host_fingerprint)
  SSPR_IN_SANDBOX=1 unshare --mount --propagation private -- "$BASH" "$0" "$@" || rc=$?
  after=$(host_fingerprint)
  if [ "$before" != "$after" ]; then
    echo "FAIL: the host's /etc changed during the sandbox run" >&2
    diff <(echo "$before") <(echo "$after") >&2
    exit 1
  fi
  exit $rc
}

# Host programs that load an ASan-built pam_sspr.so need the sanitizer runtime preloaded.
sandbox_pam_app_env() {
  case "${SSPR_SANITIZE:-OFF}" in
    ON|on|1|TRUE|true)
      echo "LD_PRELOAD=$(gcc -print-file-name=libasan.so):$(gcc -print-file-name=libubsan.so)"
      echo "ASAN_OPTIONS=detect_leaks=0:verify_asan_link_order=0" ;;
  esac
}

sandbox_setup() {
  local build=$1
  SSPR_BUILD_DIR=$build
  [ -n "${SSPR_IN_SANDBOX:-}" ] || sandbox_die "sandbox_setup outside the namespace"
  SANDBOX=$(mktemp -d /tmp/sspr-sandbox-XXXXXX)
  chmod 0755 "$SANDBOX"
  mkdir -p "$SANDBOX/etc-upper" "$SANDBOX/etc-work" "$SANDBOX/state/registrations"
  chmod 0700 "$SANDBOX/state" "$SANDBOX/state/registrations"
  mount -t overlay overlay -o "lowerdir=/etc,upperdir=$SANDBOX/etc-upper,workdir=$SANDBOX/etc-work" /etc \
    || sandbox_die "cannot mount an overlay on /etc"
  mount -t tmpfs -o mode=0755 sandbox-run /run
  local d
  for d in /home /var/log /var/mail /var/spool/mail; do
    [ -d "$d" ] && mount -t tmpfs -o mode=0755 sandbox-tmp "$d"
  done
  mkdir -p /run/dbus

  # The real system bus configuration, plus the policy file sspr ships.
  install -m 0644 "$SSPR_SOURCE_DIR/systemd/io.sspr.reset1.conf" /etc/dbus-1/system.d/io.sspr.reset1.conf
  dbus-daemon --system --fork --nopidfile --print-pid=3 3>"$SANDBOX/dbus.pid" \
    || sandbox_die "cannot start the sandbox's system bus"
  DBUS_PID=$(cat "$SANDBOX/dbus.pid")
  unset DBUS_SYSTEM_BUS_ADDRESS  # everything below uses the default path, now in our /run

  cat >/etc/sspr.conf <<CONF
[registration]
required_for = all
exempt_users = carol
[daemon]
state_directory = $SANDBOX/state
template_directory = $SSPR_SOURCE_DIR/conf/templates
CONF
  chmod 0644 /etc/sspr.conf
  SSPRD_PID=$("$build/tests/sspr-test-launch" start "$SANDBOX" "$SANDBOX/ssprd.log" -- "$build/ssprd/ssprd") \
    || sandbox_die "ssprd did not start: $(cat "$SANDBOX/ssprd.log")"

  # su and a plain account check, with pam_sspr in the recommended place.
  cat >/etc/pam.d/su <<PAM
auth       sufficient pam_rootok.so
auth       required   pam_unix.so
account    [success=ok ignore=ignore default=bad] $build/pam_sspr/pam_sspr.so
account    required   pam_unix.so
session    required   pam_unix.so
PAM
  cat >/etc/pam.d/sspr-check <<PAM
auth       required   pam_deny.so
account    [success=ok ignore=ignore default=bad] $build/pam_sspr/pam_sspr.so
account    required   pam_permit.so
PAM
}

sandbox_useradd() {
  useradd --no-create-home --user-group --shell /bin/sh "$1" || sandbox_die "useradd $1 failed"
}

# Marks NAME as registered (one method) without going through the wizard.
sandbox_register() {
  local file="$SANDBOX/state/registrations/$1.json"
  local now; now=$(date +%s)
  printf '{"version":2,"user":"%s","first_registered":%s,"last_confirmed":%s,"first_prompted":0,"skips_used":0,"methods":{"recovery_codes":{"added":%s,"usable_from":%s,"digests":["00"]}}}' \
    "$1" "$now" "$now" "$now" "$now" >"$file"
  chmod 0600 "$file"
}

# Stops ssprd and checks it shut down cleanly (its last log line).
sandbox_stop_ssprd() {
  [ -n "${SSPRD_PID:-}" ] || return 0
  "$SSPR_BUILD_DIR/tests/sspr-test-launch" stop "$SSPRD_PID" || return 1
  SSPRD_PID=
  [ "$(tail -n 1 "$SANDBOX/ssprd.log")" = "ssprd: info: stopped" ]
}

sandbox_teardown() {
  [ -n "${SSPRD_PID:-}" ] && kill -TERM "$SSPRD_PID" 2>/dev/null
  [ -n "${DBUS_PID:-}" ] && kill -TERM "$DBUS_PID" 2>/dev/null
  # The mounts go away with the namespace; the temp dir is ours to remove.
  local d
  for d in /var/spool/mail /var/mail /var/log /home /run /etc; do umount -l "$d" 2>/dev/null; done
  [ -n "${SANDBOX:-}" ] && rm -rf "$SANDBOX"
}

# Test bookkeeping for the sandbox scripts: `check NAME EXPECTED ACTUAL` prints a TAP-like
# line; `sandbox_report [LOG...]` prints ssprd's log (and LOGs) on failure, then the summary
# line, and returns the result.
passes=0 failures=0
check() {
  if [ "$2" == "$3" ]; then
    echo "ok - $1"; passes=$((passes + 1))
  else
    echo "not ok - $1"; echo "  expected: $(printf %q "$2")"; echo "  actual:   $(printf %q "$3")"
    failures=$((failures + 1))
  fi
}

sandbox_report() {
  if [ "$failures" -ne 0 ]; then
    local log
    for log in "$SANDBOX/ssprd.log" "$@"; do
      [ -f "$log" ] && { echo "--- $(basename "$log"):"; cat "$log"; }
    done
  fi
  echo "$passes passed, $failures failed"
  [ "$failures" -eq 0 ]
}

# Fingerprint of the host files a sandbox must never change (taken outside the namespace).
host_fingerprint() {
  sha256sum /etc/passwd /etc/shadow /etc/group /etc/gshadow /etc/pam.d/su 2>/dev/null
  ls -la /etc/pam.d /etc/dbus-1/system.d 2>/dev/null
  [ -e /etc/sspr.conf ] && sha256sum /etc/sspr.conf
  true
}
