#!/bin/bash
# Root-only end-to-end test of registration as a user meets it: a fresh user logs in with su
# on a pseudo-terminal (driven by expect) and is walked through registering an authenticator
# app, with the code computed by oathtool from the key shown; the next login goes straight
# through. Then the user manages their registration with the sspr command as their own uid,
# proving who they are with their password (checked against the sandbox's /etc/shadow).
#   sandbox_registration.sh SOURCE_DIR BUILD_DIR [SANITIZE]
set -uo pipefail
SSPR_SOURCE_DIR=$1 BUILD=$2 SSPR_SANITIZE=${3:-OFF}
export SSPR_SOURCE_DIR SSPR_SANITIZE
. "$SSPR_SOURCE_DIR/tests/sandbox/lib.sh"
sandbox_reexec "$@"

sandbox_setup "$BUILD"
trap 'kill "${JOURNAL_PID:-}" 2>/dev/null; sandbox_teardown' EXIT
# journald's socket, in the sandbox's own /run: ssprd's audit events land in $SANDBOX/journal.
JOURNAL_PID=$("$BUILD/tests/sspr-test-launch" start "$SANDBOX" "$SANDBOX/journal-sink.log" -- \
  /usr/bin/python3 "$SSPR_SOURCE_DIR/tests/support/journal_sink.py" /run/systemd/journal/socket "$SANDBOX/journal") \
  || sandbox_die "journal sink did not start"
mapfile -t app_env < <(sandbox_pam_app_env)
sandbox_useradd rita
echo 'rita:Correct-Horse-42' | chpasswd

# 1. The login wizard on a real terminal.
cat >"$SANDBOX/login.exp" <<'EXP'
set timeout 20
log_user 0
spawn su -s /bin/sh -c {echo logged-in-as-$USER} rita
expect {
  "Your choice: " { send "1\r" }
  timeout { puts "NO MENU"; exit 2 }
}
expect {
  -re {Or enter this key by hand: ([A-Z2-7]+)} { set secret $expect_out(1,string) }
  timeout { puts "NO KEY"; exit 2 }
}
expect "Code shown by the app: "
send "[exec oathtool --totp -b $secret]\r"
expect {
  "Your security info is registered. Thank you." { puts "REGISTERED" }
  timeout { puts "NOT REGISTERED"; exit 2 }
}
expect {
  "logged-in-as-rita" { puts "LOGGED IN" }
  timeout { puts "NO SHELL"; exit 2 }
}
expect eof
EXP
out=$(env "${app_env[@]}" expect "$SANDBOX/login.exp" 2>&1 | tr -d '\r'); rc=$?
check "su on a pty: rita registers an authenticator app and logs in" "0|REGISTERED
LOGGED IN" "$rc|$out"
out=$(env "${app_env[@]}" su -s /bin/sh -c 'echo logged-in' rita 2>&1 </dev/null); rc=$?
check "su: the next login goes straight through" "0|logged-in" "$rc|$out"
record="$SANDBOX/state/registrations/rita.json"
check "the record is root-only" "600 root" "$(stat -c '%a %U' "$record")"
grep -q '"totp"' "$record"; check "the record holds the authenticator app" "0" "$?"

# 2. The sspr command, as rita's own uid.
as_rita() { setpriv --reuid=rita --regid=rita --init-groups "$@"; }
# feed INPUT COMMAND...: runs COMMAND as rita with INPUT on stdin; sets $out (last line) and $rc.
feed() {
  local input=$1; shift
  out=$(printf "$input" | as_rita "$@" 2>&1); rc=$?
  # With no terminal, answers are not echoed: the next output follows the prompts on one line.
  last=$(tail -n 1 <<<"$out" | sed -E 's/^((Your choice|Recovery code|Current password|Code shown by the app): )*//')
}
out=$(as_rita "$BUILD/cli/sspr" status 2>&1 | sed -e 's/, registered .*//' -e 's/^\(Reconfirm by:   \).*/\1DATE/'); rc=$?
check "sspr status as rita" "0|User:           rita
Registered:     yes (1 of 1 methods required)
Must register:  yes (registration is required for all users)
Reconfirm by:   DATE
Methods:
  Authenticator app" "$rc|$out"

# A change needs proof: a wrong password is refused, the right one lets the change through.
feed '1\nwrong-password\n' "$BUILD/cli/sspr" recovery-codes
check "sspr recovery-codes with a wrong password" "1|sspr: To change your security info, first confirm it is you with a method you registered before, or with your current password." "$rc|$last"
feed '1\nCorrect-Horse-42\n' "$BUILD/cli/sspr" recovery-codes
codes=$(grep -cE '^  [0-9A-Z]{5}-[0-9A-Z]{5}$' <<<"$out")
check "sspr recovery-codes after the password: ten new codes" "0|10" "$rc|$codes"
first_code=$(grep -m1 -oE '[0-9A-Z]{5}-[0-9A-Z]{5}' <<<"$out")

# A recovery code works once for the next change.
feed "3\n$first_code\n" "$BUILD/cli/sspr" remove totp
check "sspr remove totp, proven with a recovery code" "0|Removed: Authenticator app" "$rc|$last"
# Without the app, recovery codes are the only method: the menu offers 1) password, 3) code.
feed "3\n$first_code\n" "$BUILD/cli/sspr" remove recovery_codes
check "a used recovery code does not work again" "1|sspr: To change your security info, first confirm it is you with a method you registered before, or with your current password." "$rc|$last"

# sspr register: the same wizard on the terminal. sam has nothing yet, and proves it is him all
# the same: with the password (or whoever runs as sam would register a method for a reset).
sandbox_useradd sam
echo 'sam:Sam-Password-77' | chpasswd
out=$(printf 'not-his-password\n' | setpriv --reuid=sam --regid=sam --init-groups "$BUILD/cli/sspr" register 2>&1); rc=$?
check "sspr register as sam without his password" "1|To change your security info, first confirm it is you.
Current password: The password is not correct.
Current password: sspr: To change your security info, first confirm it is you with a method you registered before, or with your current password." "$rc|$out"
test ! -e "$SANDBOX/state/registrations/sam.json"; check "... and nothing registered" "0" "$?"
out=$(printf 'Sam-Password-77\n3\nyes\n' | setpriv --reuid=sam --regid=sam --init-groups "$BUILD/cli/sspr" register 2>&1); rc=$?
check "sspr register as sam: recovery codes" "0|Recovery codes registered.
Your security info is registered. Thank you." "$rc|$(tail -n 2 <<<"$out" | sed -E 's/^(Type .yes. once you have stored them somewhere safe: )//')"

# Never someone else's registration.
out=$(setpriv --reuid=sam --regid=sam --init-groups busctl --system call io.sspr.reset1 /io/sspr/reset1 \
  io.sspr.reset1.Manager GetRegistration s rita 2>&1); rc=$?
check "sam cannot read rita's registration" "1|Call failed: Access denied" "$rc|$out"

# 3. The audit trail saw it all, without a secret.
audit=/var/log/sspr/audit.jsonl
events=$(sed -n 's/.*"event":"\([a-z_]*\)".*/\1/p' "$audit" | sort | uniq | tr '\n' ' ')
check "audit events" "method_registered method_removed registration_complete step_up_failed step_up_passed " "$events"
journal_events=$(grep -a -A2 '^MESSAGE_ID=5c1b7c7a3f2e4d0b9a61e2f0c3d4a10[0-9]$' "$SANDBOX/journal" | sed -n 's/^SSPR_EVENT=//p' | sort -u | tr '\n' ' ')
check "the same events in the journal, each with its MESSAGE_ID" "method_registered method_removed registration_complete step_up_failed step_up_passed " "$journal_events"
grep -a -q -x 'MESSAGE_ID=5c1b7c7a3f2e4d0b9a61e2f0c3d4a101' "$SANDBOX/journal"
check "method_registered has its stable MESSAGE_ID" "0" "$?"
grep -a -q -e 'Correct-Horse-42' -e "$first_code" "$audit" "$SANDBOX/ssprd.log" "$record" "$SANDBOX/journal"
check "no password or code in the audit trail, the journal, the log or the record" "1" "$?"

sandbox_report
