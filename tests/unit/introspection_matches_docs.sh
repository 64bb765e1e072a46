#!/bin/bash
# The D-Bus API documented in docs/ is exactly what ssprd serves.
set -euo pipefail
ssprd=$1 docs=$2
diff -u "$docs/io.sspr.reset1.Manager.xml" <("$ssprd" --bus-introspect=io.sspr.reset1.Manager)
echo "introspection matches docs/io.sspr.reset1.Manager.xml"
