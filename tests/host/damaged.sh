#!/bin/bash
# SPDX-License-Identifier: MIT
# Damaged tables, made by gptcheck.py editing bytes of an sgdisk image:
# refused with the image unchanged, and with --repair (for one bad copy
# only) rebuilt so that sgdisk -v is clean.
# shellcheck source=tests/host/lib.sh
. "$(dirname "$0")/lib.sh"

# damaged NAME OP: a WS2019 image in $WORK/NAME damaged by OP, with the
# pristine copy orig.img and the damaged copy bad.img.
damaged() {
	D=$WORK/$1
	mkdir -p "$D"
	mk_ws2019 "$D/orig.img" || flunk "fixture"
	$CHECK marks "$D/orig.img" --bs 512 >&2 || flunk "marks"
	cp --sparse=always "$D/orig.img" "$D/disk.img"
	$CHECK damage "$D/disk.img" --bs 512 "$2" >&2 || flunk "damage $2"
	cp --sparse=always "$D/disk.img" "$D/bad.img"
}

# Always refused, --repair or not.
refused_case() {
	local s
	begin "refused: $1"
	damaged "$2" "$2"
	s=$(sum_of "$D/disk.img")
	run_gptrim 4 "$D/disk.img"
	out_has "$3"
	run_gptrim 4 --apply "$D/disk.img"
	run_gptrim 4 --apply --repair "$D/disk.img"
	unchanged "$D/disk.img" "$s"
	no_backup_saved "$D"
	end
}
refused_case "valid copies that disagree" disagree "differ"
refused_case "overlapping entries (CRCs fixed)" overlap "overlap"

# One bad copy: refused without --repair, rebuilt with it.
repair_case() {
	local s
	begin "one bad copy ($1): refused, then --repair"
	damaged "$1" "$1"
	s=$(sum_of "$D/disk.img")
	run_gptrim 4 "$D/disk.img"
	out_has "$2"
	run_gptrim 4 --apply "$D/disk.img"
	unchanged "$D/disk.img" "$s"
	run_gptrim 1 --repair "$D/disk.img"
	out_has "repair"
	unchanged "$D/disk.img" "$s"
	run_gptrim 0 --apply --repair "$D/disk.img"
	out_has "Rebuilt the $3 GPT"
	judge_removed "$D/orig.img" "$D/disk.img" 512 1
	# The backup saved before the repair must be usable: restoring it
	# gives back the table as it was, healthy (as sgdisk --backup saves
	# a disk with one bad copy: the bad copy regenerated from the good).
	f=$(ls "$D"/disk.img.*.gpt 2>/dev/null)
	if [ -n "$f" ]; then
		run_gptrim 0 --apply --no-backup --restore "$f" "$D/disk.img"
		[ "$($CHECK digest "$D/disk.img")" = \
		  "$($CHECK digest "$D/orig.img")" ] ||
			flunk "restoring the saved backup does not give back the original"
	else
		flunk "no backup saved"
	fi
	end
}
repair_case primary-header "CRC" primary
repair_case primary-array "CRC" primary
repair_case backup-header "CRC" backup
repair_case backup-array "CRC" backup

# A removal cut after the backup copy was written and before the primary:
# both copies valid, the backup lacking the removed entry. Made without
# gptrim: the backup area of an sgdisk -d image over the original's.
begin "removal cut between the copies: refused, then --repair converges"
d=$WORK/cut; mkdir -p "$d"
mk_ws2019 "$d/orig.img" || flunk "fixture"
cp --sparse=always "$d/orig.img" "$d/new.img"
sg -d 1 "$d/new.img" || flunk "sgdisk -d 1"
cp --sparse=always "$d/orig.img" "$d/disk.img"
sectors=$(( $(stat -c %s "$d/orig.img") / 512 ))
dd if="$d/new.img" of="$d/disk.img" bs=512 skip=$((sectors - 33)) \
	seek=$((sectors - 33)) count=33 conv=notrunc,sparse status=none ||
	flunk "dd"
s=$(sum_of "$d/disk.img")
run_gptrim 4 --apply "$d/disk.img"
out_has "cut short"
unchanged "$d/disk.img" "$s"
run_gptrim 0 --apply --repair "$d/disk.img"
out_has "Rebuilt the backup GPT"
judge_removed "$d/orig.img" "$d/disk.img" 512 1
end

begin "both headers bad: refused even with --repair"
damaged both both-headers
s=$(sum_of "$D/disk.img")
run_gptrim 4 --apply --repair "$D/disk.img"
unchanged "$D/disk.img" "$s"
end

begin "--repair on a healthy disk without recovery: nothing written"
d=$WORK/healthy; mkdir -p "$d"
mk_no_re "$d/disk.img" || flunk "fixture"
s=$(sum_of "$d/disk.img")
run_gptrim 0 --apply --repair "$d/disk.img"
unchanged "$d/disk.img" "$s"
end

finish
