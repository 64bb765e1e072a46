#!/bin/bash
# The D-Bus API documented in docs/ is exactly what ssprd serves: the Manager and the reset
# Session interfaces, each against its XML file.
set -euo pipefail
ssprd=$1 docs=$2
for interface in io.sspr.reset1.Manager io.sspr.reset1.Session; do
  diff -u "$docs/$interface.xml" <("$ssprd" --bus-introspect=$interface)
  echo "introspection matches docs/$interface.xml"
done
# An interface ssprd does not serve is refused, not printed empty.
if "$ssprd" --bus-introspect=io.sspr.reset1.Nothing >/dev/null 2>&1; then
  echo "ssprd printed an interface it does not serve" >&2
  exit 1
fi
