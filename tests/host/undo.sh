#!/bin/bash
# SPDX-License-Identifier: MIT
# --undo: fix with --apply --backup-dir D, then --apply --undo --backup-dir
# D gives back the original image byte for byte (WS2019, WS2022, two
# recovery entries, a grown disk, 4Kn), judged by cmp, sgdisk -v and
# tests/host/gptcheck.py; the table the undo replaced was saved first and
# restores the fix; a second undo, a disk without a backup and a table
# changed by sgdisk after the fix are refused (exit 4, nothing written).
# Fixtures by sgdisk (through loop devices for 4Kn), never by gptrim.
# shellcheck source=tests/host/lib.sh
. "$(dirname "$0")/lib.sh"

# mk_bs MAKER IMG BS: MAKER's layout on IMG with BS-byte sectors.
mk_bs() {
	local maker=$1 img=$2 bs=$3 rc
	if [ "$bs" = 512 ]; then
		"$maker" "$img"
		return
	fi
	truncate -s 1G "$img"
	loop_attach "$img" "$bs" || return 1
	"$maker" "$LOOP"
	rc=$?
	loop_detach "$LOOP"
	return $rc
}
digest() { $CHECK digest "$1"; }
nfiles() { find "$1" -maxdepth 1 -name '*.gpt' | wc -l; }
newest() { ls "$1"/*.1.gpt; }

# undo_case NAME BS MAKER REMOVED: fix, undo, judge; then a second undo.
undo_case() {
	local name=$1 bs=$2 maker=$3 removed=$4 d=$WORK/undo-$1-$2 s fixed
	begin "fix then --undo: $name ($bs-byte sectors) is the original again"
	mkdir -p "$d/bk"
	mk_bs "$maker" "$d/orig.img" "$bs" || flunk "fixture"
	$CHECK marks "$d/orig.img" --bs "$bs" >&2 || flunk "marks"
	case $name in
	grown*) truncate -s +512M "$d/orig.img" ;;
	esac
	cp --sparse=always "$d/orig.img" "$d/disk.img"
	run_gptrim 0 --apply --sector-size "$bs" --backup-dir "$d/bk" \
		"$d/disk.img"
	out_has "removed $removed, healthy"
	fixed=$(digest "$d/disk.img")
	# Report only: what would be restored, exit 1, nothing written.
	s=$(sum_of "$d/disk.img")
	run_gptrim 1 --undo --sector-size "$bs" --backup-dir "$d/bk" \
		"$d/disk.img"
	out_has "would restore $removed (report only)"
	unchanged "$d/disk.img" "$s"
	run_gptrim 0 --apply --undo --sector-size "$bs" --backup-dir "$d/bk" \
		"$d/disk.img"
	if [ "$removed" = 1 ]; then
		out_has "undone: restored 1 entry, healthy"
	else
		out_has "undone: restored $removed entries, healthy"
	fi
	out_has "gptrim: undo: restored 1 of 1 disk"
	[ "$(digest "$d/disk.img")" = "$(digest "$d/orig.img")" ] ||
		flunk "the image is not the original byte for byte"
	expect "every byte outside the GPT areas unchanged" \
		$CHECK outside "$d/orig.img" "$d/disk.img" --bs "$bs"
	[ "$(nfiles "$d/bk")" = 2 ] ||
		flunk "the undo did not save the table it replaced"
	# A second undo: the newest backup is the fixed table; refused.
	s=$(sum_of "$d/disk.img")
	run_gptrim 4 --apply --undo --sector-size "$bs" --backup-dir "$d/bk" \
		"$d/disk.img"
	out_has "already undone"
	out_has "gptrim: undo: restored 0 of 1 disk"
	unchanged "$d/disk.img" "$s"
	[ "$(nfiles "$d/bk")" = 2 ] || flunk "the refused undo saved a backup"
	# The undo's own backup redoes the fix.
	run_gptrim 0 --apply --sector-size "$bs" --backup-dir "$d/bk" \
		--restore "$(newest "$d/bk")" "$d/disk.img"
	[ "$(digest "$d/disk.img")" = "$fixed" ] ||
		flunk "restoring the undo's backup does not give the fixed table"
	end
	rm -rf "$d"
}

undo_case ws2019 512 raw_ws2019 1
undo_case ws2022 512 raw_ws2022 1
undo_case two-recovery 512 raw_two_re 2
undo_case grown 512 raw_ws2019 1
if have_loop; then
	undo_case ws2019 4096 raw_ws2019 1
	undo_case grown 4096 raw_ws2019 1
else
	skip "fix then --undo: 4096-byte sectors" "needs root and loop devices"
fi

begin "--undo without a backup of the disk: refused, named, nothing written"
d=$WORK/nobackup; mkdir -p "$d/bk"
mk_ws2019 "$d/disk.img"
s=$(sum_of "$d/disk.img")
run_gptrim 4 --apply --undo --backup-dir "$d/bk" "$d/disk.img"
out_has "no gptrim backup of disk"
out_has "nothing to undo"
unchanged "$d/disk.img" "$s"
[ "$(nfiles "$d/bk")" = 0 ] || flunk "a backup was saved"
# Another disk's backup (another GUID) is not this disk's.
mk_ws2022 "$d/other.img"
run_gptrim 0 --apply --backup-dir "$d/bk" "$d/other.img"
cp "$d"/bk/other.img.*.gpt "$d/bk/disk.img.$(basename "$d"/bk/other.img.*.gpt | cut -d. -f3).gpt"
run_gptrim 4 --apply --undo --backup-dir "$d/bk" "$d/disk.img"
out_has "no gptrim backup of disk"
unchanged "$d/disk.img" "$s"
end

begin "--undo after sgdisk changed the table: refused, nothing written"
d=$WORK/changed; mkdir -p "$d/bk"
mk_ws2019 "$d/disk.img"
run_gptrim 0 --apply --backup-dir "$d/bk" "$d/disk.img"
sg -a 1 -n5:34:2047 -t5:8300 "$d/disk.img" || flunk "sgdisk adds a partition"
s=$(sum_of "$d/disk.img")
run_gptrim 4 --apply --undo --backup-dir "$d/bk" "$d/disk.img"
out_has "entry 5 is used on the disk but empty in the backup"
unchanged "$d/disk.img" "$s"
[ "$(nfiles "$d/bk")" = 1 ] || flunk "the refused undo saved a backup"
end

begin "fix, undo, fix, undo: each undo takes the newest backup"
d=$WORK/twice; mkdir -p "$d/bk"
mk_two_re "$d/orig.img"
cp --sparse=always "$d/orig.img" "$d/disk.img"
for round in 1 2; do
	run_gptrim 0 --apply --backup-dir "$d/bk" "$d/disk.img"
	run_gptrim 0 --apply --undo --backup-dir "$d/bk" "$d/disk.img"
	[ "$(digest "$d/disk.img")" = "$(digest "$d/orig.img")" ] ||
		flunk "round $round: not the original"
done
[ "$(nfiles "$d/bk")" = 4 ] || flunk "four backups, one per change"
end

begin "--undo on several images, --disk selects"
d=$WORK/several; mkdir -p "$d/bk"
mk_ws2019 "$d/a.img"
mk_ws2022 "$d/b.img"
cp --sparse=always "$d/a.img" "$d/a.orig"
run_gptrim 0 --apply --backup-dir "$d/bk" "$d/a.img" "$d/b.img"
s=$(sum_of "$d/b.img")
run_gptrim 0 --apply --undo --disk 1 --backup-dir "$d/bk" "$d/a.img" \
	"$d/b.img"
out_has "gptrim: undo: restored 1 of 1 disk"
[ "$(digest "$d/a.img")" = "$(digest "$d/a.orig")" ] ||
	flunk "disk 1 is not the original"
unchanged "$d/b.img" "$s"
run_gptrim 0 --apply --undo --backup-dir "$d/bk" "$d/b.img"
end

begin "--undo options: --no-backup, --restore, --type refused (exit 2)"
d=$WORK/opts; mkdir -p "$d"
mk_ws2019 "$d/disk.img"
s=$(sum_of "$d/disk.img")
run_gptrim 2 --apply --undo --no-backup "$d/disk.img"
out_has "--no-backup"
run_gptrim 2 --apply --undo --restore x.gpt "$d/disk.img"
out_has "--restore"
run_gptrim 2 --apply --undo --type 0657FD6D-A4AB-43C4-84E5-0933C84B4F4F \
	"$d/disk.img"
unchanged "$d/disk.img" "$s"
end

finish
