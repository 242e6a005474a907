#!/bin/sh
# SPDX-License-Identifier: MIT
# Make the seed corpora of the fuzz targets in OUT (never committed):
#   OUT/corpus-gpt/            small disk images made by sgdisk, each behind
#                              the target's 2-byte header (byte 0: block size
#                              and flags, byte 1: fault; see gptinput.h)
#   OUT/corpus-backup-decode/  sgdisk --backup files of those disks
#   OUT/corpus-options/        gptrim.cfg samples (UTF-8, UTF-8 with BOM,
#                              UTF-16LE/BE with BOM) and NUL-separated argv
# Images are 48 KiB to 256 KiB so that executions stay fast; 1K/2K/4Kn images
# need a loop device with -b (root), otherwise only 512-byte ones are made.
# Usage: tests/fuzz/seeds.sh OUT
set -eu
[ $# = 1 ] || { echo "usage: $0 OUT" >&2; exit 2; }
out=$1
command -v sgdisk >/dev/null || { echo "seeds.sh: sgdisk missing (gdisk)" >&2; exit 1; }
tmp=$(mktemp -d)
loop=""
cleanup() {
	[ -n "$loop" ] && losetup -d "$loop" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

load=$out/corpus-gpt
back=$out/corpus-backup-decode
opts=$out/corpus-options
rm -rf "$load" "$out/corpus-gpt-load" "$back" "$opts"
mkdir -p "$load" "$back" "$opts"

DISK=5753F019-0000-4000-8000-0000000020
PART=5753F019-0001-4000-8000-0000000000

sg() { sgdisk "$@" >/dev/null 2>&1; }

# layout NAME DEVICE: partition DEVICE (a file or a loop device). Sizes fit
# 256 KiB at any block size; partition and disk GUIDs are fixed.
layout() {
	case $1 in
	ws2019) # WS2016/2019 Setup: Recovery, ESP, MSR, C:.
		sg -o -U ${DISK}19 -a 8 \
			-n 1:0:+32K -t 1:2700 -c "1:Basic data partition" \
			-u 1:${PART}01 -A 1:set:0 -A 1:set:63 \
			-n 2:0:+64K -t 2:ef00 -c "2:EFI system partition" \
			-u 2:${PART}02 \
			-n 3:0:+16K -t 3:0c01 -c "3:Microsoft reserved partition" \
			-u 3:${PART}03 \
			-n 4:0:0 -t 4:0700 -c "4:Basic data partition" \
			-u 4:${PART}04 "$2" ;;
	ws2022) # Windows 10 2004+/WS2022: ESP, MSR, C:, Recovery.
		sg -o -U ${DISK}22 -a 8 \
			-n 1:0:+64K -t 1:ef00 -u 1:${PART}11 \
			-n 2:0:+16K -t 2:0c01 -u 2:${PART}12 \
			-n 3:0:-32K -t 3:0700 -u 3:${PART}13 \
			-n 4:0:0 -t 4:2700 -c "4:Windows RE tools" \
			-u 4:${PART}14 "$2" ;;
	two-recovery) # a feature update added a second one after C:.
		sg -o -U ${DISK}33 -a 8 \
			-n 1:0:+16K -t 1:2700 -u 1:${PART}21 \
			-n 2:0:+32K -t 2:ef00 -u 2:${PART}22 \
			-n 3:0:+16K -t 3:0c01 -u 3:${PART}23 \
			-n 4:0:-32K -t 4:0700 -u 4:${PART}24 \
			-n 5:0:0 -t 5:2700 -u 5:${PART}25 "$2" ;;
	no-recovery)
		sg -o -U ${DISK}44 -a 8 \
			-n 1:0:+64K -t 1:ef00 -u 1:${PART}31 \
			-n 2:0:+16K -t 2:0c01 -u 2:${PART}32 \
			-n 3:0:0 -t 3:8300 -u 3:${PART}33 "$2" ;;
	tiny) # a 4-entry array: small inputs, fast executions.
		sg -o -U ${DISK}55 --resize-table=4 -a 1 \
			-n 1:0:+8K -t 1:2700 -u 1:${PART}41 \
			-n 2:0:+8K -t 2:ef00 -u 2:${PART}42 \
			-n 3:0:0 -t 3:0700 -u 3:${PART}43 "$2" ;;
	esac
}

size_of() { [ "$1" = tiny ] && echo 48K || echo 256K; }

# make NAME BS: OUT image $tmp/NAME-BS.img and its backup $tmp/NAME-BS.gpt.
make_image() {
	name=$1 bs=$2 img=$tmp/$1-$2.img
	truncate -s "$(size_of "$name")" "$img"
	if [ "$bs" = 512 ]; then
		layout "$name" "$img"
		sg --backup="$tmp/$name-$bs.gpt" "$img"
		return 0
	fi
	loop=$(losetup -f --show -b "$bs" "$img" 2>/dev/null) || {
		loop=""
		return 1
	}
	layout "$name" "$loop"
	sg --backup="$tmp/$name-$bs.gpt" "$loop"
	losetup -d "$loop"
	loop=""
}

bs_code() {
	case $1 in 512) echo 0 ;; 1024) echo 1 ;; 2048) echo 2 ;; 4096) echo 3 ;; esac
}

# seed FILE BS NAME [FLAGS [FAULT]]: a loader seed; FLAGS are bits 2-7 of
# byte 0, FAULT is byte 1 (decimal).
seed() {
	b0=$(( $(bs_code "$2") | ${4:-0} ))
	{ printf "\\$(printf %o "$b0")\\$(printf %o "${5:-0}")"; cat "$1"; } \
		>"$load/$3"
}

# poke FILE OFFSET BYTE: overwrite one byte (decimal value).
poke() {
	printf "\\$(printf %o "$3")" |
		dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

sizes=512
if [ "$(id -u)" = 0 ] && [ -e /dev/loop-control ]; then
	sizes="512 1024 2048 4096"
else
	echo "seeds.sh: not root or no loop devices: 512-byte images only" >&2
fi

for bs in $sizes; do
	for name in ws2019 ws2022 two-recovery no-recovery tiny; do
		if ! make_image "$name" "$bs"; then
			echo "seeds.sh: losetup -b $bs failed: skipped" >&2
			continue 2
		fi
		img=$tmp/$name-$bs.img
		seed "$img" "$bs" "$name-$bs"
		cp "$tmp/$name-$bs.gpt" "$back/$name-$bs.gpt"
	done
	# The per-disk driver, with and without --repair, and extra types.
	seed "$tmp/ws2019-$bs.img" "$bs" "ws2019-$bs-driver" 64
	seed "$tmp/tiny-$bs.img" "$bs" "tiny-$bs-driver-repair" 192
	seed "$tmp/ws2022-$bs.img" "$bs" "ws2022-$bs-types" 60
done

# 512-byte variants: faults in the commit, damage for --repair, a grown
# disk, a hybrid MBR, no backup, no protective MBR.
t=$tmp/tiny-512.img w=$tmp/ws2019-512.img
for k in 1 2 3 4 5 6; do
	seed "$t" 512 "tiny-write-fault-$k" 0 $((128 + k))
	seed "$t" 512 "tiny-alloc-fault-$k" 0 "$k"
done
seed "$t" 512 tiny-flush-fault-1 0 193
seed "$t" 512 tiny-flush-fault-2 0 194
seed "$t" 512 tiny-read-fault-3 0 67

cp "$t" "$tmp/bad-primary.img"
poke "$tmp/bad-primary.img" $((512 + 56)) 255 # disk GUID: header CRC
seed "$tmp/bad-primary.img" 512 tiny-bad-primary 64

cp "$t" "$tmp/bad-backup.img"
size=$(stat -c %s "$t")
poke "$tmp/bad-backup.img" $((size - 1024 + 40)) 7 # backup array entry 1
seed "$tmp/bad-backup.img" 512 tiny-bad-backup 128

cp "$w" "$tmp/grown.img"
truncate -s 320K "$tmp/grown.img"
seed "$tmp/grown.img" 512 ws2019-grown

cp "$w" "$tmp/hybrid.img"
sg -h 2 "$tmp/hybrid.img"
seed "$tmp/hybrid.img" 512 ws2019-hybrid

head -c 32K "$w" >"$tmp/no-backup.img"
seed "$tmp/no-backup.img" 512 ws2019-no-backup

cp "$t" "$tmp/no-mbr.img"
poke "$tmp/no-mbr.img" 510 0
seed "$tmp/no-mbr.img" 512 tiny-no-mbr

head -c 4K /dev/zero >"$tmp/blank.img"
seed "$tmp/blank.img" 512 blank

# Options: gptrim.cfg as Notepad saves it, and argv vectors.
cfg() { printf '%s' "$2" >"$opts/$1"; }
cfg apply.cfg '--apply
'
cfg full.cfg '# gptrim.cfg: remove WinRE, then power off
--apply --repair
--type DE94BBA4-06D1-4D40-A16A-BFD50179D6AC  # Windows RE
--type {c12a7328-f81f-11d2-ba4b-00a0c93ec93b}
--disk 1 --disk=2
--then shutdown
'
cfg restore.cfg '--apply --restore "\EFI\gptrim\5753F019-0000-4000-8000-000000002019.gpt" --disk 1 --then reboot'
cfg host.cfg '--sector-size 4096 --backup-dir "/var/backups/gpt dir" --no-backup disk1.img -- --odd-name.img'
cfg misc.cfg '--help --version --removable
--then=exit "quoted ""words"""'
printf '\357\273\277--apply\r\n--disk 2\r\n' >"$opts/bom-utf8.cfg"
{ printf '\377\376'; printf -- '--apply --then reboot\r\n# \303\251t\303\251\r\n' |
	iconv -f UTF-8 -t UTF-16LE; } >"$opts/utf16le.cfg"
{ printf '\376\377'; printf -- '--apply\n--type "DE94BBA4-06D1-4D40-A16A-BFD50179D6AC"\n' |
	iconv -f UTF-8 -t UTF-16BE; } >"$opts/utf16be.cfg"
printf -- '--apply\000--disk\0001\000--type\000DE94BBA4-06D1-4D40-A16A-BFD50179D6AC' \
	>"$opts/argv-efi"
printf -- '--apply\000--sector-size=512\000--backup-dir\000/tmp\000a.img\000b.img' \
	>"$opts/argv-host"
printf -- '--restore\000x.gpt\000--apply\000--\000-image.img' >"$opts/argv-restore"

echo "seeds.sh: $(ls "$load" | wc -l) loader, $(ls "$back" | wc -l) backup," \
	"$(ls "$opts" | wc -l) options seeds in $out"
