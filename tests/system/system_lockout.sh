#!/bin/bash
# System tier: nobody is locked out. With the stock stacks after `pam-auth-update --enable sspr`
# and registration required for everyone, a password user and an SSH-key user log in over a
# real sshd within 5 s whatever happens to ssprd: stopped, masked, failing to start (a broken
# /etc/sspr.conf), killed with SIGKILL mid-request (Restart= brings it back), hung (SIGSTOP),
# or the bus restarted. Enforcement steps aside and says why in the journal; a reset fails
# closed with a plain message; with when_unavailable = deny the login is refused instead.
#   system_lockout.sh SOURCE_DIR SYSTEM_DIR
SSPR_SOURCE_DIR=$1 SSPR_SYSTEM_DIR=$2
. "$SSPR_SOURCE_DIR/tests/system/lib.sh"

machine_for_logins lockout sspr
in_ct useradd -m -s /bin/bash pat
echo 'pat:Pat-Password-123' | in_ct chpasswd
in_ct useradd -m -s /bin/bash kay
in_ct passwd -d kay >/dev/null  # no password at all: keys only
in_ct install -d -m 0700 -o kay -g kay /home/kay/.ssh
in_ct ssh-keygen -q -t ed25519 -N '' -f /root/kay_key
in_ct install -m 0600 -o kay -g kay /root/kay_key.pub /home/kay/.ssh/authorized_keys
# pat registers (recovery codes, proven with his password), so that with ssprd up he logs in
# without a wizard. kay has no password a reset could replace: enforcement steps aside for him.
printf 'Pat-Password-123\n3\nyes\n' | in_ct runuser -u pat -- sspr register >/dev/null 2>&1

password_login() { in_ct expect /root/login.exp pat Pat-Password-123 2>&1 | tr -d '\r' | tail -n 1; }
key_login() {
  in_ct ssh -i /root/kay_key -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
    -o LogLevel=ERROR kay@127.0.0.1 'echo logged-in-as-$USER' 2>&1 | tr -d '\r'
}
# logins CASE [LIMIT_MS]: both logins, each within LIMIT_MS (5 s unless given).
logins() {
  local t0 t1 out limit=${2:-5000}
  t0=$(now_ms); out=$(password_login); t1=$(now_ms)
  check "$1: the password user logs in" "LOGGED IN" "$out"
  check "$1: ... within $limit ms ($((t1 - t0)) ms)" "yes" "$([ $((t1 - t0)) -lt "$limit" ] && echo yes || echo no)"
  t0=$(now_ms); out=$(key_login); t1=$(now_ms)
  check "$1: the SSH-key user logs in" "logged-in-as-kay" "$out"
  check "$1: ... within $limit ms ($((t1 - t0)) ms)" "yes" "$([ $((t1 - t0)) -lt "$limit" ] && echo yes || echo no)"
}
# stepped_aside CASE WHY: pam_sspr's own line in the journal says why (sshd logs it).
stepped_aside() {
  # Read whole, then searched: grep -q on a pipe would stop early and journalctl die of SIGPIPE
  # (141 under pipefail) whenever the line is found before the journal's end.
  local journal
  journal=$(in_ct journalctl -q --no-pager -o cat --since "@$SINCE")
  grep -qF -- "pam_sspr(sshd:account): cannot reach ssprd ($2); registration is not enforced for kay" <<<"$journal"
  check "$1: pam_sspr says why in the journal ($2)" "0" "$?"
}
reset_fails_closed() {
  local out
  out=$(printf '1\nAAAAA-AAAAA\n' | in_ct sspr reset pat 2>&1); rc=$?
  check "$1: a reset fails closed with a plain message" "1|The password reset service is not available." "$rc|$(tail -n 1 <<<"$out")"
}
mark() { SINCE=$(in_ct date +%s); }

mark; logins "ssprd up"
check "ssprd up: it runs" "active" "$(in_ct systemctl is-active ssprd)"
journal=$(in_ct journalctl -q --no-pager -o cat --since "@$SINCE")
grep -qF -- "pam_sspr(sshd:account): kay has no password that a reset could replace; registration is not enforced" <<<"$journal"
check "ssprd up: kay (keys only, no password) is not made to register, and the journal says why" "0" "$?"

mark; in_ct systemctl stop ssprd
logins "stopped"
check "stopped: the login started it again (activation)" "active" "$(in_ct systemctl is-active ssprd)"

mark; in_ct systemctl mask --now ssprd >/dev/null 2>&1
logins "masked"
stepped_aside "masked" "org.freedesktop.systemd1.UnitMasked"
reset_fails_closed "masked"
put /etc/sspr.conf.d/20-deny.conf 0644 <<'CONF'
[enforcement]
when_unavailable = deny
CONF
check "masked, when_unavailable = deny: the password user is refused" "REFUSED" "$(password_login)"
check "masked, when_unavailable = deny: the SSH-key user is refused" "" "$(key_login | grep logged-in)"
in_ct rm /etc/sspr.conf.d/20-deny.conf
in_ct systemctl unmask ssprd >/dev/null 2>&1

mark; in_ct systemctl stop ssprd
put /etc/sspr.conf.d/30-broken.conf 0644 <<'CONF'
[registration]
required_for = sometimes
CONF
# A unit that cannot start costs a login little: pam_sspr sees the unit fail while the bus still
# waits for the name (the first login) and does not ask again once it has failed (the next ones).
logins "failing to start (broken /etc/sspr.conf)" 1500
stepped_aside "failing to start" "ssprd.service failed to start; see systemctl status ssprd.service"
check "failing to start: the unit failed, not restarting" "failed" "$(in_ct systemctl is-active ssprd)"
check "failing to start: exit status 78, not retried" "ExecMainStatus=78 NRestarts=0" "$(in_ct systemctl show -p ExecMainStatus -p NRestarts ssprd | LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//')"
reset_fails_closed "failing to start"
in_ct rm /etc/sspr.conf.d/30-broken.conf
in_ct systemctl reset-failed ssprd

# SIGKILL while a request is being served: a reset session is open (pat's console waits in it).
in_ct systemctl start ssprd
in_ct sh -c 'sleep 30 | sspr reset pat >/dev/null 2>&1 &'
restarts=$(in_ct systemctl show -p NRestarts --value ssprd)
mark; in_ct systemctl kill -s KILL ssprd
logins "killed (SIGKILL)"
# Restart= brings it back (after RestartSec); bounded wait for the unit to be active again.
for i in $(seq 1 100); do [ "$(in_ct systemctl is-active ssprd)" = active ] && break; sleep 0.1; done
check "killed: Restart= brought ssprd back" "active $((restarts + 1))" "$(in_ct systemctl is-active ssprd) $(in_ct systemctl show -p NRestarts --value ssprd)"

mark; in_ct systemctl kill -s STOP ssprd
logins "hung (SIGSTOP)"
stepped_aside "hung" "no answer in time on its status socket"
in_ct systemctl kill -s CONT ssprd

mark; in_ct systemctl restart dbus
logins "dbus-daemon restarted"
check "dbus restarted: ssprd answers again" "0" "$(in_ct busctl --system call io.sspr.reset1 /io/sspr/reset1 io.sspr.reset1.Manager GetRegistrationStatus s pat >/dev/null 2>&1; echo $?)"

report
