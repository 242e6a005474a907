#!/bin/bash
# SPDX-License-Identifier: MIT
# Undo always round-trips: for every layout gptrim accepts and changes, the
# backup saved by --apply, given back with --restore, puts back the
# original image byte for byte (a --repair run: the original as sgdisk
# rebuilds it), both copies valid and cross-linked, read as before by
# Linux's and EDK2's rules (tests/lib/gptread.py), sgdisk -v saying what
# it said of the original. Fixtures by sgdisk (through loop devices for
# 4Kn) and tests/fixtures/gptpoke.py, never by gptrim's core.
# shellcheck source=tests/host/lib.sh
. "$(dirname "$0")/lib.sh"

POKE="$PYTHON $ROOT/tests/fixtures/gptpoke.py"

# mk_bs MAKER IMG BS [SIZE]: MAKER's layout on IMG with BS-byte sectors
# (sgdisk on a loop device when BS is not 512).
mk_bs() {
	local maker=$1 img=$2 bs=$3 size=${4:-1G} rc
	if [ "$bs" = 512 ]; then
		"$maker" "$img" "$size"
		return
	fi
	truncate -s "$size" "$img"
	loop_attach "$img" "$bs" || return 1
	"$maker" "$LOOP" "$size"
	rc=$?
	loop_detach "$LOOP"
	return $rc
}

# Layouts beyond lib.sh's: each makes $1 (size $2) from scratch.
raw_table_256() { new_disk "$1" "$2"; sg -S 256 "$1" && raw_ws2019 "$1"; }
raw_array_2048() { new_disk "$1" "$2"; sg -j 2048 "$1" && raw_ws2019 "$1"; }
raw_hybrid() { raw_ws2019 "$1" "$2" && sg -h 2 "$1"; }

# sgdisk -v output without the device name.
verdict() { sgdisk -v "$1" 2>&1 | sed "s|$1|DEV|g"; }
# verdict_bs IMG BS
verdict_bs() {
	local v
	if [ "$2" = 512 ]; then
		verdict "$1"
		return
	fi
	loop_attach "$1" "$2" || return 1
	verdict "$LOOP"
	loop_detach "$LOOP"
}

# The two readers of a VM's disk pick the primary of IMG and read the
# table of REF from it.
readers_agree() {
	$PYTHON - "$1" "$2" "$3" <<'EOF'
import sys
import os
sys.path.insert(0, os.environ["ROOT"] + "/tests/lib")
import gptread
img, ref, bs = sys.argv[1], sys.argv[2], int(sys.argv[3])
bad = []
for name, pick in (("edk2", gptread.edk2_pick),
                   ("linux", lambda i, b: gptread.linux_pick(i, b, True))):
    got, want = pick(img, bs), pick(ref, bs)
    if got["copy"] != want["copy"] or got["table"] != want["table"]:
        bad.append("%s reads %s, expected %s" % (name, got["copy"],
                                                  want["copy"]))
if gptread.edk2_pick(img, bs)["copy"] != "primary":
    bad.append("edk2 does not take the primary")
print("; ".join(bad) or "both readers agree", file=sys.stderr)
sys.exit(1 if bad else 0)
EOF
}
export ROOT

# rt_case NAME BS MAKER [POKE-ARGS...] [-- GPTRIM-ARGS...]: make the
# layout, --apply with a backup, --restore that backup, judge.
rt_case() {
	local name=$1 bs=$2 maker=$3 d=$WORK/rt-$1 poke=() args=() f ref
	shift 3
	while [ $# -gt 0 ] && [ "$1" != -- ]; do poke+=("$1"); shift; done
	[ $# -gt 0 ] && shift
	args=("$@")
	begin "round trip: $name ($bs-byte sectors)"
	mkdir -p "$d/bk"
	mk_bs "$maker" "$d/orig.img" "$bs" || flunk "fixture"
	$CHECK marks "$d/orig.img" --bs "$bs" >&2 || flunk "marks"
	[ ${#poke[@]} = 0 ] || $POKE "$d/orig.img" -b "$bs" "${poke[@]}" >&2 ||
		flunk "gptpoke ${poke[*]}"
	case $name in
	grown*) truncate -s +512M "$d/orig.img" ;;
	esac
	cp --sparse=always "$d/orig.img" "$d/disk.img"
	# What the restore must give back: the original, or (a damaged
	# original, --repair) the original with the bad copy rebuilt by
	# sgdisk from its own backup.
	ref=$d/orig.img
	if [ "${args[*]}" = --repair ]; then
		ref=$d/ref.img
		cp --sparse=always "$d/orig.img" "$ref"
		sg --backup="$d/sgdisk.gpt" "$ref" &&
			sg --load-backup="$d/sgdisk.gpt" "$ref" ||
			flunk "sgdisk rebuilds the reference"
	fi
	run_gptrim 0 --apply --sector-size "$bs" --backup-dir "$d/bk" \
		"${args[@]}" "$d/disk.img"
	f=$(ls "$d"/bk/*.gpt 2>/dev/null)
	if [ "$(echo "$f" | wc -l)" != 1 ] || [ ! -s "$f" ]; then
		flunk "one backup file"
	else
		run_gptrim 0 --apply --sector-size "$bs" --backup-dir "$d/bk" \
			--restore "$f" "$d/disk.img"
		out_has "restored"
		[ "$($CHECK digest "$d/disk.img")" = "$($CHECK digest "$ref")" ] ||
			flunk "the image is not the original byte for byte"
		expect "Linux's and EDK2's rules read the original table" \
			readers_agree "$d/disk.img" "$ref" "$bs"
		[ "$(verdict_bs "$d/disk.img" "$bs")" = \
		  "$(verdict_bs "$ref" "$bs")" ] ||
			flunk "sgdisk -v does not say what it said of the original"
	fi
	end
	rm -rf "$d"
}

rt_case ws2019 512 raw_ws2019
rt_case ws2022 512 raw_ws2022
rt_case two-recovery 512 raw_two_re
rt_case grown 512 raw_ws2019
rt_case hybrid-mbr 512 raw_hybrid
rt_case header-size-200 512 raw_ws2019 --copy both \
	--header header_size=200 --fix-header-crc
rt_case table-256 512 raw_table_256
rt_case entries-256-bytes 512 raw_ws2019 --copy both --restride 256 \
	--fix-crc
rt_case array-at-2048 512 raw_array_2048
rt_case repair-primary 512 raw_ws2019 --bad-crc header -- --repair
rt_case repair-backup 512 raw_ws2019 --copy backup --bad-crc array -- \
	--repair
if have_loop; then
	rt_case ws2019 4096 raw_ws2019
	rt_case grown 4096 raw_ws2019
	rt_case header-size-512 4096 raw_ws2019 --copy both \
		--header header_size=512 --fix-header-crc
	rt_case two-recovery 4096 raw_two_re
else
	for c in ws2019 grown header-size-512 two-recovery; do
		skip "round trip: $c (4096-byte sectors)" \
			"needs root and loop devices"
	done
fi

# A header the sgdisk format cannot hold: refused before anything is
# saved or written, unless --no-backup.
if have_loop; then
	begin "HeaderSize 600 on 4Kn: refused up front; --no-backup changes it"
	d=$WORK/hsize600; mkdir -p "$d/bk"
	mk_bs raw_ws2019 "$d/disk.img" 4096 || flunk "fixture"
	$POKE "$d/disk.img" -b 4096 --copy both --header header_size=600 \
		--fix-header-crc >&2 || flunk "gptpoke"
	s=$(sum_of "$d/disk.img")
	run_gptrim 4 --sector-size 4096 --backup-dir "$d/bk" "$d/disk.img"
	out_has "HeaderSize 600"
	run_gptrim 4 --apply --sector-size 4096 --backup-dir "$d/bk" \
		"$d/disk.img"
	out_has "HeaderSize 600"
	out_has "--no-backup"
	unchanged "$d/disk.img" "$s"
	[ -z "$(ls "$d/bk")" ] || flunk "a backup file was saved"
	run_gptrim 0 --apply --no-backup --sector-size 4096 "$d/disk.img"
	out_has "removed 1"
	end
else
	skip "HeaderSize 600 on 4Kn" "needs root and loop devices"
fi

finish
