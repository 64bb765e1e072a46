#!/bin/bash
# System tier: the packages on a Debian 12 booted by systemd. The first login starts ssprd by
# D-Bus activation through the unit; ssprd runs with the unit's sandbox (read back from /proc);
# a reset and a change write /etc/shadow under that sandbox, with the hash passwd writes on the
# host ($y$ on stock Debian 12, whose login.defs still says SHA512); audit events are in the
# journal with their MESSAGE_ID; the live systemd-analyze score is at most 2.0.
#   system_host.sh SOURCE_DIR SYSTEM_DIR
SSPR_SOURCE_DIR=$1 SSPR_SYSTEM_DIR=$2
. "$SSPR_SOURCE_DIR/tests/system/lib.sh"

machine_new host
machine_install_debs
machine_boot

check "login.defs says SHA512 (stock Debian 12)" "ENCRYPT_METHOD SHA512" "$(in_ct grep '^ENCRYPT_METHOD' /etc/login.defs)"
in_ct env DEBIAN_FRONTEND=noninteractive pam-auth-update --enable sspr sspr-password
check "pam-auth-update put pam_sspr in common-account" "1" "$(in_ct grep -c 'pam_sspr.so' /etc/pam.d/common-account)"
in_ct useradd -m -s /bin/bash anna
echo 'anna:Old-Password-123' | in_ct chpasswd
in_ct useradd -m otto
echo 'otto:Otto-Password-123' | in_ct chpasswd
check "chpasswd (pam_unix) writes yescrypt" '$y$' "$(in_ct grep '^otto:' /etc/shadow | cut -d: -f2 | cut -c1-3)"

# D-Bus activation: with ssprd stopped, root's `su - anna` runs the account phase, whose status
# query starts it through the activation file and the unit.
in_ct systemctl stop ssprd
check "ssprd is stopped" "inactive" "$(in_ct systemctl is-active ssprd)"
out=$(in_ct su - anna -c 'echo logged-in' </dev/null 2>&1); rc=$?
check "the first login (su - anna) goes through" "0|logged-in" "$rc|$out"
check "the login started ssprd" "active" "$(in_ct systemctl is-active ssprd)"
dbus_journal=$(in_ct journalctl -q --no-pager -u dbus -o cat)  # whole: grep -q on a pipe risks SIGPIPE
grep -qF -- "Activating via systemd: service name='io.sspr.reset1' unit='ssprd.service'" <<<"$dbus_journal"
check "dbus-daemon activated it through systemd" "0" "$?"
# Once it runs, root's logins ask on its status socket, which the unit's RuntimeDirectory= holds.
check "the status socket is root's alone, in a root-only /run/sspr" "socket root 600|directory root 700" \
  "$(in_ct stat -c '%F %U %a' /run/sspr/io.sspr.Status)|$(in_ct stat -c '%F %U %a' /run/sspr)"

# The unit's sandbox, as the running process has it.
pid=$(in_ct systemctl show -p MainPID --value ssprd)
status=$(in_ct grep -E '^(CapEff|CapBnd|NoNewPrivs|Seccomp):' "/proc/$pid/status" | tr -s '\t ' ' ')
check "ssprd's capabilities, NoNewPrivs and seccomp" "CapEff: 0000000000000001
CapBnd: 0000000000000001
NoNewPrivs: 1
Seccomp: 2" "$status"
check "/usr is read-only for ssprd" "ro" "$(in_ct findmnt -N "$pid" -n -o OPTIONS -T /usr | cut -d, -f1)"
check "/etc/pam.d is read-only for ssprd" "ro" "$(in_ct findmnt -N "$pid" -n -o OPTIONS -T /etc/pam.d | cut -d, -f1)"
check "/home is hidden from ssprd" "0" "$(in_ct nsenter -t "$pid" -m ls -A /home | wc -l)"
score=$(in_ct systemd-analyze security --no-pager ssprd.service | sed -n 's/.*Overall exposure level for ssprd.service: \([0-9.]*\).*/\1/p')
check "live systemd-analyze security ssprd: exposure <= 2.0 (was $score)" "yes" "$(awk -v s="$score" 'BEGIN { print (s != "" && s <= 2.0) ? "yes" : "no" }')"

# anna registers recovery codes as herself; root resets her password from its console.
codes=$(printf 'Old-Password-123\n3\nyes\n' | in_ct runuser -u anna -- sspr register 2>&1 | grep -oE '^  [0-9A-Z]{5}-[0-9A-Z]{5}$' | tr -d ' ')
check "anna has ten recovery codes" "10" "$(grep -c . <<<"$codes")"
before=$(in_ct cat /etc/shadow)
out=$(printf '1\n%s\nBrand-New-Pass-4711\nBrand-New-Pass-4711\n' "$(sed -n 1p <<<"$codes")" | in_ct sspr reset anna 2>&1); rc=$?
check "sspr reset anna under the unit's sandbox" "0|Your password has been changed." \
  "$rc|$(tail -n 1 <<<"$out" | sed -E 's/^((Your choice|Recovery code|New password|Retype the new password): )*//')"
after=$(in_ct cat /etc/shadow)
check "the reset wrote yescrypt, as passwd does here" '$y$' "$(grep '^anna:' <<<"$after" | cut -d: -f2 | cut -c1-3)"
check "no other line of /etc/shadow changed" "$(grep -v '^anna:' <<<"$before")" "$(grep -v '^anna:' <<<"$after")"
check "/etc/shadow is still root:shadow 640" "root shadow 640" "$(in_ct stat -c '%U %G %a' /etc/shadow)"
put /etc/pam.d/sspr-unix 0644 <<'PAM'
auth     required pam_unix.so
account  required pam_unix.so
PAM
printf 'Brand-New-Pass-4711\n' | in_ct pamtester sspr-unix anna authenticate >/dev/null 2>&1
check "pam_unix takes the new password" "0" "$?"
printf 'Old-Password-123\n' | in_ct pamtester sspr-unix anna authenticate >/dev/null 2>&1
check "pam_unix refuses the old one" "1" "$?"

# A change as anna (sspr passwd), also written by ssprd under its sandbox.
out=$(printf 'Brand-New-Pass-4711\nChanged-Pass-0815x\nChanged-Pass-0815x\n' | in_ct runuser -u anna -- sspr passwd 2>&1); rc=$?
check "sspr passwd as anna" "0|Your password has been changed." \
  "$rc|$(tail -n 1 <<<"$out" | sed -E 's/^((Current password|New password|Retype the new password): )*//')"
printf 'Changed-Pass-0815x\n' | in_ct pamtester sspr-unix anna authenticate >/dev/null 2>&1
check "pam_unix takes the changed password" "0" "$?"
check "the change wrote yescrypt" '$y$' "$(in_ct grep '^anna:' /etc/shadow | cut -d: -f2 | cut -c1-3)"

# An account made while ssprd runs is seen at once: useradd replaces /etc/passwd, /etc/group and
# /etc/shadow by renaming new files over them, which a bind mount of the old file would hide.
in_ct useradd -m -s /bin/bash lena
echo 'lena:Lena-Password-123' | in_ct chpasswd
check "a user added while ssprd runs can ask about herself" "User:           lena" \
  "$(in_ct runuser -u lena -- sspr status 2>&1 | sed -n 1p)"
codes_lena=$(printf 'Lena-Password-123\n3\nyes\n' | in_ct runuser -u lena -- sspr register 2>&1 | grep -cE '^  [0-9A-Z]{5}-[0-9A-Z]{5}$')
check "... and register" "10" "$codes_lena"

# journald: each audit event by its MESSAGE_ID, with its fields.
reset_done=$(in_ct journalctl -q --no-pager -o export MESSAGE_ID=5c1b7c7a3f2e4d0b9a61e2f0c3d4a10d | grep -aE '^(SSPR_EVENT|SSPR_USER|_COMM|_SYSTEMD_UNIT)=' | LC_ALL=C sort)
check "journalctl MESSAGE_ID=…10d finds the reset with its fields" "SSPR_EVENT=reset_done
SSPR_USER=anna
_COMM=ssprd
_SYSTEMD_UNIT=ssprd.service" "$reset_done"
check "journalctl MESSAGE_ID=…10f finds the change" "SSPR_EVENT=change_done" \
  "$(in_ct journalctl -q --no-pager -o export MESSAGE_ID=5c1b7c7a3f2e4d0b9a61e2f0c3d4a10f | grep -a '^SSPR_EVENT=')"
journal=$(in_ct journalctl -q --no-pager -o cat)
grep -qF -e 'Brand-New-Pass-4711' -e "$(sed -n 1p <<<"$codes")" <<<"$journal"
check "no password or code in the journal" "1" "$?"
check "the audit trail is root-only" "600 root" "$(in_ct stat -c '%a %U' /var/log/sspr/audit.jsonl)"

report
