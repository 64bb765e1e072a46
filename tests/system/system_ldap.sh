#!/bin/bash
# System tier: the README's LDAP steps ("LDAP accounts and a fleet sharing one registration"),
# taken from README.md and run as written, as root, in a booted Debian 12 with the packages
# installed and Debian's own slapd as the directory. What the README leaves to the admin is set
# up first, as an admin would have it: slapd for example.org with StartTLS (a certificate from a
# test CA, which is /etc/ssl/certs/example-ca.pem), ou=people with a user dave, ou=services,
# ldap1/ldap2.example.org naming this host, dave known to NSS without a line in /etc/shadow (a
# directory account). Then dave registers on this host, the record lands in his entry, and a
# reset with one of his recovery codes changes his directory password. A wrong CA is named as
# such in the journal; --check-config refuses a missing ca_file.
#   system_ldap.sh SOURCE_DIR SYSTEM_DIR
SSPR_SOURCE_DIR=$1 SSPR_SYSTEM_DIR=$2
. "$SSPR_SOURCE_DIR/tests/system/lib.sh"

# The README's shell blocks of that section, in order, without the list's indentation.
steps=$(awk '/^### LDAP accounts and a fleet sharing one registration/ { on = 1; next }
             on && /^##/ { exit }
             on && /^ *```sh$/ { block = 1; next }
             on && block && /^ *```$/ { block = 0; next }
             on && block { sub(/^   /, ""); print }' "$SSPR_SOURCE_DIR/README.md")
check "the README has the LDAP steps (4 shell blocks' worth)" "yes" \
  "$(grep -q 'ldapadd -Q -Y EXTERNAL' <<<"$steps" && grep -q 'systemctl restart ssprd' <<<"$steps" && echo yes || echo no)"

machine_new ldap
machine_install_debs
# Debian's slapd and the LDAP tools, configured by debconf for example.org.
machine_run sh -c 'export DEBIAN_FRONTEND=noninteractive
  printf "%s\n" "slapd slapd/domain string example.org" "slapd shared/organization string Example" \
    "slapd slapd/password1 password Admin-Pass-4711" "slapd slapd/password2 password Admin-Pass-4711" |
    debconf-set-selections
  apt-get install -y -qq slapd ldap-utils' >"$ROOT.slapd.log" 2>&1 || { cat "$ROOT.slapd.log"; die "cannot install slapd"; }

# A test CA and a server certificate for both names (made here, with the host's openssl).
tls=$(mktemp -d)
trap 'rm -rf "$tls"; machine_stop; machine_remove' EXIT
for ca in ca other-ca; do
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tls/$ca.key" -out "$tls/$ca.pem" -days 2 \
    -subj "/CN=Example $ca" >/dev/null 2>&1 || die "openssl: no CA"
done
openssl req -newkey rsa:2048 -nodes -keyout "$tls/server.key" -out "$tls/server.csr" -subj "/CN=ldap1.example.org" \
  >/dev/null 2>&1 || die "openssl: no request"
printf 'subjectAltName=DNS:ldap1.example.org,DNS:ldap2.example.org\n' >"$tls/san"
openssl x509 -req -in "$tls/server.csr" -CA "$tls/ca.pem" -CAkey "$tls/ca.key" -CAcreateserial -days 2 \
  -extfile "$tls/san" -out "$tls/server.pem" >/dev/null 2>&1 || die "openssl: no certificate"
put /etc/ssl/certs/example-ca.pem 0644 <"$tls/ca.pem"
put /etc/ssl/certs/other-ca.pem 0644 <"$tls/other-ca.pem"
put /etc/ldap/tls/server.pem 0644 <"$tls/server.pem"
put /etc/ldap/tls/server.key 0600 <"$tls/server.key"
printf '127.0.0.1 ldap1.example.org ldap2.example.org\n' >>"$ROOT/etc/hosts"
# dave comes from the directory: NSS knows him (as sssd or nslcd would tell), /etc/shadow does not.
printf 'dave:x:2001:2001:Dave:/home/dave:/bin/bash\n' >>"$ROOT/etc/passwd"
printf 'dave:x:2001:\n' >>"$ROOT/etc/group"
install -d -m 0700 -o 2001 -g 2001 "$ROOT/home/dave"
machine_boot

in_ct chown openldap:openldap /etc/ldap/tls/server.key
in_ct ldapmodify -Q -Y EXTERNAL -H ldapi:/// >/dev/null <<'LDIF' || die "cannot give slapd its certificate"
dn: cn=config
changetype: modify
replace: olcTLSCACertificateFile
olcTLSCACertificateFile: /etc/ssl/certs/example-ca.pem
-
replace: olcTLSCertificateFile
olcTLSCertificateFile: /etc/ldap/tls/server.pem
-
replace: olcTLSCertificateKeyFile
olcTLSCertificateKeyFile: /etc/ldap/tls/server.key
LDIF
dave_hash=$(in_ct slappasswd -s Dave-Old-Pass-4711)
in_ct ldapadd -x -H ldapi:/// -D cn=admin,dc=example,dc=org -w Admin-Pass-4711 >/dev/null <<LDIF || die "cannot fill the directory"
dn: ou=people,dc=example,dc=org
objectClass: organizationalUnit
ou: people

dn: ou=services,dc=example,dc=org
objectClass: organizationalUnit
ou: services

dn: uid=dave,ou=people,dc=example,dc=org
objectClass: inetOrgPerson
objectClass: posixAccount
uid: dave
cn: Dave
sn: Dave
mail: dave@example.org
uidNumber: 2001
gidNumber: 2001
homeDirectory: /home/dave
userPassword: $dave_hash
LDIF

# The README's steps, as written, in one shell in root's home (step 3 uses the file step 1 made),
# on a terminal: ldapadd -W asks for the directory admin's password there, as it would ask the admin.
printf '%s\n' "$steps" | put /root/readme-ldap.sh 0700
put /root/readme-ldap.exp 0644 <<'EXP'
set timeout 60
spawn bash -e /root/readme-ldap.sh
expect {
  "Enter LDAP Password: " { send "Admin-Pass-4711\r"; exp_continue }
  timeout { puts "readme-ldap.exp: timeout"; exit 2 }
  eof
}
lassign [wait] pid spawnid os_error status
exit $status
EXP
out=$(in_ct sh -c 'cd /root && expect -f ./readme-ldap.exp' 2>&1 | tr -d '\r'); rc=$?
check "the README's LDAP steps run as written" "0" "$rc"
check "... and ssprd --check-config says ok" "/etc/sspr.conf: ok
/etc/sspr.conf.d/ldap.conf: ok" "$(grep ': ok$' <<<"$out")"
check "/etc/sspr is root's alone" "root 700" "$(in_ct stat -c '%U %a' /etc/sspr)"
check "the password file is root's alone" "root 600" "$(in_ct stat -c '%U %a' /etc/sspr/ldap.secret)"
check "ssprd runs with the LDAP settings" "active" "$(in_ct systemctl is-active ssprd)"

as_service() {  # ldapsearch as sspr's service account, over StartTLS to ldap1
  in_ct env LDAPTLS_CACERT=/etc/ssl/certs/example-ca.pem ldapsearch -LLL -x -ZZ -H ldap://ldap1.example.org \
    -D cn=sspr-service,ou=services,dc=example,dc=org -y /etc/sspr/ldap.secret "$@"
}
check "the service account binds with the password file" "dn:cn=sspr-service,ou=services,dc=example,dc=org" \
  "$(in_ct env LDAPTLS_CACERT=/etc/ssl/certs/example-ca.pem ldapwhoami -x -ZZ -H ldap://ldap1.example.org \
       -D cn=sspr-service,ou=services,dc=example,dc=org -y /etc/sspr/ldap.secret)"

# dave registers (recovery codes) on this host; the record is kept in his entry.
codes=$(printf 'Dave-Old-Pass-4711\n3\nyes\n' | in_ct runuser -u dave -- sspr register 2>&1 | grep -oE '^  [0-9A-Z]{5}-[0-9A-Z]{5}$' | tr -d ' ')
check "dave has ten recovery codes" "10" "$(grep -c . <<<"$codes")"
check "dave's record is in his entry, readable by the service account" "1" \
  "$(as_service -b uid=dave,ou=people,dc=example,dc=org -s base ssprEnrollment | grep -c '^ssprEnrollment')"
check "... and by nobody else (anonymous)" "0" \
  "$(in_ct env LDAPTLS_CACERT=/etc/ssl/certs/example-ca.pem ldapsearch -LLL -x -ZZ -H ldap://ldap1.example.org \
       -b uid=dave,ou=people,dc=example,dc=org -s base ssprEnrollment | grep -c '^ssprEnrollment')"
check "no registration file on this host for dave" "no" "$(in_ct test -e /var/lib/sspr/registrations/dave && echo yes || echo no)"

# A reset with one of his codes changes his password in the directory (Password Modify).
out=$(printf '1\n%s\nBrand-New-Pass-4711\nBrand-New-Pass-4711\n' "$(sed -n 1p <<<"$codes")" | in_ct sspr reset dave 2>&1); rc=$?
check "sspr reset dave" "0|Your password has been changed." \
  "$rc|$(tail -n 1 <<<"$out" | sed -E 's/^((Your choice|Recovery code|New password|Retype the new password): )*//')"
dave_binds() {
  in_ct env LDAPTLS_CACERT=/etc/ssl/certs/example-ca.pem ldapwhoami -x -ZZ -H ldap://ldap1.example.org \
    -D uid=dave,ou=people,dc=example,dc=org -w "$1" 2>/dev/null
}
check "dave binds to the directory with the new password" "dn:uid=dave,ou=people,dc=example,dc=org" "$(dave_binds Brand-New-Pass-4711)"
check "... and not with the old one" "" "$(dave_binds Dave-Old-Pass-4711)"
check "/etc/shadow has no line for dave" "0" "$(in_ct grep -c '^dave:' /etc/shadow)"

# A ca_file that does not vouch for the server: the reset fails closed, the journal says why.
in_ct sed -i 's|^ca_file = .*|ca_file = /etc/ssl/certs/other-ca.pem|' /etc/sspr.conf.d/ldap.conf
in_ct systemctl restart ssprd
since=$(in_ct date +%s)
out=$(printf '1\n%s\n' "$(sed -n 2p <<<"$codes")" | in_ct sspr reset dave 2>&1); rc=$?
check "with the wrong CA, a reset fails closed" "1" "$rc"
check "... and the journal names the certificate" "yes" \
  "$(in_ct journalctl -q --no-pager -o cat -u ssprd --since "@$since" |
     grep -q "ldap://ldap1.example.org: StartTLS: Connect error (the server's certificate was not accepted: it is not signed by a CA in ca_file /etc/ssl/certs/other-ca.pem, or it has expired or been revoked)" && echo yes || echo no)"

# --check-config refuses a ca_file that is not there.
in_ct sed -i 's|^ca_file = .*|ca_file = /etc/ssl/certs/no-such-ca.pem|' /etc/sspr.conf.d/ldap.conf
out=$(in_ct /usr/libexec/ssprd --check-config 2>&1); rc=$?
check "--check-config: a missing ca_file is an error" "1|/etc/sspr.conf: [ldap] ca_file /etc/ssl/certs/no-such-ca.pem: No such file or directory" \
  "$rc|$(grep 'ca_file' <<<"$out")"
report
