#!/bin/bash
# System tier: the package life cycle on a booted Debian 12. Installed with apt (dependencies
# from Debian); `pam-auth-update --enable`; an upgrade to a newer build keeps every registration
# and restarts ssprd; `apt remove` leaves /etc/pam.d/common-* byte-identical to before the
# install and keeps the state; `apt purge` removes it; installing again works.
#   system_package.sh SOURCE_DIR SYSTEM_DIR
SSPR_SOURCE_DIR=$1 SSPR_SYSTEM_DIR=$2
. "$SSPR_SOURCE_DIR/tests/system/lib.sh"

machine_new package
pam_before=$(cd "$ROOT/etc/pam.d" && sha256sum common-*)
machine_install_debs
# The next build: the same packages with the version bumped (dpkg-deb rebuilds them).
work=$SSPR_SYSTEM_DIR/upgrade
rm -rf "$work"; mkdir -p "$work/debs"
for deb in "$DEBS"/sspr_*.deb "$DEBS"/libpam-sspr_*.deb; do
  dpkg-deb -R "$deb" "$work/tree"
  sed -i -E 's/^(Version: .*)$/\1+next1/; s/^(Depends: .*)\(= ([^)]*)\)/\1(= \2+next1)/' "$work/tree/DEBIAN/control"
  dpkg-deb -Zxz -b "$work/tree" "$work/debs/" >/dev/null || die "cannot repack $deb"
  rm -rf "$work/tree"
done
mkdir -p "$ROOT/root/debs" "$ROOT/root/debs-next"
cp "$DEBS"/sspr_*.deb "$DEBS"/libpam-sspr_*.deb "$ROOT/root/debs/"; cp "$work/debs"/*.deb "$ROOT/root/debs-next/"
machine_boot
installed_version() { in_ct dpkg-query -W -f '${Version}' sspr; }
version=$(installed_version)

in_ct env DEBIAN_FRONTEND=noninteractive pam-auth-update --enable sspr sspr-password
check "pam-auth-update --enable: pam_sspr in common-auth, -account and -password" "1 1 1" \
  "$(for f in auth account password; do in_ct grep -c pam_sspr.so /etc/pam.d/common-$f; done | tr '\n' ' ' | sed 's/ $//')"
in_ct useradd -m -s /bin/bash uwe
echo 'uwe:Uwe-Password-123' | in_ct chpasswd
printf 'Uwe-Password-123\n3\nyes\n' | in_ct runuser -u uwe -- sspr register >/dev/null 2>&1
status_of_uwe() { in_ct runuser -u uwe -- sspr status 2>&1 | sed -n 's/^Registered: *\([a-z]*\).*/\1/p'; }
check "uwe registered" "yes" "$(status_of_uwe)"
old_pid=$(in_ct systemctl show -p MainPID --value ssprd)

out=$(in_ct sh -c 'dpkg -i /root/debs-next/*.deb' 2>&1); rc=$?
check "upgrade to the next build" "0|$version+next1" "$rc|$(installed_version)"
new_pid=$(in_ct systemctl show -p MainPID --value ssprd)
check "the upgrade restarted ssprd (pid $old_pid -> $new_pid)" "yes" "$([ "$new_pid" != 0 ] && [ "$new_pid" != "$old_pid" ] && echo yes || echo no)"
check "uwe's registration survived the upgrade" "yes" "$(status_of_uwe)"
check "the PAM stacks still hold pam_sspr" "1" "$(in_ct grep -c pam_sspr.so /etc/pam.d/common-account)"

out=$(in_ct env DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq libpam-sspr sspr 2>&1); rc=$?
check "apt remove" "0" "$rc"
check "apt remove: /etc/pam.d/common-* byte-identical to before the install" "$pam_before" "$(cd "$ROOT/etc/pam.d" && sha256sum common-*)"
check "apt remove: the state is kept" "yes" "$(in_ct test -d /var/lib/sspr/registrations && echo yes || echo no)"
check "apt remove: ssprd is gone" "inactive" "$(in_ct systemctl is-active ssprd)"
out=$(in_ct su - uwe -c 'echo logged-in' </dev/null 2>&1); rc=$?
check "apt remove: uwe still logs in" "0|logged-in" "$rc|$out"

out=$(in_ct env DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq libpam-sspr sspr 2>&1); rc=$?
check "apt purge" "0" "$rc"
check "apt purge: state, audit trail and configuration removed" "gone gone gone" \
  "$(for p in /var/lib/sspr /var/log/sspr /etc/sspr.conf; do in_ct test -e "$p" && echo there || echo gone; done | tr '\n' ' ' | sed 's/ $//')"

out=$(in_ct sh -c 'dpkg -i /root/debs/*.deb' 2>&1); rc=$?
check "install again after purge" "0" "$rc"
check "installed again: uwe starts with nothing registered" "no" "$(status_of_uwe)"
report
