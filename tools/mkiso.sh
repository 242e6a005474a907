#!/bin/sh
# SPDX-License-Identifier: MIT
# Wrap one EFI binary into a UEFI-bootable ISO: an El Torito FAT image with
# \EFI\BOOT\BOOTX64.EFI and, with CFG-TEXT, \gptrim.cfg (firmwares have no
# ISO 9660 driver: what the app reads must be in the FAT image). The same
# gptrim.cfg also stands at the ISO's root, so that a file listing of the
# ISO shows its options. The only ISO builder: `make iso`, `make release`,
# the suites and the benchmarks all use it.
#
# Reproducible: the bytes depend only on the inputs and SOURCE_DATE_EPOCH
# (from the last commit when unset; see docs/release.md). Every timestamp
# inside the FAT image and the ISO 9660, Joliet, Rock Ridge and El Torito
# structures is that time in UTC; the FAT volume serial is fixed; xorriso
# derives the volume UUIDs from SOURCE_DATE_EPOCH.
# Usage: tools/mkiso.sh [--options-file FILE] APP.efi OUT.iso [CFG-TEXT]
#   --options-file: gptrim.cfg is a comment line and FILE's options
#   (`make iso OPTIONS=...`, `make release`); CFG-TEXT: gptrim.cfg is
#   exactly that text (the suites' odd configurations).
set -eu
usage="usage: $0 [--options-file FILE] APP.efi OUT.iso [CFG-TEXT]"
opts_file=
if [ "${1:-}" = --options-file ]; then
	[ $# -ge 2 ] || { echo "$usage" >&2; exit 2; }
	opts_file=$2
	shift 2
fi
[ $# -ge 2 ] || { echo "$usage" >&2; exit 2; }
app=$1 out=$2
here=$(cd "$(dirname "$0")" && pwd)
SOURCE_DATE_EPOCH=$("$here/version.sh" --date)
# mtools writes local time into FAT entries: UTC makes it the same
# everywhere.
TZ=UTC
export SOURCE_DATE_EPOCH TZ
# The FAT volume serial ("GPTR"); mformat would derive it from the clock.
FAT_SERIAL=47505452
# Room for the FAT, the directories and gptrim.cfg beyond the binary, in
# 16 KiB steps (2 heads x 16 sectors of 512 bytes).
FAT_SLACK_KIB=64

work=$(mktemp -d "${TMPDIR:-/tmp}/gptrim-mkiso.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
mkdir -p "$work/root"
img=$work/root/efiboot.img
kib=$((($(stat -c %s "$app") / 1024 + FAT_SLACK_KIB + 15) / 16 * 16))
mformat -i "$img" -N "$FAT_SERIAL" -C -T $((kib * 2)) -h 2 -s 16 -v GPTRIM ::
mmd -i "$img" ::/EFI ::/EFI/BOOT
mcopy -i "$img" "$app" ::/EFI/BOOT/BOOTX64.EFI
cfg=$work/root/gptrim.cfg
if [ -n "$opts_file" ]; then
	{
		echo "# gptrim options (make iso OPTIONS=...), as on the command line"
		cat "$opts_file"
	} >"$cfg"
elif [ $# -ge 3 ]; then
	printf '%s\n' "$3" >"$cfg"
fi
[ ! -e "$cfg" ] || mcopy -i "$img" "$cfg" ::/gptrim.cfg
# -J -r: names and a listing any OS shows, with owner root and modes made
# readable whoever builds it with whatever umask; every file date is
# SOURCE_DATE_EPOCH, whatever the files' own mtimes.
xorriso -as mkisofs -quiet -o "$out" -V GPTRIM -J -r \
	--set_all_file_dates "=$SOURCE_DATE_EPOCH" \
	-e efiboot.img -no-emul-boot -isohybrid-gpt-basdat "$work/root" \
	2>"$work/xorriso.log" || { cat "$work/xorriso.log" >&2; exit 1; }
