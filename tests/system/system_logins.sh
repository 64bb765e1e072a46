#!/bin/bash
# System tier: the stock PAM stacks after `pam-auth-update --enable sspr sspr-password`, sshd as a
# systemd service and a real ssh client, all inside the booted machine. A new user's first SSH
# login walks through the registration wizard (an authenticator app); a forgotten password is
# reset at the SSH login prompt, after which the new password works and the old one does not;
# the user changes the password with passwd; root's `passwd USER` and chpasswd ask no sspr
# question.
#   system_logins.sh SOURCE_DIR SYSTEM_DIR
SSPR_SOURCE_DIR=$1 SSPR_SYSTEM_DIR=$2
. "$SSPR_SOURCE_DIR/tests/system/lib.sh"

machine_for_logins logins sspr sspr-password
in_ct useradd -m -s /bin/bash bert
echo 'bert:Bert-Password-123' | in_ct chpasswd

out=$(in_ct expect /root/wizard.exp bert Bert-Password-123 2>&1 | tr -d '\r'); rc=$?
secret=$(head -n 1 <<<"$out")
check "ssh: bert's first login runs the wizard, he registers an app and is in" "0|LOGGED IN" "$rc|$(tail -n +2 <<<"$out")"
check "bert's app is registered" "Registered:     yes (1 of 1 methods required)" "$(in_ct runuser -u bert -- sspr status | grep '^Registered:')"
check "ssh: the next login goes straight through" "LOGGED IN" "$(in_ct expect /root/login.exp bert Bert-Password-123 | tr -d '\r' | tail -n 1)"

out=$(in_ct expect /root/reset.exp bert "$secret" Brand-New-Pass-4711 2>&1 | tr -d '\r'); rc=$?
check "ssh: wrong password, the reset offer, an app code, a new password, then the login" "0|RESET
LOGGED IN" "$rc|$out"
check "ssh: the old password is refused" "REFUSED" "$(in_ct expect /root/login.exp bert Bert-Password-123 | tr -d '\r' | tail -n 1)"
check "the reset wrote yescrypt" '$y$' "$(in_ct grep '^bert:' /etc/shadow | cut -d: -f2 | cut -c1-3)"

out=$(in_ct expect /root/passwd.exp bert bert Brand-New-Pass-4711 Changed-Pass-0815x 2>&1 | tr -d '\r')
check "bert's passwd: current password, new twice, changed by sspr" "asked: current
asked: New password
asked: Retype the new password
Your password has been changed." "$out"
check "ssh: the changed password works" "LOGGED IN" "$(in_ct expect /root/login.exp bert Changed-Pass-0815x | tr -d '\r' | tail -n 1)"

out=$(in_ct expect /root/passwd.exp root bert - Root-Set-Pass-99x 2>&1 | tr -d '\r')
check "root's passwd bert: pam_unix alone, no sspr prompt" "asked: New password
asked: Retype new password
passwd: password updated successfully" "$out"
check "ssh: root's password for bert works" "LOGGED IN" "$(in_ct expect /root/login.exp bert Root-Set-Pass-99x | tr -d '\r' | tail -n 1)"
out=$(echo 'bert:Chpasswd-Pass-77x' | in_ct chpasswd 2>&1); rc=$?
check "chpasswd: no prompt, no error" "0|" "$rc|$out"
check "ssh: chpasswd's password works" "LOGGED IN" "$(in_ct expect /root/login.exp bert Chpasswd-Pass-77x | tr -d '\r' | tail -n 1)"
report
