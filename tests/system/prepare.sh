#!/bin/bash
# System tier, once per run: the Debian packages of this tree (scripts/package.sh, lintian
# included) into SYSTEM_DIR/debs, and the cached Debian 12 root file system.
#   prepare.sh SOURCE_DIR SYSTEM_DIR
SSPR_SOURCE_DIR=$1 SSPR_SYSTEM_DIR=$2
. "$SSPR_SOURCE_DIR/tests/system/lib.sh"
rm -rf "$DEBS"
"$SSPR_SOURCE_DIR/scripts/package.sh" "$DEBS" || die "scripts/package.sh failed"
check "the packages were built" "libpam-sspr sspr" "$(cd "$DEBS" && ls *.deb | grep -v dbgsym | sed 's/_.*//' | sort | tr '\n' ' ' | sed 's/ $//')"
rootfs_ready
check "the root file system is cached" "yes" "$([ -s "$ROOTFS_TAR" ] && echo yes || echo no)"
report
