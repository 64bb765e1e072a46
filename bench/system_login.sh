#!/bin/bash
# The login hot path where it runs: a Debian 12 booted by systemd (the system tier's machine),
# sspr's packages installed by apt, `pam-auth-update --enable sspr`, Debian's stock
# nsswitch.conf and system bus, ssprd started by D-Bus activation under its unit. Measures the
# account phase with pam_sspr.so against pam_permit.so in its place (bench_login_system), for a
# registered user. A benchmark, not a test: it reports, and fails only if it cannot measure.
#   system_login.sh SOURCE_DIR SYSTEM_DIR BENCH_BINARY [ITERATIONS]
SSPR_SOURCE_DIR=$1 SSPR_SYSTEM_DIR=$2
bench_binary=$3 iterations=${4:-2000}
. "$SSPR_SOURCE_DIR/tests/system/lib.sh"

machine_for_logins bench sspr
in_ct useradd -m -s /bin/bash ann
echo 'ann:Ann-Password-123' | in_ct chpasswd
printf 'Ann-Password-123\n3\nyes\n' | in_ct runuser -u ann -- sspr register >/dev/null 2>&1
grep -q '^Registered: *yes' <<<"$(in_ct runuser -u ann -- sspr status)" || die "ann could not register"
put /root/bench_login_system 0755 <"$bench_binary"
# The module as pam-auth-update's profile places it in common-account, and the same stack with
# pam_permit.so in its place.
printf 'account [success=ok ignore=ignore default=bad] pam_sspr.so\naccount required pam_permit.so\n' |
  put /etc/pam.d/sspr-bench 0644
printf 'account required pam_permit.so\naccount required pam_permit.so\n' | put /etc/pam.d/sspr-bench-permit 0644

echo "machine: Debian $(in_ct cat /etc/debian_version), $(in_ct systemctl is-system-running), $(nproc) CPUs"
echo "nsswitch.conf: $(in_ct grep -E '^(passwd|group):' /etc/nsswitch.conf | tr -s ' \t' ' ' | paste -sd ';' | sed 's/;/; /')"
in_ct /root/bench_login_system sspr-bench sspr-bench-permit ann "$iterations"
rc=$?
echo "ssprd after the run: $(in_ct systemctl show -p ActiveState -p NRestarts ssprd | paste -sd ' ')"
exit $rc
