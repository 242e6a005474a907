#!/bin/sh
# SPDX-License-Identifier: MIT
# make release: the files an administrator downloads, in DIST: the four
# ISOs (one per mode), gptrim.efi and startup.nsh for a UEFI shell, the host
# tool, README.txt and SHA256SUMS. EFI is gptrim.efi as make built it, or
# signed (make release SIGN_KEY=... SIGN_CERT=...). Every file depends only
# on the source and SOURCE_DATE_EPOCH (docs/release.md).
# Usage: tools/release.sh EFI HOST-TOOL VERSION DIST
set -eu
[ $# -eq 4 ] || { echo "usage: $0 EFI HOST-TOOL VERSION DIST" >&2; exit 2; }
efi=$1 host=$2 version=$3 dist=$4
here=$(cd "$(dirname "$0")" && pwd)

rm -rf "$dist"
mkdir -p "$dist"
work=$(mktemp -d "${TMPDIR:-/tmp}/gptrim-release.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

# mode:options. No options: no gptrim.cfg, gptrim asks before any change.
for m in "interactive:" "report:--then shutdown" \
	"apply:--apply --then shutdown" "undo:--apply --undo --then shutdown"; do
	mode=${m%%:*} opts=${m#*:}
	iso=$dist/gptrim-$version-$mode.iso
	if [ -n "$opts" ]; then
		printf '%s\n' "$opts" >"$work/options"
		"$here/mkiso.sh" --options-file "$work/options" "$efi" "$iso"
	else
		"$here/mkiso.sh" "$efi" "$iso"
	fi
	echo "release: $(basename "$iso"): ${opts:-(no options: interactive)}"
done
cp "$efi" "$dist/gptrim.efi"
cp "$here/../ovmf/startup.nsh" "$dist/startup.nsh"
# The host tool without its debug information (4 times smaller).
strip -o "$dist/gptrim" "$host"
sed "s/@VERSION@/$version/g" "$here/release-README.txt" >"$dist/README.txt"
# Every file the same mode and date, whatever the umask and the clock.
chmod 644 "$dist"/*
chmod 755 "$dist/gptrim"
touch -d "@${SOURCE_DATE_EPOCH:?}" "$dist"/*
(cd "$dist" && sha256sum -- $(ls | grep -vx SHA256SUMS) >SHA256SUMS)
touch -d "@$SOURCE_DATE_EPOCH" "$dist/SHA256SUMS"
echo "release: $dist"
(cd "$dist" && ls -l --time-style=+ | sed 1d)
