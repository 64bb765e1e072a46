#!/bin/bash
# A narrated run of sspr in a sandbox: real users made with useradd, a real system bus with
# sspr's policy, the real ssprd, and `su` going through pam_sspr.so. Run by scripts/demo.sh.
#   demo.sh SOURCE_DIR BUILD_DIR
set -uo pipefail
SSPR_SOURCE_DIR=$1 BUILD=$2
export SSPR_SOURCE_DIR
. "$SSPR_SOURCE_DIR/tests/sandbox/lib.sh"
sandbox_reexec "$@"

bold=$(tput bold 2>/dev/null || true) normal=$(tput sgr0 2>/dev/null || true)
say() { printf '\n%s== %s%s\n' "$bold" "$*" "$normal"; }
run() { printf '%s$ %s%s\n' "$bold" "$*" "$normal"; "$@" 2>&1 | sed 's/^/  /'; }
login_as() {
  printf '%s$ su -c "echo welcome, \$USER" %s%s\n' "$bold" "$1" "$normal"
  if su -s /bin/sh -c 'echo "welcome, $USER"' "$1" 2>&1 | sed 's/^/  /'; [ "${PIPESTATUS[0]}" -eq 0 ]; then
    echo "  -> login allowed"
  else
    echo "  -> login refused"
  fi
}

say "A sandbox: private mount namespace, overlay on /etc, own /run and system bus"
sandbox_setup "$BUILD"
trap sandbox_teardown EXIT
for u in alice bob carol dora eve; do sandbox_useradd "$u"; done
echo "  users alice, bob, carol, dora and eve created with useradd (inside the overlay only)"
echo "  ssprd is running (pid $SSPRD_PID) on the sandbox's system bus as io.sspr.reset1"

say "The policy in /etc/sspr.conf: everybody must register, except carol"
sed 's/^/  /' /etc/sspr.conf
run "$BUILD/ssprd/ssprd" --check-config

say "alice has registered an authenticator app; bob has registered nothing"
sandbox_register alice
run busctl --system call io.sspr.reset1 /io/sspr/reset1 io.sspr.reset1.Manager GetRegistrationStatus s alice
run busctl --system call io.sspr.reset1 /io/sspr/reset1 io.sspr.reset1.Manager GetRegistrationStatus s bob

say "Logins through pam_sspr.so (the account phase of /etc/pam.d/su)"
login_as alice
login_as carol
echo "  Without a terminal bob cannot be walked through registration, so he is refused:"
login_as bob </dev/null

say "bob logs in on a terminal and registers an authenticator app (expect types his answers;"
say "oathtool plays his phone, computing the code from the key the wizard shows)"
cat >"$SANDBOX/demo.exp" <<'EXP'
set timeout 20
spawn su -s /bin/sh -c {echo "welcome, $USER"} bob
expect "Your choice: "
send "1\r"
expect -re {Or enter this key by hand: ([A-Z2-7]+)}
set secret $expect_out(1,string)
expect "Code shown by the app: "
send "[exec oathtool --totp -b $secret]\r"
expect eof
EXP
expect "$SANDBOX/demo.exp" 2>&1 | tr -d '\r' | sed 's/^/  /'
login_as bob </dev/null

say "bob manages his registration with the sspr command, as himself"
run setpriv --reuid=bob --regid=bob --init-groups "$BUILD/cli/sspr" status
printf '%s$ (as bob) sspr recovery-codes%s   (a change: he must prove it is him first)\n' "$bold" "$normal"
printf '1\nwrong password\n' | setpriv --reuid=bob --regid=bob --init-groups "$BUILD/cli/sspr" recovery-codes 2>&1 | sed 's/^/  /'

say "eve registers recovery codes, then forgets her password"
echo 'eve:Old-Password-123' | chpasswd
printf '%s$ (as eve) sspr register%s   (her password first, then 3: recovery codes)\n' "$bold" "$normal"
printf 'Old-Password-123\n3\nyes\n' | setpriv --reuid=eve --regid=eve --init-groups "$BUILD/cli/sspr" register >"$SANDBOX/eve.out" 2>&1
sed -E 's/(Current password: |Your choice: |somewhere safe: )/\1\n/g' "$SANDBOX/eve.out" | sed '/^$/d; s/^/  /'
codes=$(grep -oE '^  [0-9A-Z]{5}-[0-9A-Z]{5}$' "$SANDBOX/eve.out" | tr -d ' ')
code=$(head -n 1 <<<"$codes")
cat >/etc/pam.d/sspr-unix <<'PAM'
auth     required pam_unix.so
account  required pam_permit.so
PAM

say "At carol's console: sspr reset eve (one recovery code, then a new password)"
printf '1\n%s\nabc\nabc\nBrand-New-Pass-4711\nBrand-New-Pass-4711\n' "$code" |
  setpriv --reuid=carol --regid=carol --init-groups "$BUILD/cli/sspr" reset eve 2>&1 |
  sed -E 's/((Your choice|Recovery code|New password|Retype the new password): )/\1\n/g' | sed '/^$/d; s/^/  /'
echo "  (typed: 1, the code $code, a weak password twice, then a good one twice)"
for pw in Brand-New-Pass-4711 Old-Password-123; do
  if printf '%s\n' "$pw" | pamtester sspr-unix eve authenticate >/dev/null 2>&1; then r=accepted; else r=refused; fi
  echo "  pam_unix, eve with ${pw}: $r"
done

say "The audit trail (JSON lines; also the journal), without a secret"
sed 's/^/  /' /var/log/sspr/audit.jsonl

say "A user may ask about itself, never about somebody else (the bus tells ssprd who asks)"
printf '%s$ (as alice) busctl ... GetRegistrationStatus s bob%s\n' "$bold" "$normal"
setpriv --reuid=alice --regid=alice --init-groups busctl --system call io.sspr.reset1 /io/sspr/reset1 \
  io.sspr.reset1.Manager GetRegistrationStatus s bob 2>&1 | sed 's/^/  /'

say "If ssprd is down, enforcement steps aside at once (and logs); nobody is locked out"
sandbox_stop_ssprd && echo "  ssprd stopped; dora has registered nothing, and still gets in:"
login_as dora </dev/null

say "Also there, not shown here: reset at the login prompt and over SSH, codes by e-mail/SMS, security questions, sspr passwd, sspr unlock, LDAP accounts with one registration shared by a fleet of hosts (see the README)"
say "Done. The sandbox is gone and the host's /etc is unchanged."
