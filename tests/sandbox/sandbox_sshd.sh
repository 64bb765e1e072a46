#!/bin/bash
# Root-only end-to-end test over SSH: a real sshd on 127.0.0.1 (inside the sandbox, with the
# sandbox's /etc/pam.d/sshd stacked as conf/pam.d/sshd.example) and a real ssh client driven
# by expect through keyboard-interactive authentication. A user who forgot the password types
# a wrong one, accepts the reset offer, proves an authenticator-app code (oathtool plays the
# phone), sets a new password, then logs in with it through pam_unix; the old one fails.
#   sandbox_sshd.sh SOURCE_DIR BUILD_DIR [SANITIZE]
set -uo pipefail
SSPR_SOURCE_DIR=$1 BUILD=$2 SSPR_SANITIZE=${3:-OFF}
export SSPR_SOURCE_DIR SSPR_SANITIZE
. "$SSPR_SOURCE_DIR/tests/sandbox/lib.sh"
sandbox_reexec "$@"
command -v /usr/sbin/sshd >/dev/null || { echo "FAIL: /usr/sbin/sshd missing (openssh-server)"; exit 1; }

sandbox_setup "$BUILD"
trap 'kill "${SSHD_PID:-}" 2>/dev/null; sandbox_teardown' EXIT
sandbox_useradd vic
echo 'vic:Old-Password-123' | chpasswd

# vic registers an authenticator app (as root would at login; the key comes back once).
secret=$(busctl --system call io.sspr.reset1 /io/sspr/reset1 io.sspr.reset1.Manager BeginTotp s vic |
  sed -n 's/^sss "\([A-Z2-7]*\)".*/\1/p')
busctl --system call io.sspr.reset1 /io/sspr/reset1 io.sspr.reset1.Manager ConfirmTotp ss vic \
  "$(oathtool --totp -b "$secret")" >/dev/null
check "vic registered an authenticator app" "32" "${#secret}"

# sshd in the sandbox: its own host key and config, PAM with keyboard-interactive only.
mkdir -p /run/sshd "$SANDBOX/ssh"
ssh-keygen -q -t ed25519 -N '' -f "$SANDBOX/ssh/host_key"
sed "s#pam_sspr.so#$BUILD/pam_sspr/pam_sspr.so#" "$SSPR_SOURCE_DIR/conf/pam.d/sshd.example" >/etc/pam.d/sshd
mapfile -t app_env < <(sandbox_pam_app_env)
if [ ${#app_env[@]} -gt 0 ]; then
  # Sanitizer build: sshd must preload the sanitizer runtime to load pam_sspr.so, and with it
  # preloaded pam_unix cannot read /etc/shadow (ASan's shadow-file interceptors are broken).
  # So sshd checks passwords with pam_wrapper's pam_matrix here, and the new password is
  # checked with pam_unix by pamtester, without the runtime, after the reset.
  matrix=$(ls /usr/lib/*/pam_wrapper/pam_matrix.so | head -n 1)
  echo 'vic:Old-Password-123:sshd' >"$SANDBOX/passdb"
  sed -i "s#^auth       \[success=2 default=ignore\]              pam_unix.so#auth [success=2 default=ignore] $matrix passdb=$SANDBOX/passdb#" /etc/pam.d/sshd
  sed -i '/^account    required                                pam_unix.so$/d' /etc/pam.d/sshd
fi
cat >"$SANDBOX/ssh/sshd_config" <<CONF
ListenAddress 127.0.0.1
Port 2222
HostKey $SANDBOX/ssh/host_key
UsePAM yes
KbdInteractiveAuthentication yes
PasswordAuthentication no
PubkeyAuthentication no
PermitRootLogin no
PidFile none
CONF
# Debian's sshd reports READY=1 (sd_notify) once it listens: no waiting by sleeping.
SSHD_PID=$(env "${app_env[@]}" "$BUILD/tests/sspr-test-launch" start "$SANDBOX" "$SANDBOX/sshd.log" -- \
  /usr/sbin/sshd -D -e -f "$SANDBOX/ssh/sshd_config") || sandbox_die "sshd did not start: $(cat "$SANDBOX/sshd.log")"

cat >"$SANDBOX/reset.exp" <<EXP
set timeout 30
log_user 0
set secret "$secret"
set full $([ ${#app_env[@]} -eq 0 ] && echo 1 || echo 0)
spawn ssh -p 2222 -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
  -o PreferredAuthentications=keyboard-interactive -o NumberOfPasswordPrompts=2 vic@127.0.0.1 echo logged-in-as-\\\$USER
expect {
  "Password: " { send "wrong-password\r" }
  timeout { puts "NO PASSWORD PROMPT"; exit 2 }
}
expect {
  "Forgot your password?" { send "reset\r" }
  timeout { puts "NO OFFER"; exit 2 }
}
expect "Your choice: "
send "1\r"
expect "Code shown by the app: "
# The registration spent this time step: the next one (the app shows it 30 s later).
send "[exec oathtool --totp -b --now=@[expr {[clock seconds] + 30}] \$secret]\r"
expect "New password: "
send "Brand-New-Pass-4711\r"
expect "Retype the new password: "
send "Brand-New-Pass-4711\r"
expect {
  -re "Your password has been changed.*Log in again with your new password.*Press Enter to continue: " {
    puts "RESET"; send "\r"
  }
  timeout { puts "NO RESET"; exit 2 }
}
expect {
  "Password: " { if {!\$full} { exit 0 }; send "Brand-New-Pass-4711\r" }
  timeout { puts "NO SECOND PROMPT"; exit 2 }
}
expect {
  "logged-in-as-vic" { puts "LOGGED IN" }
  timeout { puts "NOT LOGGED IN"; exit 2 }
}
expect eof
EXP
out=$(expect "$SANDBOX/reset.exp" 2>&1 | tr -d '\r'); rc=$?
if [ ${#app_env[@]} -eq 0 ]; then
  check "ssh: a wrong password, the reset offer, a TOTP code, a new password, then the login" "0|RESET
LOGGED IN" "$rc|$out"
else
  check "ssh: a wrong password, the reset offer, a TOTP code, a new password" "RESET" "$(head -n 1 <<<"$out")"
fi
cat >/etc/pam.d/sspr-unix <<'PAM'
auth     required pam_unix.so
account  required pam_permit.so
PAM
printf 'Brand-New-Pass-4711\n' | pamtester sspr-unix vic authenticate >/dev/null 2>&1
check "pam_unix accepts the new password" "0" "$?"
printf 'Old-Password-123\n' | pamtester sspr-unix vic authenticate >/dev/null 2>&1
check "pam_unix refuses the old password (pamtester: 1)" "1" "$?"

cat >"$SANDBOX/old.exp" <<'EXP'
set timeout 20
log_user 0
spawn ssh -p 2222 -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
  -o PreferredAuthentications=keyboard-interactive -o NumberOfPasswordPrompts=1 vic@127.0.0.1 echo logged-in
expect "Password: "
send "Old-Password-123\r"
expect {
  "Forgot your password?" { send "\r"; exp_continue }
  "logged-in" { puts "LOGGED IN"; exit 0 }
  eof { puts "REFUSED" }
}
EXP
if [ ${#app_env[@]} -eq 0 ]; then
  out=$(expect "$SANDBOX/old.exp" 2>&1 | tr -d '\r' | tail -n 1)
  check "ssh: the old password no longer works" "REFUSED" "$out"
fi

sandbox_report "$SANDBOX/sshd.log"
