#!/bin/bash
# Flat in the number of users: the status query on the booted Debian (the system tier's machine,
# sspr's packages, ssprd under its unit, stock nsswitch.conf and system bus) with 1,000, 100,000
# and 1,000,000 accounts in /etc/passwd, and a registration record for each of the first 100,000
# (cloned from a real one). For each size: the median and p99 of a query on a fresh connection
# for users drawn at random from all of them, calls per second from 50 clients with their own
# connections, and ssprd's memory. A benchmark, not a test: it reports, and fails only if it
# cannot measure.
#   system_users.sh SOURCE_DIR SYSTEM_DIR BENCH_BINARY
SSPR_SOURCE_DIR=$1 SSPR_SYSTEM_DIR=$2
bench_binary=$3
. "$SSPR_SOURCE_DIR/tests/system/lib.sh"
max_records=100000 samples=1000 clients=50 seconds=3

machine_for_logins users sspr
in_ct useradd -m -s /bin/bash ann
echo 'ann:Ann-Password-123' | in_ct chpasswd
printf 'Ann-Password-123\n3\nyes\n' | in_ct runuser -u ann -- sspr register >/dev/null 2>&1
grep -q '^Registered: *yes' <<<"$(in_ct runuser -u ann -- sspr status)" || die "ann could not register"
put /root/bench_users_system 0755 <"$bench_binary"
records=$ROOT/var/lib/sspr/registrations
[ -f "$records/ann.json" ] || die "no record for ann"
cp "$ROOT/etc/passwd" "$SSPR_SYSTEM_DIR/passwd.base"

# USERS -> the machine's /etc/passwd holds its own accounts plus u0000001..uUSERS, and the first
# min(USERS, max_records) of them have a record: ann's, under their name.
populate() {
  python3 - "$1" "$max_records" "$SSPR_SYSTEM_DIR/passwd.base" "$ROOT/etc/passwd" "$records" <<'EOF'
import json, os, sys
users, max_records, base, passwd, records = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
with open(base) as f:
    lines = f.read()
tmp = passwd + ".new"
with open(tmp, "w") as f:
    f.write(lines)
    for i in range(1, users + 1):
        f.write(f"u{i:07d}:x:{100000 + i}:100::/nonexistent:/usr/sbin/nologin\n")
os.chmod(tmp, 0o644)
os.rename(tmp, passwd)  # as useradd does: a new file renamed over the old one
with open(os.path.join(records, "ann.json")) as f:
    record = json.load(f)
for i in range(1, min(users, max_records) + 1):
    name = f"u{i:07d}"
    path = os.path.join(records, name + ".json")
    if os.path.exists(path):
        continue
    record["user"] = name
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(record, f, separators=(",", ":"))
EOF
}

echo "machine: Debian $(in_ct cat /etc/debian_version), $(in_ct systemctl is-system-running), $(nproc) CPUs"
echo "nsswitch.conf: $(in_ct grep -E '^passwd:' /etc/nsswitch.conf | tr -s ' \t' ' ')"
echo "status queries as root over the system bus, users drawn at random from all accounts"
printf '  %-9s %-9s %12s %12s %16s %12s\n' accounts records "median us" "p99 us" "calls/s (${clients})" "ssprd RSS MiB"
declare -A median calls
for n in 1000 100000 1000000; do
  populate "$n" || die "cannot generate $n accounts"
  in_ct systemctl restart ssprd || die "ssprd did not restart"
  out=$(in_ct /root/bench_users_system "$n" "$samples" "$clients" "$seconds") || die "the measurement at $n accounts failed"
  read -r med p99 rate <<<"$out"
  rss=$(in_ct sh -c 'awk "/^VmRSS:/ { print \$2 }" /proc/$(systemctl show -P MainPID ssprd)/status')
  printf '  %-9s %-9s %12s %12s %16s %12s\n' "$n" "$((n < max_records ? n : max_records))" "$med" "$p99" "$rate" \
    "$(awk -v k="$rss" 'BEGIN { printf "%.1f", k / 1024 }')"
  median[$n]=$med calls[$n]=$rate
done
ratio=$(awk -v a="${median[1000000]}" -v b="${median[1000]}" 'BEGIN { printf "%.2f", a / b }')
echo "  median at 1,000,000 / median at 1,000: ${ratio}x (target <= 2): $(awk -v r="$ratio" 'BEGIN { print (r <= 2 ? "yes" : "NO") }')"
echo "  calls/s with ${clients} clients at 100,000 accounts: ${calls[100000]} (target >= 5000): $(awk -v c="${calls[100000]}" 'BEGIN { print (c >= 5000 ? "yes" : "NO") }')"
echo "ssprd after the run: $(in_ct systemctl show -p ActiveState -p NRestarts ssprd | paste -sd ' ')"
