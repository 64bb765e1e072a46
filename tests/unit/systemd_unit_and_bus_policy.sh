#!/bin/bash
# The shipped unit scores <= 2.0 in systemd-analyze security, and the shipped D-Bus policy
# follows the rules of docs/architecture.md: root alone owns the name, every allow names our
# destination, no wildcards, no deny rules, and each unprivileged method is allowed by name.
set -euo pipefail
analyze=$1 unit=$2 policy=$3
fail() { echo "FAIL: $*" >&2; exit 1; }

out=$("$analyze" security --offline=yes --no-pager "$unit" 2>&1)
line=$(grep 'Overall exposure level' <<<"$out") || fail "no score in: $out"
score=$(sed -n 's/.*: \([0-9.]*\) .*/\1/p' <<<"$line")
awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }' || fail "exposure $score > 2.0"
echo "unit exposure: $score (limit 2.0)"

python3 - "$policy" <<'PY'
import sys, xml.etree.ElementTree as ET
name = "io.sspr.reset1"
root = ET.parse(sys.argv[1]).getroot()
problems = []
for policy in root.iter("policy"):
    is_root = policy.get("user") == "root"
    for rule in policy:
        if rule.tag == "deny":
            problems.append("deny rule present")
        attrs = rule.attrib
        if any(v == "*" for v in attrs.values()):
            problems.append(f"wildcard in {attrs}")
        if "own" in attrs and not is_root:
            problems.append("non-root policy may own the name")
        if "own" in attrs and attrs["own"] != name:
            problems.append(f"owns a foreign name {attrs['own']}")
        if any(k.startswith("send_") for k in attrs) and attrs.get("send_destination") != name:
            problems.append(f"send rule without our destination: {attrs}")
        if not is_root and attrs.get("send_interface", "").startswith(f"{name}.") and "send_member" not in attrs:
            problems.append("unprivileged rule allows the whole Manager interface")
allowed = {r.get("send_member") for p in root.iter("policy") if p.get("context") == "default"
           for r in p if r.get("send_interface") == f"{name}.Manager"}
expected = {"GetRegistrationStatus", "GetRegistration", "BeginTotp", "ConfirmTotp", "BeginContact",
            "ConfirmContact", "GetSecurityQuestions", "SetSecurityQuestions", "RegenerateRecoveryCodes",
            "RemoveMethod", "ConfirmRegistration", "StepUp", "StartReset", "ChangePassword",
            "GetDirectoryContacts"}  # never SkipRegistration or UnlockReset: root only
if allowed != expected:
    problems.append(f"unprivileged Manager methods are {allowed}")
session = {r.get("send_member") for p in root.iter("policy") if p.get("context") == "default"
           for r in p if r.get("send_interface") == f"{name}.Session"}
if session != {"SendCode", "Verify", "GetQuestions", "VerifyAnswers", "SetPassword", "Cancel"}:
    problems.append(f"unprivileged Session methods are {session}")
if problems:
    print("FAIL: " + "; ".join(problems)); sys.exit(1)
print("bus policy: ok")
PY
