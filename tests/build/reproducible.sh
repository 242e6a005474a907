#!/bin/sh
# SPDX-License-Identifier: MIT
# Reproducible builds: `make release` and `make iso` in two copies of the
# source that differ in everything the bytes must not depend on -- the
# directory (name and depth), the files' mtimes, the time zone, the umask,
# and the wall-clock time of the build -- give byte-identical files. Both
# copies take SOURCE_DATE_EPOCH, the version and the commit from this
# checkout, as a release build does (tools/version.sh); the copies have no
# .git of their own.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$top/$BUILD ;; esac
W=$BUILD/reproducible
rm -rf "$W" && mkdir -p "$W"

pass() { printf 'PASS: %s\n' "$*"; }
fail() { printf 'FAIL: %s\n' "$*"; }

SOURCE_DATE_EPOCH=$("$top/tools/version.sh" --date)
VERSION=$("$top/tools/version.sh")
COMMIT=$("$top/tools/version.sh" --commit)
export SOURCE_DATE_EPOCH
ISO_OPTIONS="--apply --then shutdown"

# copy DIR MTIME: the source as it is in the working tree (tracked files and
# new ones git does not ignore).
copy() {
	mkdir -p "$1"
	(cd "$top" && git ls-files -z --cached --others --exclude-standard | xargs -0 tar -cf - --) | tar -xf - -C "$1"
	find "$1" -exec touch -h -d "$2" {} +
}

# build NAME DIR TZ UMASK: make release and make iso in DIR.
build() {
	(
		cd "$2" && umask "$4" && TZ=$3 && export TZ &&
			make -j2 BUILD=build VERSION="$VERSION" COMMIT="$COMMIT" release &&
			make BUILD=build VERSION="$VERSION" COMMIT="$COMMIT" \
				OPTIONS="$ISO_OPTIONS" iso
	) >"$W/$1.log" 2>&1 || {
		fail "reproducible: make release in the $1 copy (see $W/$1.log)"
		tail -n 15 "$W/$1.log" | sed 's/^/#   /'
		exit 1
	}
}

A=$W/a/gptrim
B=$W/second/copy/at/another/depth/src
copy "$A" "2020-01-02 03:04:05"
copy "$B" "2024-06-07 22:23:24"
build a "$A" UTC 022
build b "$B" Pacific/Kiritimati 077

dist=dist/gptrim-$VERSION
files=$(cd "$A/$dist" && ls)
[ -n "$files" ] || { fail "reproducible: no files in $dist"; exit 1; }
for f in $files build/gptrim.iso build/gptrim.efi; do
	case $f in build/*) a=$A/$f b=$B/$f ;; *) a=$A/$dist/$f b=$B/$dist/$f ;; esac
	if [ ! -e "$b" ]; then
		fail "reproducible: $f is missing from the second build"
	elif cmp -s "$a" "$b"; then
		pass "reproducible: $f identical in both builds"
	else
		fail "reproducible: $f differs ($(cmp -l "$a" "$b" | wc -l) bytes, first: $(cmp "$a" "$b" | sed 's/.*: //'))"
	fi
done
for f in README.txt SHA256SUMS startup.nsh gptrim gptrim.efi \
	"gptrim-$VERSION-interactive.iso" "gptrim-$VERSION-report.iso" \
	"gptrim-$VERSION-apply.iso" "gptrim-$VERSION-undo.iso"; do
	[ -e "$A/$dist/$f" ] || fail "reproducible: $dist/$f was not made"
done
if (cd "$A/$dist" && sha256sum --quiet -c SHA256SUMS) >"$W/sums.log" 2>&1; then
	pass "reproducible: SHA256SUMS lists every file with its checksum"
else
	fail "reproducible: sha256sum -c SHA256SUMS: $(head -n 3 "$W/sums.log")"
fi
# The mode each ISO was made for is in its name and in a listing.
for m in "report:--then shutdown" "apply:--apply --then shutdown" \
	"undo:--apply --undo --then shutdown"; do
	iso=$A/$dist/gptrim-$VERSION-${m%%:*}.iso
	rm -f "$W/cfg"
	osirrox -indev "$iso" -extract /gptrim.cfg "$W/cfg" >/dev/null 2>&1
	if grep -qx -- "${m#*:}" "$W/cfg" 2>/dev/null; then
		pass "reproducible: the ${m%%:*} ISO lists gptrim.cfg with '${m#*:}'"
	else
		fail "reproducible: the ${m%%:*} ISO has no gptrim.cfg with '${m#*:}' at its root"
	fi
done
