#!/bin/bash
# The README's demo command: installs what is missing, builds, and shows sspr at a login in a
# sandbox (private mount namespace, overlay on /etc, its own system bus). The host's users,
# /etc and system bus are not changed.
#   scripts/demo.sh   (as root)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then echo "demo.sh: run as root (it builds a sandbox with namespaces)" >&2; exit 1; fi
scripts/install-deps.sh
cmake -S . -B build >/dev/null
cmake --build build -j "$(nproc)" >/dev/null
exec bash tests/sandbox/demo.sh "$PWD" "$PWD/build"
