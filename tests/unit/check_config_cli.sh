#!/bin/bash
# ssprd --check-config: exit 0 and "ok" for a good configuration, exit 1 and every problem with
# file:line for a bad one; ssprd itself refuses to start on a bad configuration.
set -euo pipefail
ssprd=$1 src=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# The shipped file is valid.
out=$("$ssprd" --check-config --config "$src/conf/sspr.conf") || fail "shipped sspr.conf rejected"
[ "$out" = "$src/conf/sspr.conf: ok" ] || fail "unexpected output: $out"

cat > "$dir/good.conf" <<'CONF'
[registration]
required_for = groups
required_groups = staff
CONF
mkdir "$dir/good.conf.d"
printf '[enforcement]\nwhen_unavailable = deny\n' > "$dir/good.conf.d/50-site.conf"
out=$("$ssprd" --check-config --config "$dir/good.conf")
[ "$out" = "$dir/good.conf: ok
$dir/good.conf.d/50-site.conf: ok" ] || fail "unexpected output: $out"

cat > "$dir/bad.conf" <<'CONF'
[registration]
required_for = everyone
min_uid = 0
colour = blue
[daemon]
state_directory = var/lib/sspr
[reset]
admin_notify_addresses = security@example.com bad@@example.com
[ldap]
enabled = yes
uris = ldap://ldap.example.org
tls = none
CONF
set +e
err=$("$ssprd" --check-config --config "$dir/bad.conf" 2>&1 >/dev/null); rc=$?
set -e
[ $rc -eq 1 ] || fail "bad config: exit $rc, expected 1"
expected="$dir/bad.conf:2: invalid value for 'required_for' in [registration]: 'everyone' is not one of: none, all, groups
$dir/bad.conf:3: invalid value for 'min_uid' in [registration]: 0 is out of range (1-2147483647)
$dir/bad.conf:4: unknown key 'colour' in section [registration]
$dir/bad.conf:6: invalid value for 'state_directory' in [daemon]: 'var/lib/sspr' is not an absolute path
$dir/bad.conf: [ldap] tls = none sends passwords in clear text: it also needs allow_plain = yes
$dir/bad.conf: [reset] admin_notify_addresses: 'bad@@example.com' is not a valid e-mail address
ssprd: configuration has 6 error(s)"
[ "$err" = "$expected" ] || fail "unexpected diagnostics:
$err"

# The files the LDAP settings name are checked as ssprd will use them: a missing ca_file or
# bind_password_file, a password file others can read, a ca_file that is not PEM.
ldap_conf() {  # ldap_conf CA_FILE SECRET_FILE
  printf '[ldap]\nenabled = yes\nuris = ldap://ldap1.example.org\ntls = starttls\nca_file = %s\n' "$1"
  printf 'base_dn = ou=people,dc=example,dc=org\nbind_dn = cn=sspr-service,ou=services,dc=example,dc=org\n'
  printf 'bind_password_file = %s\n' "$2"
}
ldap_conf "$dir/no-ca.pem" "$dir/no-secret" > "$dir/ldap.conf"
set +e
err=$("$ssprd" --check-config --config "$dir/ldap.conf" 2>&1 >/dev/null); rc=$?
set -e
expected="$dir/ldap.conf: [ldap] bind_password_file $dir/no-secret: cannot be opened: No such file or directory
$dir/ldap.conf: [ldap] ca_file $dir/no-ca.pem: No such file or directory
ssprd: configuration has 2 error(s)"
[ $rc -eq 1 ] && [ "$err" = "$expected" ] || fail "missing LDAP files: exit $rc, diagnostics:
$err"
printf 'not a certificate\n' > "$dir/ca.pem"
install -m 0644 /dev/null "$dir/secret"; printf 'Service-Password-1' > "$dir/secret"
ldap_conf "$dir/ca.pem" "$dir/secret" > "$dir/ldap.conf"
set +e
err=$("$ssprd" --check-config --config "$dir/ldap.conf" 2>&1 >/dev/null); rc=$?
set -e
[ $rc -eq 1 ] && [ "$(sed -n 2p <<<"$err")" = "$dir/ldap.conf: [ldap] ca_file $dir/ca.pem: not a readable PEM file of CA certificates" ] \
  && grep -q "^$dir/ldap.conf: \[ldap\] bind_password_file $dir/secret: " <<<"$err" || fail "bad LDAP files: exit $rc, diagnostics:
$err"

# A named file that does not exist is an error.
set +e
err=$("$ssprd" --check-config --config "$dir/missing.conf" 2>&1); rc=$?
set -e
[ $rc -eq 1 ] && [ "${err%%$'\n'*}" = "$dir/missing.conf: file does not exist" ] || fail "missing file: $rc $err"

# The daemon refuses to start with errors (before touching the bus or any state), with exit 78
# (EX_CONFIG), which the unit does not restart.
set +e
err=$(DBUS_SYSTEM_BUS_ADDRESS=unix:path=/nonexistent "$ssprd" --config "$dir/bad.conf" 2>&1); rc=$?
set -e
[ $rc -eq 78 ] || fail "daemon started with a bad config (exit $rc, expected 78)"
grep -qx "ssprd: error: refusing to start with 6 configuration error(s); run 'ssprd --check-config'" <<<"$err" \
  || fail "no refusal message: $err"

# Unknown options are refused.
set +e; "$ssprd" --frobnicate 2>/dev/null; rc=$?; set -e
[ $rc -eq 2 ] || fail "unknown option: exit $rc"
echo "check-config CLI: all cases passed"
