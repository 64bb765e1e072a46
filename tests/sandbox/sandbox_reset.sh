#!/bin/bash
# Root-only end-to-end test of a password reset from a console, as a user meets it: una has
# registered recovery codes (with the sspr command, as herself) and forgets her password;
# from another user's session `sspr reset una` proves a recovery code and sets a new one,
# which ssprd writes into the sandbox's /etc/shadow. pam_unix then accepts the new password
# and refuses the old one, and no other line of /etc/shadow changed.
#   sandbox_reset.sh SOURCE_DIR BUILD_DIR [SANITIZE]
set -uo pipefail
SSPR_SOURCE_DIR=$1 BUILD=$2 SSPR_SANITIZE=${3:-OFF}
export SSPR_SOURCE_DIR SSPR_SANITIZE
. "$SSPR_SOURCE_DIR/tests/sandbox/lib.sh"
sandbox_reexec "$@"

sandbox_setup "$BUILD"
trap sandbox_teardown EXIT
sandbox_useradd una
sandbox_useradd sam
echo 'una:Old-Password-123' | chpasswd
cat >/etc/pam.d/sspr-unix <<'PAM'
auth     required pam_unix.so
account  required pam_permit.so
PAM
unix_login() {  # unix_login USER PASSWORD -> pamtester's exit status
  # Only pam_unix here: no sanitizer runtime (ASan's shadow-file interceptors break pam_unix).
  printf '%s\n' "$2" | pamtester sspr-unix "$1" authenticate >/dev/null 2>&1
}

unix_login una Old-Password-123; check "the old password works before the reset" "0" "$?"

# una registers recovery codes, as herself.
codes=$(printf 'Old-Password-123\n3\nyes\n' | setpriv --reuid=una --regid=una --init-groups "$BUILD/cli/sspr" register 2>&1 \
  | grep -oE '^  [0-9A-Z]{5}-[0-9A-Z]{5}$' | tr -d ' ')
check "una has ten recovery codes" "10" "$(wc -l <<<"$codes")"
code=$(head -n 1 <<<"$codes")
cp -p /etc/shadow "$SANDBOX/shadow.before"

# sam's console: a wrong code, then the right one; a weak password, then a good one.
out=$(printf '1\nAAAAA-AAAAA\n1\n%s\nabc\nabc\nBrand-New-Pass-4711\nBrand-New-Pass-4711\n' "$code" |
  setpriv --reuid=sam --regid=sam --init-groups "$BUILD/cli/sspr" reset una 2>&1); rc=$?
check "sspr reset una: exit status" "0" "$rc"
grep -q '^Resetting the password of una. Prove 1 registered method.$' <<<"$out"
check "sspr reset says what it needs" "0" "$?"
grep -q 'The code is not correct.' <<<"$out"; check "a wrong recovery code is refused" "0" "$?"
grep -q 'The password is shorter than' <<<"$out"; check "a weak password is refused, saying why" "0" "$?"
check "the last line" "Your password has been changed." "$(tail -n 1 <<<"$out" | sed -E 's/^((New password|Retype the new password): )*//')"

unix_login una Brand-New-Pass-4711; check "pam_unix accepts the new password" "0" "$?"
unix_login una Old-Password-123; check "pam_unix refuses the old password (pamtester: 1)" "1" "$?"
diff <(grep -v '^una:' "$SANDBOX/shadow.before") <(grep -v '^una:' /etc/shadow) >/dev/null
check "no other line of /etc/shadow changed" "0" "$?"
check "/etc/shadow kept its owner, group and mode" "$(stat -c '%U %G %a' "$SANDBOX/shadow.before")" "$(stat -c '%U %G %a' /etc/shadow)"
check "last change set to today" "$(( $(date +%s) / 86400 ))" "$(grep '^una:' /etc/shadow | cut -d: -f3)"

# A user who knows the password changes it with `sspr passwd`, as herself.
out=$(printf 'Brand-New-Pass-4711\nChanged-Again-Pass-8\nChanged-Again-Pass-8\n' |
  setpriv --reuid=una --regid=una --init-groups "$BUILD/cli/sspr" passwd 2>&1); rc=$?
check "sspr passwd as una" "0|Your password has been changed." "$rc|$(tail -n 1 <<<"$out" | sed -E 's/^((Current password|New password|Retype the new password): )*//')"
unix_login una Changed-Again-Pass-8; check "pam_unix accepts the changed password" "0" "$?"

# The code is spent, and the session is gone: a second reset with it fails.
out=$(printf '1\n%s\n' "$code" | setpriv --reuid=sam --regid=sam --init-groups "$BUILD/cli/sspr" reset una 2>&1)
grep -q 'The code is not correct.' <<<"$out"; check "a used recovery code does not reset again" "0" "$?"

# An unknown user gets the same prompts: a plausible registration of its own (derived from the
# name with this host's key, so the same every time), and the same refusal.
unknown_reset() { printf '\n' | setpriv --reuid=sam --regid=sam --init-groups "$BUILD/cli/sspr" reset nosuchuser 2>&1; }
out=$(unknown_reset); again=$(unknown_reset)
check "an unknown user looks like a registered one" "Resetting the password of nosuchuser. Prove 1 registered method.
yes" "$(head -n 1 <<<"$out")
$(sed -n 2p <<<"$out" | grep -qE '^  1\) (Authenticator app|E-mail [a-z]\*\*\*@[a-z]\*\*\*\.[a-z]+|Mobile phone \(SMS\) \+[0-9]+ \*\*\* \*\*\*[0-9]{2}|Security questions|Recovery codes)$' && echo yes)"
check "... and the same one every time" "$out" "$again"

# Guessing blocks the reset (not the login), says for how long, and only root lifts the block.
out=$(printf '1\nAAAAA-AAAAA\n%.0s' 1 2 3 4 5 6 | setpriv --reuid=sam --regid=sam --init-groups "$BUILD/cli/sspr" reset una 2>&1)
grep -q 'Password reset is blocked for this account from here for another 2[34] hours' <<<"$out"
check "the fifth failed proof blocks the reset, saying for how long" "0" "$?"
out=$(printf '1\n' | setpriv --reuid=sam --regid=sam --init-groups "$BUILD/cli/sspr" reset una 2>&1)
grep -q 'Password reset is blocked for this account' <<<"$out"; check "the next reset is refused at once" "0" "$?"
unix_login una Changed-Again-Pass-8; check "the blocked user still logs in with her password" "0" "$?"
out=$(setpriv --reuid=sam --regid=sam --init-groups "$BUILD/cli/sspr" unlock una 2>&1); rc=$?
check "sspr unlock by a user is refused" "1" "$rc"
out=$("$BUILD/cli/sspr" unlock una 2>&1); rc=$?
check "sspr unlock by root" "0|Password reset is unblocked for una." "$rc|$out"
out=$(printf '1\nAAAAA-AAAAA\n' | setpriv --reuid=sam --regid=sam --init-groups "$BUILD/cli/sspr" reset una 2>&1 | head -n 3 | tail -n 1)
check "after the unlock, the reset asks again" "Your choice: Recovery code: The code is not correct." "$out"

audit=/var/log/sspr/audit.jsonl
events=$(sed -n 's/.*"event":"\(reset_[a-z_]*\)".*/\1/p' "$audit" | sort -u | tr '\n' ' ')
check "reset audit events" "reset_blocked reset_done reset_started reset_step_failed reset_step_passed reset_unlocked " "$events"
grep -q '"event":"change_done"' "$audit"; check "the change is audited" "0" "$?"
grep -q -e 'Brand-New-Pass-4711' -e 'Old-Password-123' -e 'Changed-Again-Pass-8' -e "$code" "$audit" "$SANDBOX/ssprd.log"
check "no password or code in the audit trail or the log" "1" "$?"

sandbox_report
