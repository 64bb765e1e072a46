#!/bin/bash
# pam_sspr.so exports the six pam_sm_* entry points and nothing else, links only libpam,
# libsystemd and the C/C++ runtime, loads with RTLD_NOW, and has full RELRO. The sspr command
# shares the client library with it and links no libpam.
set -euo pipefail
module=$1 sanitize=${2:-OFF} command=${3:-}
fail() { echo "FAIL: $*" >&2; exit 1; }

exports=$(nm -D --defined-only "$module" | awk '{print $3}' | sort)
expected=$(printf '%s\n' pam_sm_acct_mgmt pam_sm_authenticate pam_sm_chauthtok pam_sm_close_session \
  pam_sm_open_session pam_sm_setcred | sort)
[ "$exports" = "$expected" ] || fail "exported symbols differ:
$exports"

allowed='^(libpam\.so\.0|libsystemd\.so\.0|libstdc\+\+\.so\.6|libm\.so\.6|libgcc_s\.so\.1|libc\.so\.6)$'
case "$sanitize" in ON|on|1|TRUE|true) allowed='^(libpam\.so\.0|libsystemd\.so\.0|libstdc\+\+\.so\.6|libm\.so\.6|libgcc_s\.so\.1|libc\.so\.6|libasan\.so\.[0-9]+|libubsan\.so\.[0-9]+)$' ;; esac
needed=$(readelf -d "$module" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
while read -r lib; do
  [[ "$lib" =~ $allowed ]] || fail "pam_sspr.so links $lib"
done <<<"$needed"

# Read whole first: grep -q on a pipe can stop early, and readelf's SIGPIPE fails the pipefail.
dynamic=$(readelf -d "$module"); program_headers=$(readelf -l "$module")
grep -q -e 'BIND_NOW' -e 'FLAGS.*NOW' <<<"$dynamic" || fail "no BIND_NOW"
grep -q GNU_RELRO <<<"$program_headers" || fail "no RELRO"
[[ $(grep -A1 GNU_STACK <<<"$program_headers") == *"RW "* ]] || fail "executable stack"

# dlopen(RTLD_NOW) resolves every symbol (python's ctypes uses RTLD_NOW when asked).
case "$sanitize" in ON|on|1|TRUE|true) echo "(dlopen check runs in the pam tests under ASan)";;
*) python3 -c "import ctypes,os,sys; ctypes.CDLL(sys.argv[1], mode=os.RTLD_NOW); print('dlopen RTLD_NOW ok')" "$module";;
esac
echo "pam_sspr.so exports only pam_sm_* and links: $(echo $needed)"
if [ -n "$command" ]; then
  command_needs=$(readelf -d "$command" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
  ! grep -q '^libpam' <<<"$command_needs" || fail "sspr links libpam"
  echo "sspr links: $(echo $command_needs)"
fi
