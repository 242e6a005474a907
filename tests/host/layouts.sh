#!/bin/bash
# SPDX-License-Identifier: MIT
# Windows layouts and disk selection on 512-byte image files: report only
# writes nothing, --apply removes exactly the recovery entries (judged by
# sgdisk, sfdisk and gptcheck.py), a second run writes nothing.
# shellcheck source=tests/host/lib.sh
. "$(dirname "$0")/lib.sh"

# One layout, start to finish. $1 name, $2 maker, $3 entries removed.
layout_case() {
	local name=$1 maker=$2 nums=$3 d="$WORK/$1" img s n
	n=$(echo "$nums" | tr ',' '\n' | wc -l)
	mkdir -p "$d"
	img=$d/disk.img
	begin "$name: report, --apply, judge, second --apply"
	$maker "$img" || flunk "sgdisk could not make the fixture"
	$CHECK marks "$img" --bs 512 >&2 || flunk "marks"
	cp --sparse=always "$img" "$d/orig.img"
	s=$(sum_of "$img")
	run_gptrim 1 "$img"
	out_has "would remove $n"
	unchanged "$img" "$s"
	no_backup_saved "$d" "by the report"
	run_gptrim 0 --apply "$img"
	out_has "removed $n, healthy"
	judge_removed "$d/orig.img" "$img" 512 "$nums"
	[ "$(ls "$d"/disk.img.*.gpt 2>/dev/null | wc -l)" = 1 ] ||
		flunk "expected one backup file disk.img.GUID.gpt"
	s=$(sum_of "$img")
	run_gptrim 0 --apply "$img"
	out_has "removed 0, healthy"
	unchanged "$img" "$s"
	[ "$(ls "$d"/*.gpt | wc -l)" = 1 ] ||
		flunk "the second run saved another backup"
	end
}

layout_case ws2019 mk_ws2019 1
layout_case ws2022 mk_ws2022 4
layout_case two-recovery mk_two_re 1,5

begin "no recovery partition: exit 0, not one byte written"
d=$WORK/none; mkdir -p "$d"
mk_no_re "$d/disk.img" || flunk "fixture"
s=$(sum_of "$d/disk.img")
run_gptrim 0 "$d/disk.img"
out_has "Nothing to remove"
out_has "nothing to remove, healthy"
case $OUT in *"removed 0"*) flunk "report only says 'removed 0'" ;; esac
apply_writes_nothing 0 "$d/disk.img" "$s"
end

begin "ESP with a FAT file system: the file reads back the same"
d=$WORK/fat; mkdir -p "$d"
mk_ws2019 "$d/disk.img" || flunk "fixture"
esp=$((1024000 * 512))
head -c 100000 /dev/urandom > "$d/payload"
if mformat -i "$d/disk.img@@$esp" -F :: >&2 &&
	mmd -i "$d/disk.img@@$esp" ::/EFI ::/EFI/Microsoft >&2 &&
	mcopy -i "$d/disk.img@@$esp" "$d/payload" ::/EFI/Microsoft/bootmgfw.efi >&2; then
	cp --sparse=always "$d/disk.img" "$d/orig.img"
	run_gptrim 0 --apply "$d/disk.img"
	judge_removed "$d/orig.img" "$d/disk.img" 512 1
	mcopy -i "$d/disk.img@@$esp" ::/EFI/Microsoft/bootmgfw.efi "$d/back" >&2
	expect "the ESP file is intact" cmp "$d/payload" "$d/back"
else
	flunk "mtools could not make the ESP"
fi
end

begin "--type: another type, and several types"
d=$WORK/types; mkdir -p "$d"
# C: as a Linux swap partition: a type --type may name.
SWAP=0657FD6D-A4AB-43C4-84E5-0933C84B4F4F
mk_ws2019 "$d/a.img" && sg -t4:8200 "$d/a.img" &&
	cp --sparse=always "$d/a.img" "$d/a.orig" || flunk "fixture"
cp --sparse=always "$d/a.img" "$d/b.img"
run_gptrim 0 --apply --type "$SWAP" "$d/a.img"
judge_removed "$d/a.orig" "$d/a.img" 512 4
run_gptrim 0 --apply --type "${SWAP,,}" --type="{$RE}" "$d/b.img"
judge_removed "$d/a.orig" "$d/b.img" 512 1,4
end

begin "several disks: worst status wins, --disk picks by position"
d=$WORK/multi; mkdir -p "$d"
mk_no_re "$d/a.img" && mk_ws2019 "$d/b.img" && mk_ws2022 "$d/c.img" ||
	flunk "fixture"
cp --sparse=always "$d/c.img" "$d/c.orig"
sa=$(sum_of "$d/a.img") sb=$(sum_of "$d/b.img")
run_gptrim 1 "$d/a.img" "$d/b.img" "$d/c.img"
out_has "gptrim: disk 1 $d/a.img: nothing to remove, healthy"
out_has "gptrim: disk 2 $d/b.img: would remove 1"
out_has "gptrim: disk 3 $d/c.img: would remove 1"
run_gptrim 0 --apply --disk 3 --disk=1 "$d/a.img" "$d/b.img" "$d/c.img"
unchanged "$d/a.img" "$sa"
unchanged "$d/b.img" "$sb"
case $OUT in *"disk 2 "*) flunk "disk 2 was looked at" ;; esac
judge_removed "$d/c.orig" "$d/c.img" 512 4
end

begin "VMware -flat.vmdk is a raw disk"
d=$WORK/vmdk; mkdir -p "$d"
mk_ws2019 "$d/ws2019-flat.vmdk" || flunk "fixture"
cp --sparse=always "$d/ws2019-flat.vmdk" "$d/orig.img"
run_gptrim 0 --apply "$d/ws2019-flat.vmdk"
judge_removed "$d/orig.img" "$d/ws2019-flat.vmdk" 512 1
ls "$d"/ws2019-flat.vmdk.*.gpt >/dev/null 2>&1 ||
	flunk "no backup named after the vmdk"
end

begin "MBR-only disk: exit 3, unchanged"
d=$WORK/mbr; mkdir -p "$d"
truncate -s 256M "$d/disk.img"
printf 'label: dos\n,100M,7\n,,83\n' | sfdisk "$d/disk.img" >&2 ||
	flunk "sfdisk could not make the fixture"
s=$(sum_of "$d/disk.img")
run_gptrim 3 "$d/disk.img"
apply_writes_nothing 3 "$d/disk.img" "$s"
end

begin "blank disk: exit 3, unchanged"
d=$WORK/blank; mkdir -p "$d"
truncate -s 64M "$d/disk.img"
s=$(sum_of "$d/disk.img")
apply_writes_nothing 3 "$d/disk.img" "$s"
end

begin "hybrid MBR: reported, MBR kept as it is"
d=$WORK/hybrid; mkdir -p "$d"
mk_ws2019 "$d/disk.img" && sg -h 2 "$d/disk.img" || flunk "fixture"
cp --sparse=always "$d/disk.img" "$d/orig.img"
run_gptrim 1 "$d/disk.img"
out_has "hybrid"
run_gptrim 0 --apply "$d/disk.img"
expect "LBA 0 unchanged" cmp -n 512 "$d/orig.img" "$d/disk.img"
judge_removed "$d/orig.img" "$d/disk.img" 512 1
end

begin "report only opens read-only (immutable image)"
d=$WORK/ro; mkdir -p "$d"
mk_ws2019 "$d/disk.img" || flunk "fixture"
if chattr +i "$d/disk.img" 2>/dev/null; then
	s=$(sum_of "$d/disk.img")
	run_gptrim 1 "$d/disk.img"
	run_gptrim 2 --apply "$d/disk.img"
	out_has "for writing"
	chattr -i "$d/disk.img"
	unchanged "$d/disk.img" "$s"
	end
else
	skip "report only opens read-only" "chattr +i not supported here"
fi

finish
