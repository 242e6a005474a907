# SPDX-License-Identifier: MIT
# Disk images for the end-to-end suite and `make demo`, made with independent
# tools (truncate, sgdisk, sfdisk, mkfs.vfat, mtools, dd). Sourced by sh.
#
#   fx_ws2019 IMG BS     Recovery 499M, ESP 99M, MSR 16M, C: (Setup's layout)
#   fx_ws2022 IMG BS     ESP 100M, MSR 16M, C:, Recovery 499M last
#   fx_tworec IMG BS     WS2019 plus a second recovery partition after C:
#   fx_grown IMG BS      WS2019, then the image grown by 64 MiB (its last MiB
#                        random, as if the space had been used before)
#   fx_data IMG BS       one "Basic data partition" (a data disk)
#   fx_mbr IMG           MBR label, one NTFS partition
#   fx_blank IMG         all zeros
#   fx_sgdisk IMG BS ARGS...   sgdisk on the image (4Kn: through a loop
#                        device with 4096-byte blocks, detached afterwards)
#   fx_sfdisk_json IMG BS      its table as sfdisk --json prints it
#   fx_esp IMG BS        "START END" byte range of the ESP
# Every image is 1 GiB and sparse; every partition starts (and C: ends) with
# 64 KiB of random bytes, and the ESP holds \EFI\Microsoft\Boot\BCD (random),
# so a write in the wrong place shows in a byte comparison.

FX_SIZE=${FX_SIZE:-1G}
FX_LOCK=${FX_LOCK:-${TMPDIR:-/tmp}/gptrim-fx.lock}
WINRE=DE94BBA4-06D1-4D40-A16A-BFD50179D6AC
ESP_TYPE=C12A7328-F81F-11D2-BA4B-00A0C93EC93B

# fx_sgdisk IMG BS ARGS...: sgdisk on the image with the right sector size.
fx_sgdisk() {
	_img=$1 _bs=$2
	shift 2
	if [ "$_bs" = 512 ]; then
		sgdisk "$@" "$_img"
		return
	fi
	_d=$(flock "$FX_LOCK" losetup -f --show -b "$_bs" "$_img") || return 1
	_rc=0
	sgdisk "$@" "$_d" || _rc=$?
	losetup -d "$_d"
	return $_rc
}

# fx_sfdisk_json IMG BS: the table as sfdisk --json prints it.
fx_sfdisk_json() {
	if [ "$2" = 512 ]; then
		sfdisk --json "$1"
		return
	fi
	_d=$(flock "$FX_LOCK" losetup -f --show -b "$2" "$1") || return 1
	_rc=0
	sfdisk --json "$_d" || _rc=$?
	losetup -d "$_d"
	return $_rc
}

# fx_part IMG BS N: "START END" of partition N in bytes (END exclusive).
fx_part() {
	fx_sgdisk "$1" "$2" -i "$3" | awk -v bs="$2" '
		/^First sector:/ { s = $3 }
		/^Last sector:/ { e = $3 }
		END { if (s == "") exit 1; printf "%d %d\n", s * bs, (e + 1) * bs }'
}

# fx_esp IMG BS: the ESP's byte range, found by type.
fx_esp() {
	fx_sfdisk_json "$1" "$2" | python3 -c '
import json, sys
t = json.load(sys.stdin)["partitiontable"]
for p in t["partitions"]:
    if p["type"].upper() == sys.argv[1]:
        bs = t["sectorsize"]
        print(p["start"] * bs, (p["start"] + p["size"]) * bs)
        break
else:
    sys.exit(1)' "$ESP_TYPE"
}

# fx_mark IMG OFFSET: 64 KiB of random bytes at OFFSET.
fx_mark() {
	dd if=/dev/urandom of="$1" bs=65536 count=1 seek="$2" \
		oflag=seek_bytes conv=notrunc status=none
}

# fx_mark_parts IMG BS N...: mark the start of each partition N.
fx_mark_parts() {
	_img=$1 _bs=$2
	shift 2
	for _n in "$@"; do
		set -- $(fx_part "$_img" "$_bs" "$_n")
		fx_mark "$_img" "$1"
	done
}

# fx_format_esp IMG BS N: a FAT file system (as Windows makes it: FAT32
# where the size allows) in partition N with \EFI\Microsoft\Boot\BCD.
fx_format_esp() {
	_img=$1 _bs=$2
	set -- $(fx_part "$_img" "$_bs" "$3")
	_start=$1 _end=$2
	_fat=$_img.esp
	rm -f "$_fat"
	_kib=$(( (_end - _start) / 1024 ))
	if [ "$_bs" = 512 ]; then
		mkfs.vfat -F 32 -n SYSTEM -C "$_fat" "$_kib" >/dev/null
	else
		mkfs.vfat -S "$_bs" -n SYSTEM -C "$_fat" "$_kib" >/dev/null
	fi
	mmd -i "$_fat" ::/EFI ::/EFI/Microsoft ::/EFI/Microsoft/Boot
	head -c 20000 /dev/urandom >"$_fat.bcd"
	mcopy -i "$_fat" "$_fat.bcd" ::/EFI/Microsoft/Boot/BCD
	dd if="$_fat" of="$_img" bs=1M seek="$_start" oflag=seek_bytes \
		conv=notrunc,sparse status=none
	rm -f "$_fat" "$_fat.bcd"
}

fx_new() {
	rm -f "$1"
	truncate -s "$FX_SIZE" "$1"
}

# fx_recovery_first IMG BS REC-SIZE C-END [SGDISK-ARGS...]: Setup's layout
# (Recovery REC-SIZE, ESP 99M, MSR 16M, C: ending at C-END, sgdisk's -n
# form) and SGDISK-ARGS after it; the ESP formatted.
fx_recovery_first() {
	_img=$1 _bs=$2 _rec=$3 _cend=$4
	shift 4
	fx_new "$_img"
	fx_sgdisk "$_img" "$_bs" -o \
		-n 1:0:+"$_rec" -t 1:2700 -c 1:"Basic data partition" \
		-A 1:set:0 -A 1:set:63 \
		-n 2:0:+99M -t 2:ef00 -c 2:"EFI system partition" -A 2:set:63 \
		-n 3:0:+16M -t 3:0c01 -c 3:"Microsoft reserved partition" \
		-n 4:0:"$_cend" -t 4:0700 -c 4:"Basic data partition" "$@" \
		>/dev/null || return 1
	fx_format_esp "$_img" "$_bs" 2
}

fx_ws2019() {
	fx_recovery_first "$1" "$2" 499M 0 || return 1
	fx_mark_parts "$1" "$2" 1 3 4
	set -- "$1" "$2" $(fx_part "$1" "$2" 4)
	fx_mark "$1" $(($4 - 65536))
}

fx_ws2022() {
	fx_new "$1"
	fx_sgdisk "$1" "$2" -o \
		-n 1:0:+100M -t 1:ef00 -c 1:"EFI system partition" -A 1:set:63 \
		-n 2:0:+16M -t 2:0c01 -c 2:"Microsoft reserved partition" \
		-n 3:0:-499M -t 3:0700 -c 3:"Basic data partition" \
		-n 4:0:0 -t 4:2700 -c 4:"" -A 4:set:0 -A 4:set:63 >/dev/null || return 1
	fx_format_esp "$1" "$2" 1
	fx_mark_parts "$1" "$2" 2 3 4
}

fx_tworec() {
	fx_recovery_first "$1" "$2" 300M -300M \
		-n 5:0:0 -t 5:2700 -A 5:set:0 -A 5:set:63 || return 1
	fx_mark_parts "$1" "$2" 1 3 4 5
}

fx_grown() {
	fx_ws2019 "$1" "$2" || return 1
	truncate -s +64M "$1"
	# Old data where the moved backup GPT will go: it must be rewritten
	# whole, not just the blocks that differ from zeros.
	dd if=/dev/urandom of="$1" bs=1M count=1 \
		seek=$(( $(stat -c %s "$1") / 1048576 - 1 )) conv=notrunc status=none
}

fx_data() {
	fx_new "$1"
	fx_sgdisk "$1" "$2" -o -n 1:0:0 -t 1:0700 -c 1:"Basic data partition" \
		>/dev/null || return 1
	fx_mark_parts "$1" "$2" 1
}

fx_mbr() {
	fx_new "$1"
	printf 'label: dos\nstart=2048, type=7\n' | sfdisk -q "$1" >/dev/null ||
		return 1
	fx_mark "$1" $((2048 * 512))
}

fx_blank() {
	fx_new "$1"
}
