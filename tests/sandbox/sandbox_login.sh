#!/bin/bash
# Root-only end-to-end test: real useradd, a real system bus loaded with the shipped policy,
# the real ssprd, and real PAM applications (su, pamtester) going through pam_sspr.so from the
# sandbox's /etc/pam.d. The host's /etc, users, PAM config and system bus are never touched.
#   sandbox_login.sh SOURCE_DIR BUILD_DIR [SANITIZE]
set -uo pipefail
SSPR_SOURCE_DIR=$1 BUILD=$2 SSPR_SANITIZE=${3:-OFF}
export SSPR_SOURCE_DIR SSPR_SANITIZE
. "$SSPR_SOURCE_DIR/tests/sandbox/lib.sh"
sandbox_reexec "$@"

sandbox_setup "$BUILD"
trap sandbox_teardown EXIT
mapfile -t app_env < <(sandbox_pam_app_env)
as_pam_app() { env "${app_env[@]}" "$@"; }

for u in alice bob carol dora; do sandbox_useradd "$u"; done
echo 'bob:Bob-Password-5' | chpasswd  # dora keeps useradd's locked '!': no password at all
sandbox_register alice
# No terminal here: the registration wizard cannot run, so the login is refused (the default
# when_non_interactive = deny). sandbox_registration.sh drives the wizard through a pty.
message="Your account must register password-reset security info, which needs an interactive login. Log in at the console or with an interactive session (for example ssh without a command) to register."

# A real login program: root runs su, whose account phase goes through pam_sspr.so.
out=$(as_pam_app su -s /bin/sh -c 'echo logged-in' bob 2>&1 </dev/null | grep -v -e '^Your account needs' -e '^You can skip' -e '^Register a method' -e '^  [0-9sq])'); rc=$?
check "su: unregistered bob is refused" "1|Your choice: 
$message
su: Permission denied" "$rc|$out"
out=$(as_pam_app su -s /bin/sh -c 'echo logged-in' alice 2>&1); rc=$?
check "su: registered alice logs in" "0|logged-in" "$rc|$out"
out=$(as_pam_app su -s /bin/sh -c 'echo logged-in' carol 2>&1); rc=$?
check "su: exempt carol logs in" "0|logged-in" "$rc|$out"
out=$(as_pam_app su -s /bin/sh -c 'echo logged-in' root 2>&1); rc=$?
check "su: root is never forced" "0|logged-in" "$rc|$out"

out=$(as_pam_app pamtester sspr-check bob acct_mgmt 2>&1 </dev/null | grep -v -e '^Your account needs' -e '^You can skip' -e '^Register a method' -e '^  [0-9sq])'); rc=$?
check "pamtester: bob refused" "1|Your choice: 
$message
pamtester: Permission denied" "$rc|$out"
out=$(as_pam_app pamtester sspr-check alice acct_mgmt 2>&1); rc=$?
check "pamtester: alice passes" "0|pamtester: account management done." "$rc|$out"
# An account with no password (keys only) has nothing a reset could replace, and could not
# prove itself to register: enforcement steps aside for it, and says so.
out=$(as_pam_app pamtester sspr-check dora acct_mgmt 2>&1 </dev/null); rc=$?
check "pamtester: dora, who has no password, passes" "0|pamtester: account management done." "$rc|$out"

# Real uids on the bus: alice may ask about herself, never about bob.
bus_call() { busctl --system call io.sspr.reset1 /io/sspr/reset1 io.sspr.reset1.Manager GetRegistrationStatus s "$1"; }
out=$(setpriv --reuid=alice --regid=alice --init-groups bash -c "$(declare -f bus_call); bus_call bob" 2>&1); rc=$?
check "alice cannot query bob" "1|Call failed: Access denied" "$rc|$out"
out=$(setpriv --reuid=alice --regid=alice --init-groups bash -c "$(declare -f bus_call); bus_call alice" 2>&1); rc=$?
check "alice queries herself" '0|sbbsbbut "alice" true true "registration is required for all users" false false 0 0' "$rc|$out"
out=$(setpriv --reuid=bob --regid=bob --init-groups bash -c "$(declare -f bus_call); bus_call ''" 2>&1); rc=$?
# (the last field is the grace deadline, 14 days from now)
check "bob queries himself by the empty name" '0|sbbsbbut "bob" false true "registration is required for all users" false true 3' "$rc|${out% *}"

# ssprd stops cleanly; with it gone, enforcement steps aside and bob can log in.
sandbox_stop_ssprd; rc=$?
check "ssprd stops cleanly on SIGTERM" "0" "$rc"
out=$(as_pam_app su -s /bin/sh -c 'echo logged-in' bob 2>&1); rc=$?
check "su: with ssprd down, bob logs in (fail-open enforcement)" "0|logged-in" "$rc|$out"

sandbox_report
