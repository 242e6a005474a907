#!/bin/sh
# SPDX-License-Identifier: MIT
# Wrap one EFI binary into a UEFI-bootable ISO the way `make iso` does for
# gptrim (El Torito FAT image with \EFI\BOOT\BOOTX64.EFI, optional
# \gptrim.cfg). Used for the empty baseline app of the timing measurement
# and for the per-disk --restore ISO of the suite.
# Usage: ovmf/mkiso.sh APP.efi OUT.iso [CFG-TEXT]
set -eu
[ $# -ge 2 ] || { echo "usage: $0 APP.efi OUT.iso [CFG-TEXT]" >&2; exit 2; }
app=$1 out=$2
work=$(mktemp -d "${TMPDIR:-/tmp}/gptrim-mkiso.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
mkdir -p "$work/root"
img=$work/root/efiboot.img
# 1.44 MB floppy geometry: plenty for a small app, accepted by every firmware.
mformat -i "$img" -C -f 1440 ::
mmd -i "$img" ::/EFI ::/EFI/BOOT
mcopy -i "$img" "$app" ::/EFI/BOOT/BOOTX64.EFI
if [ $# -ge 3 ]; then
	printf '%s\n' "$3" >"$work/gptrim.cfg"
	mcopy -i "$img" "$work/gptrim.cfg" ::/gptrim.cfg
fi
xorriso -as mkisofs -quiet -o "$out" -V GPTRIM \
	-e efiboot.img -no-emul-boot -isohybrid-gpt-basdat "$work/root" \
	2>"$work/xorriso.log" || { cat "$work/xorriso.log" >&2; exit 1; }
