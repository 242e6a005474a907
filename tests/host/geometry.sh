#!/bin/bash
# SPDX-License-Identifier: MIT
# Sector sizes, sizes and containers: 4Kn and 2048-byte sectors (made by
# sgdisk through loop devices), a 3 TiB sparse disk, a grown disk, fixed
# VHDs (footer untouched), and VHD footers that must be refused.
# shellcheck source=tests/host/lib.sh
. "$(dirname "$0")/lib.sh"

# An image with the WS2019 layout and BS-byte sectors, made by sgdisk on
# a loop device with that sector size.
mk_ws2019_bs() {
	local img=$1 bs=$2
	truncate -s 1G "$img"
	loop_attach "$img" "$bs" || return 1
	raw_ws2019 "$LOOP"
	local rc=$?
	loop_detach "$LOOP"
	return $rc
}

sector_case() {
	local bs=$1 d=$WORK/bs$1 s
	mkdir -p "$d"
	begin "$bs-byte sectors (image file, --sector-size $bs)"
	mk_ws2019_bs "$d/disk.img" "$bs" || flunk "sgdisk on a loop device"
	$CHECK marks "$d/disk.img" --bs "$bs" >&2 || flunk "marks"
	cp --sparse=always "$d/disk.img" "$d/orig.img"
	s=$(sum_of "$d/disk.img")
	# Read as 512-byte sectors there is no GPT where it should be: a
	# usage error naming the option, before anything is read further.
	run_gptrim 2 --apply "$d/disk.img"
	out_has "give --sector-size $bs"
	run_gptrim 1 --sector-size "$bs" "$d/disk.img"
	out_has "of $bs bytes"
	unchanged "$d/disk.img" "$s"
	run_gptrim 0 --apply --sector-size="$bs" "$d/disk.img"
	judge_removed "$d/orig.img" "$d/disk.img" "$bs" 1
	# The reverse: a 512-byte image read with these sectors.
	mk_ws2019 "$d/512.img" || flunk "fixture"
	s=$(sum_of "$d/512.img")
	run_gptrim 2 --sector-size "$bs" "$d/512.img"
	out_has "give --sector-size 512"
	unchanged "$d/512.img" "$s"
	rm -f "$d/512.img"
	# The backup is sgdisk's format at this sector size too, and
	# sgdisk's backup restores through gptrim.
	if loop_attach "$d/orig.img" "$bs"; then
		sg --backup="$d/sgdisk.gpt" "$LOOP"
		loop_detach "$LOOP"
	fi
	expect "backup identical to sgdisk --backup" \
		cmp "$d/sgdisk.gpt" "$(ls "$d"/disk.img.*.gpt)"
	run_gptrim 0 --apply --no-backup --sector-size "$bs" \
		--restore "$d/sgdisk.gpt" "$d/disk.img"
	[ "$($CHECK digest "$d/disk.img")" = \
	  "$($CHECK digest "$d/orig.img")" ] ||
		flunk "the restore does not give back the original"
	end
}

if have_loop; then
	sector_case 4096
	sector_case 2048

	begin "4Kn block device (loop, BLKSSZGET)"
	d=$WORK/loop4k; mkdir -p "$d"
	mk_ws2019_bs "$d/disk.img" 4096 || flunk "sgdisk on a loop device"
	cp --sparse=always "$d/disk.img" "$d/orig.img"
	if loop_attach "$d/disk.img" 4096; then
		dev=$LOOP
		s=$(sum_of "$d/disk.img")
		run_gptrim 2 --apply "$dev"
		out_has "--backup-dir"
		run_gptrim 2 --sector-size 512 "$dev"
		unchanged "$d/disk.img" "$s"
		run_gptrim 0 --apply --backup-dir "$d" "$dev"
		ls "$d"/"$(basename "$dev")".*.gpt >/dev/null 2>&1 ||
			flunk "no backup in --backup-dir"
		loop_detach "$dev"
		judge_removed "$d/orig.img" "$d/disk.img" 4096 1
	else
		flunk "losetup"
	fi
	end
else
	skip "4096-byte sectors" "needs root and loop devices"
	skip "2048-byte sectors" "needs root and loop devices"
	skip "4Kn block device" "needs root and loop devices"
fi

begin "3 TiB sparse disk (LBAs above 2^32)"
d=$WORK/big; mkdir -p "$d"
mk_ws2019 "$d/disk.img" 3T || flunk "fixture"
$CHECK marks "$d/disk.img" --bs 512 >&2
cp --sparse=always "$d/disk.img" "$d/orig.img"
run_gptrim 1 "$d/disk.img"
out_has "3.0 TiB"
run_gptrim 0 --apply "$d/disk.img"
judge_removed "$d/orig.img" "$d/disk.img" 512 1
end

begin "grown disk: backup moved to the end, report says so"
d=$WORK/grown; mkdir -p "$d"
mk_ws2019 "$d/disk.img" || flunk "fixture"
$CHECK marks "$d/disk.img" --bs 512 >&2
truncate -s 1536M "$d/disk.img"
cp --sparse=always "$d/disk.img" "$d/orig.img"
expect_not "precondition: sgdisk -v sees the misplaced backup" \
	sgdisk_clean "$d/disk.img"
run_gptrim 1 "$d/disk.img"
out_has "grown disk): the change moves it to the end"
run_gptrim 0 --apply "$d/disk.img"
out_has "Moved the backup GPT from LBA 2097151 to 3145727"
judge_removed "$d/orig.img" "$d/disk.img" 512 1 --grown
p=$(sgdisk -p "$d/disk.img" 2>&1)
case $p in
*"last usable sector is 3145694"*) ;;
*) flunk "sgdisk -p: LastUsableLBA is not 3145694" ;;
esac
end

begin "grown disk with nothing to remove: says it stays, and it does"
d=$WORK/grown-none; mkdir -p "$d"
mk_no_re "$d/disk.img" || flunk "fixture"
truncate -s 1536M "$d/disk.img"
s=$(sum_of "$d/disk.img")
run_gptrim 0 --apply "$d/disk.img"
out_has "nothing to change, so it stays there"
case $OUT in *"will move"* | *"moves it"*) flunk "announces a move" ;; esac
unchanged "$d/disk.img" "$s"
end

# A fixed VHD: the disk, then a 512-byte footer that must stay as it is.
# judge_vhd VHD ORIG-RAW: gptrim ran on VHD; judge the disk part.
judge_vhd() {
	local vhd=$1 orig=$2 raw=$WORK/vhd-disk.img
	cp --sparse=always "$vhd" "$raw"
	truncate -s -512 "$raw"
	judge_removed "$orig" "$raw" 512 1
	rm -f "$raw"
}

begin "fixed VHD (footer written by gptcheck.py): footer untouched"
d=$WORK/vhd; mkdir -p "$d"
mk_ws2019 "$d/orig.img" || flunk "fixture"
$CHECK marks "$d/orig.img" --bs 512 >&2
cp --sparse=always "$d/orig.img" "$d/disk.vhd"
$CHECK vhd-footer "$d/disk.vhd" --type 2 >&2 || flunk "footer"
tail -c 512 "$d/disk.vhd" > "$d/footer"
run_gptrim 1 "$d/disk.vhd"
out_has "2097152 sectors"
run_gptrim 0 --apply "$d/disk.vhd"
expect "footer bytes unchanged" cmp "$d/footer" <(tail -c 512 "$d/disk.vhd")
judge_vhd "$d/disk.vhd" "$d/orig.img"
end

if command -v qemu-img >/dev/null; then
	begin "fixed VHD made by qemu-img"
	d=$WORK/qvhd; mkdir -p "$d"
	mk_ws2019 "$d/orig.img" || flunk "fixture"
	qemu-img convert -f raw -O vpc -o subformat=fixed,force_size=on \
		"$d/orig.img" "$d/disk.vhd" >&2 || flunk "qemu-img convert"
	tail -c 512 "$d/disk.vhd" > "$d/footer"
	run_gptrim 0 --apply "$d/disk.vhd"
	expect "footer bytes unchanged" cmp "$d/footer" \
		<(tail -c 512 "$d/disk.vhd")
	qemu-img convert -f vpc -O raw "$d/disk.vhd" "$d/back.img" >&2 ||
		flunk "qemu-img reads the VHD back"
	judge_removed "$d/orig.img" "$d/back.img" 512 1
	end
else
	skip "fixed VHD made by qemu-img" "qemu-img not installed"
fi

# refuse NAME FILE WORD [RC]: gptrim refuses FILE, says WORD, changes
# nothing; RC 2 (a container: the file to give is another) unless given.
refuse() {
	local s
	begin "refused: $1"
	s=$(sum_of "$2")
	run_gptrim "${4:-2}" --apply "$2"
	out_has "$3"
	unchanged "$2" "$s"
	end
}
d=$WORK/refuse; mkdir -p "$d"
mk_ws2019 "$d/dyn.vhd" && $CHECK vhd-footer "$d/dyn.vhd" --type 3 >&2
refuse "VHD footer saying dynamic" "$d/dyn.vhd" "dynamic VHD"
mk_ws2019 "$d/diff.vhd" && $CHECK vhd-footer "$d/diff.vhd" --type 4 >&2
refuse "VHD footer saying differencing" "$d/diff.vhd" "differencing VHD"
mk_ws2019 "$d/bad.vhd" && $CHECK vhd-footer "$d/bad.vhd" --type 2 >&2
printf '\377' | dd of="$d/bad.vhd" bs=1 seek=$(( (1 << 30) + 100 )) \
	conv=notrunc 2>/dev/null
refuse "VHD footer with a bad checksum" "$d/bad.vhd" "bad checksum" 4
# Real containers (dynamic VHD, VHDX, qcow2, VMDK) are opened through
# QEMU, not refused: tests/host/containers.sh.

finish
