#!/bin/bash
# Builds sspr's Debian packages (libpam-sspr, sspr and their -dbgsym) from this tree, then lints them.
#   scripts/package.sh [OUTPUT_DIR]        OUTPUT_DIR defaults to build-deb/ at the top of the tree
#   SSPR_PACKAGE_JOBS=N limits the build's parallel jobs (default: one per CPU).
# As root or not: the packaging declares Rules-Requires-Root: no, so no fakeroot either.
# It installs nothing: it says which build dependencies are missing (scripts/install-deps.sh
# installs them all).
# The build runs in a throwaway copy of the tree, so the tree's own build/ directories never reach
# the package and debian/'s build artefacts (debian/tmp, obj-*, stamps) never land in the tree.
# The .deb, .buildinfo and .changes files, and the build log, end up in OUTPUT_DIR only.
# lintian then checks them: any error or warning fails the script.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd -P)
cd "$top"

out=${1:-$top/build-deb}
mkdir -p "$out"
out=$(cd "$out" && pwd -P)

die() { echo "package.sh: $*" >&2; exit 1; }

# The tools, each with the Debian package that has it, so the message says what to install.
missing=()
for tool_package in dpkg-buildpackage:dpkg-dev dpkg-checkbuilddeps:dpkg-dev \
                    dpkg-parsechangelog:dpkg-dev dh:debhelper lintian:lintian; do
  command -v "${tool_package%%:*}" >/dev/null || missing+=("${tool_package#*:}")
done
if [ ${#missing[@]} -ne 0 ]; then
  die "missing tools; install: apt-get install $(printf '%s\n' "${missing[@]}" | sort -u | tr '\n' ' ')(or run scripts/install-deps.sh as root)"
fi

# Build dependencies: checked here, before any copying, rather than failing inside the build.
if ! unmet=$(dpkg-checkbuilddeps 2>&1); then
  echo "$unmet" >&2
  die "build dependencies missing: install them with 'scripts/install-deps.sh' (as root) (or apt-get install the packages named above)"
fi

version=$(dpkg-parsechangelog -S Version)
work=$out/work
src=$work/sspr-$version
log=$out/build.log

# Files of a previous run go first: a failed build must not leave older packages behind that
# look like its result (the system tests install whatever .deb files are here).
shopt -s nullglob
rm -f "$out"/{sspr,sspr-dbgsym,libpam-sspr,libpam-sspr-dbgsym}_*.{deb,buildinfo,changes} "$log"
rm -rf "$work"
mkdir -p "$src"

# The output folder, when it lies inside the tree and is not ignored by git, must not be copied
# into the copy (it holds the copy itself).
out_in_tree=
case "$out/" in "$top"/*) out_in_tree=${out#"$top"/}/ ;; esac

# The files of the tree, NUL-separated, relative to the top.
list_tree() {
  if git -C "$top" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    # Tracked files as they are in the work tree, and new files not yet added (a new man page,
    # debian/ itself before its first commit); never what .gitignore ignores (build*/, .cache/).
    git -C "$top" ls-files -z --cached --others --exclude-standard
  else
    # Not a git checkout (an unpacked tarball): everything but .git, build trees and debhelper's.
    find . -mindepth 1 \( -name .git -o -path './build*' -o -path './obj-*' \) -prune \
      -o \( -type f -o -type l \) -printf '%P\0'
  fi
}
list_tree | while IFS= read -r -d '' f; do
  # A file deleted in the work tree but still in git's index is not part of the tree.
  if [ ! -e "$f" ] && [ ! -L "$f" ]; then continue; fi
  if [ -n "$out_in_tree" ] && [[ $f == "$out_in_tree"* ]]; then continue; fi
  printf '%s\0' "$f"
done | tar -C "$top" --null --no-recursion -T - -cf - | tar -C "$src" -xf -

# -b: binary packages only (the package is native; no source package is wanted here).
# -us -uc: nothing signed. The log is long (verbose make): it goes to a file, its end to the
# terminal on failure, and the copy stays for a look at what went wrong.
echo "package.sh: building sspr $version in $src (log: $log)"
if ! (cd "$src" && dpkg-buildpackage -b -us -uc --jobs="${SSPR_PACKAGE_JOBS:-auto}") >"$log" 2>&1; then
  tail -n 60 "$log" >&2
  die "dpkg-buildpackage failed; full log: $log; the build tree is kept in $work"
fi

# dpkg-buildpackage writes its results next to the source directory: move them into the one
# output folder, then drop the copy.
results=("$work"/*.deb "$work"/*.buildinfo "$work"/*.changes)
[ ${#results[@]} -ne 0 ] || die "dpkg-buildpackage made no packages (log: $log)"
mv -f "${results[@]}" "$out"/
rm -rf "$work"

changes=("$out"/sspr_"$version"_*.changes)
[ ${#changes[@]} -eq 1 ] || die "expected one sspr_${version}_*.changes in $out, found ${#changes[@]}"
debs=("$out"/*_"$version"_*.deb)

# lintian reads the .changes and every package it lists (the .debs and the .buildinfo).
# Overrides, if ever needed, go in debian/<package>.lintian-overrides, each with its reason.
echo "package.sh: lintian ${changes[0]}"
if ! lintian --fail-on error,warning "${changes[0]}"; then
  die "lintian reported errors or warnings (above); the packages are in $out"
fi

echo "package.sh: packages:"
printf '%s\n' "${debs[@]}"
