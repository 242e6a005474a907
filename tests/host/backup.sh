#!/bin/bash
# SPDX-License-Identifier: MIT
# Backups and restores, judged by sgdisk: the file --apply saves is what
# sgdisk --backup saves and sgdisk --load-backup puts the original back;
# sgdisk's backup restores through gptrim --restore; foreign backups are
# refused with the image untouched; an earlier backup is never replaced.
# shellcheck source=tests/host/lib.sh
. "$(dirname "$0")/lib.sh"

# A WS2019 image with marks in $1/disk.img and a pristine copy orig.img.
setup() {
	mkdir -p "$1"
	mk_ws2019 "$1/disk.img" || flunk "fixture"
	$CHECK marks "$1/disk.img" --bs 512 >&2 || flunk "marks"
	cp --sparse=always "$1/disk.img" "$1/orig.img"
}
digest() { $CHECK digest "$1"; }
nfiles() { find "$1" -maxdepth 1 -name "$2" | wc -l; }

begin "backup of --apply: same bytes as sgdisk --backup; sgdisk --load-backup restores the original"
d=$WORK/saved; setup "$d"
sg --backup="$d/sgdisk.gpt" "$d/orig.img"
run_gptrim 0 --apply "$d/disk.img"
out_has "Backup saved to $d/disk.img."
f=$(ls "$d"/disk.img.*.gpt 2>/dev/null)
[ "$(echo "$f" | wc -l)" = 1 ] && [ -s "$f" ] || flunk "one backup file"
guid=$(sgdisk -p "$d/orig.img" | sed -n 's/^Disk identifier (GUID): //p')
[ "$f" = "$d/disk.img.$guid.gpt" ] || flunk "backup named IMAGE.DISK-GUID.gpt"
expect "identical to sgdisk --backup" cmp "$d/sgdisk.gpt" "$f"
expect "sgdisk --load-backup accepts it" sg --load-backup="$f" "$d/disk.img"
[ "$(digest "$d/disk.img")" = "$(digest "$d/orig.img")" ] ||
	flunk "the image is not the original again"
end

begin "sgdisk --backup restores through gptrim --apply --restore"
d=$WORK/restore; setup "$d"
sg --backup="$d/sgdisk.gpt" "$d/orig.img"
run_gptrim 0 --apply "$d/disk.img"
first=$(ls "$d"/disk.img.*.gpt)
first_sum=$(digest "$first")
run_gptrim 0 --apply --restore "$d/sgdisk.gpt" "$d/disk.img"
expect "sgdisk -v clean" sgdisk_clean "$d/disk.img"
[ "$(digest "$d/disk.img")" = "$(digest "$d/orig.img")" ] ||
	flunk "the image is not the original again"
# The restore saved the table it replaced, under a new name.
[ "$(nfiles "$d" 'disk.img.*.gpt')" = 2 ] ||
	flunk "restore did not save the replaced table as a second file"
[ "$(digest "$first")" = "$first_sum" ] || flunk "first backup changed"
ls "$d"/disk.img.*.1.gpt >/dev/null 2>&1 || flunk "second file is NAME.1.gpt"
# Same table again, but the newest backup (.1) holds another one: a third
# file one version above, so that the highest version is the newest and
# --undo takes it; the first two unchanged.
run_gptrim 0 --apply "$d/disk.img"
[ "$(nfiles "$d" 'disk.img.*.gpt')" = 3 ] || flunk "no third backup file"
ls "$d"/disk.img.*.2.gpt >/dev/null 2>&1 || flunk "third file is NAME.2.gpt"
[ "$(digest "$first")" = "$first_sum" ] || flunk "first backup changed"
# The newest backup holds the same table already: kept, no fourth file.
cp --sparse=always "$d/orig.img" "$d/disk.img"
run_gptrim 0 --apply "$d/disk.img"
out_has "already saved"
[ "$(nfiles "$d" 'disk.img.*.gpt')" = 3 ] || flunk "a fourth backup file"
end

begin "--restore with --disk N picks one of several images"
d=$WORK/pick; setup "$d"
sg --backup="$d/sgdisk.gpt" "$d/orig.img"
cp --sparse=always "$d/disk.img" "$d/other.img"
run_gptrim 0 --apply --no-backup "$d/disk.img" "$d/other.img"
s=$(sum_of "$d/other.img")
run_gptrim 0 --apply --no-backup --restore "$d/sgdisk.gpt" --disk 1 \
	"$d/disk.img" "$d/other.img"
[ "$(digest "$d/disk.img")" = "$(digest "$d/orig.img")" ] ||
	flunk "disk 1 is not the original again"
unchanged "$d/other.img" "$s"
end

begin "restore onto a blank disk of the same size"
d=$WORK/blank; setup "$d"
sg --backup="$d/sgdisk.gpt" "$d/orig.img"
rm "$d/disk.img"; truncate -s 1G "$d/disk.img"
run_gptrim 0 --apply --restore "$d/sgdisk.gpt" "$d/disk.img"
expect "sgdisk -v clean" sgdisk_clean "$d/disk.img"
sg --backup="$d/after.gpt" "$d/disk.img"
expect "the same table as the original" cmp "$d/sgdisk.gpt" "$d/after.gpt"
[ "$(nfiles "$d" 'disk.img.*.gpt')" = 0 ] ||
	flunk "a backup of a disk without GPT was saved"
end

begin "--backup-dir and --no-backup"
d=$WORK/dirs; setup "$d"
mkdir -p "$d/keep"
cp --sparse=always "$d/disk.img" "$d/other.img"
run_gptrim 0 --apply --backup-dir "$d/keep" "$d/disk.img"
[ "$(nfiles "$d/keep" 'disk.img.*.gpt')" = 1 ] || flunk "no file in DIR"
[ "$(nfiles "$d" '*.gpt')" = 0 ] || flunk "a file beside the image"
run_gptrim 0 --apply --no-backup "$d/other.img"
[ "$(nfiles "$d" '*.gpt')" = 0 ] || flunk "--no-backup saved a file"
judge_removed "$d/orig.img" "$d/other.img" 512 1
end

begin "backup cannot be saved: exit 5, disk not changed"
d=$WORK/nosave; setup "$d"
s=$(sum_of "$d/disk.img")
run_gptrim 5 --apply --backup-dir /proc "$d/disk.img"
out_has "Backup failed"
unchanged "$d/disk.img" "$s"
run_gptrim 2 --apply --backup-dir "$d/missing" "$d/disk.img"
unchanged "$d/disk.img" "$s"
end

# refuse_restore NAME FILE RC WORD: restoring FILE onto a fresh copy of the
# WS2019 image exits RC, says WORD and changes nothing.
d=$WORK/refuse; setup "$d"
refuse_restore() {
	local s
	begin "restore refused: $1"
	s=$(sum_of "$d/disk.img")
	run_gptrim "$3" --apply --restore "$2" "$d/disk.img"
	out_has "$4"
	unchanged "$d/disk.img" "$s"
	end
	rm -f "$d"/disk.img.*.gpt
}
# Another disk: the same layout made afresh has other GUIDs.
raw_ws2019 "$d/another.img" && sg --backup="$d/another.gpt" "$d/another.img"
refuse_restore "backup of another disk (disk GUID)" "$d/another.gpt" 4 \
	"this disk is"
mk_ws2019 "$d/bigger.img" 2G && sg --backup="$d/bigger.gpt" "$d/bigger.img"
refuse_restore "backup of a disk of another size" "$d/bigger.gpt" 4 "sector"
if have_loop; then
	truncate -s 1G "$d/4k.img"
	if loop_attach "$d/4k.img" 4096; then
		raw_ws2019 "$LOOP" && sg --backup="$d/4k.gpt" "$LOOP"
		loop_detach "$LOOP"
	fi
	refuse_restore "backup of a 4Kn disk" "$d/4k.gpt" 4 "sector"
else
	skip "restore refused: backup of a 4Kn disk" "needs loop devices"
fi
sg --backup="$d/good.gpt" "$d/orig.img"
head -c 1000 "$d/good.gpt" > "$d/short.gpt"
refuse_restore "truncated backup file" "$d/short.gpt" 4 "bytes"
head -c 17919 "$d/good.gpt" > "$d/short2.gpt"
refuse_restore "backup file one byte short" "$d/short2.gpt" 4 "bytes"
: > "$d/empty.gpt"
refuse_restore "empty backup file" "$d/empty.gpt" 4 "bytes"
cp "$d/good.gpt" "$d/crc.gpt"
printf 'X' | dd of="$d/crc.gpt" bs=1 seek=2000 conv=notrunc 2>/dev/null
refuse_restore "backup file with a damaged entry array" "$d/crc.gpt" 4 "CRC"
# 0x55AA but no 0xEE record: the firmware and Linux would ignore the GPT
# written with it, so the restore refuses it (the loader's rules).
cp "$d/good.gpt" "$d/noee.gpt"
dd if=/dev/zero of="$d/noee.gpt" bs=1 seek=446 count=64 conv=notrunc \
	2>/dev/null
refuse_restore "backup file whose MBR has 0x55AA but no 0xEE record" \
	"$d/noee.gpt" 4 "0xEE"
truncate -s 5M "$d/huge.gpt"
refuse_restore "backup file larger than any GPT" "$d/huge.gpt" 4 "larger"
refuse_restore "backup file that does not exist" "$d/nope.gpt" 2 "nope.gpt"
refuse_restore "backup file that is a directory" "$d" 2 "not a regular file"

begin "a refused restore saves no backup (nothing was going to be written)"
run_gptrim 4 --apply --restore "$d/another.gpt" "$d/disk.img"
[ "$(nfiles "$d" 'disk.img.*.gpt')" = 0 ] ||
	flunk "backup saved before the restore was found to be foreign"
case $OUT in
*"Backup saved"*"restore refused"*)
	flunk "report says 'Backup saved' and then 'restore refused'" ;;
esac
end

finish
