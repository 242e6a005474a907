#!/bin/sh
# SPDX-License-Identifier: MIT
# Hostile tables under the firmware: the unattended ISO (gptrim.cfg
# "--apply --then shutdown") booted under QEMU + OVMF against disks whose
# damage OVMF's partition driver leaves alone (it silently restores a GPT
# with one bad copy when it connects the disk, so both copies are broken
# the same way, or each is valid and they disagree, or the entries are
# bad). The subset of tests/host/hostile.sh that the firmware can see.
#
# Usage: ovmf/hostile.sh [CASE...]    all cases (or the named ones), 2 at a time
#        ovmf/hostile.sh --list       the case names
#        ovmf/hostile.sh --case CASE  one case (used by the runner)
# Environment: BUILD (build), MAKE (make), HOSTILE_JOBS (2),
#              HOSTILE_DIR ($BUILD/ovmf-hostile), HOSTILE_KEEP=1 keeps images.
#
# Each refusal case expects on the serial console the reason's keyword on
# "gptrim: disk N ...: refused: ...", the line "gptrim: exit status 4", the
# VM powered off by the app, and the disk image byte-identical afterwards.
# The hybrid MBR case expects the removal to succeed ("removed 1, healthy",
# "exit status 0"), the hybrid MBR reported, LBA 0 byte-identical, and the
# disk judged as ovmf/e2e.sh judges a fix (check_fixed): sgdisk -v clean,
# the table without its recovery entry, every byte outside the GPT copies
# and the ESP unchanged, the ESP's backup and log. slow-reader boots a
# refusal twice, its console read at once and read 3 s late: the same text.
# Prints "PASS: case: what" / "FAIL: case: what" / "SKIP: what (why)" lines
# and "# ovmf-hostile: N cases in S s".
set -u

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
suite_init HOSTILE ovmf-hostile 150
ISO=$W/unattended.iso
OPTIONS="--apply --then shutdown"
POKE="python3 $top/tests/fixtures/gptpoke.py"

CASES="inverted-both count0-both reserved4k-both disk-guids dup-guids
start-gt-end hybrid slow-reader"

# ---------------------------------------------------------------- helpers ---

# poked LAYOUT BS GPTPOKE-ARGS...: the fixture $C/sys.img (ovmf/checks.sh's
# disk) damaged by gptpoke (no arguments: as it is), and its copy sys.orig.
poked() {
	disk sys "$1" "$2" || return 1
	shift 2
	poke "$@"
}

# poke GPTPOKE-ARGS...: $C/sys.img damaged by gptpoke, and its copy
# sys.orig.
poke() {
	if [ $# -gt 0 ] && ! $POKE "$C/sys.img" -b "$(bs_of sys)" "$@" >"$C/poke.log" 2>&1; then
		fail "gptpoke $*"
		detail <"$C/poke.log"
		return 1
	fi
	cp --sparse=always "$C/sys.img" "$C/sys.orig"
}

# iso_boot CTRL: the ISO against sys.img on controller CTRL, powered off by
# the app.
iso_boot() {
	boot run --iso "$ISO" $(disk_args "sys:$1")
	check_end run guest-shutdown
}

# check_refused KEY: "gptrim: disk 1 ...: refused: ...KEY...", nothing
# removed.
check_refused() {
	_line=$(summaries run | grep -F ': refused: ' | head -n 1)
	case $_line in
	"gptrim: disk 1 "*": refused: "*"$1"*)
		if summaries run | grep -qE ': removed [0-9]'; then
			fail "console: a removal besides the refusal"
			summaries run | detail
		else
			pass "console: $_line"
		fi ;;
	*)
		fail "console: no 'gptrim: disk 1 ...: refused: ...$1...' line"
		{ summaries run; [ -n "$(summaries run)" ] || tail -n 15 "$C/run.txt"; } | detail ;;
	esac
}

# refused CTRL KEY: the disk refused with KEY, exit status 4, not one byte
# written.
refused() {
	iso_boot "$1"
	check_refused "$2"
	check_exit run 4
	check_untouched sys
}

# refuse CTRL LAYOUT BS KEY GPTPOKE-ARGS...
refuse() {
	_ctrl=$1 _layout=$2 _bs=$3 _key=$4
	shift 4
	poked "$_layout" "$_bs" "$@" || return
	refused "$_ctrl" "$_key"
}

# ------------------------------------------------------------------ cases ---
# 1 GiB disks with 512-byte sectors: last LBA 2097151, sgdisk's usable
# range 34..2097118; with 4096-byte sectors: 262143 and 6..262138.

case_inverted_both() {
	refuse virtio ws2019 512 "FirstUsableLBA 2097119 > LastUsableLBA 2097118" \
		--copy both --header first_usable=2097119 --fix-header-crc
}

case_count0_both() {
	refuse nvme ws2022 512 "NumberOfPartitionEntries is 0" \
		--copy both --header num_entries=0 --fix-crc
}

case_reserved4k_both() {
	refuse virtio ws2019 4096 "Reserved field is 0x00000001" \
		--copy both --header reserved=1 --fix-header-crc
}

case_disk_guids() {
	refuse sata ws2019 512 "copies disagree: disk GUID" --copy backup \
		--header disk_guid=5753F019-0000-4000-8000-00000000BAD0 --fix-crc
}

case_dup_guids() {
	refuse scsi tworec 512 "same unique GUID 5753F019-0001-4000-8000-000000000001" \
		--copy both --entry 0:guid=5753F019-0001-4000-8000-000000000001 \
		--entry 4:guid=5753F019-0001-4000-8000-000000000001 --fix-crc
}

case_start_gt_end() {
	# Entry 1 (the ESP) ends one LBA before it starts.
	poked ws2019 512 || return
	_esp=$(fx_sgdisk "$C/sys.img" 512 -i 2 | sed -n 's/^First sector: \([0-9]*\).*/\1/p')
	poke --copy both --entry "1:end=$((_esp - 1))" --fix-crc || return
	refused nvme "StartingLBA $_esp > EndingLBA $((_esp - 1))"
}

# A hybrid MBR (sgdisk -h 2: the ESP beside the 0xEE record): reported,
# kept byte for byte, and the removal goes ahead: the disk judged as the
# end-to-end suite judges a fix (ovmf/checks.sh: sgdisk -v, the table,
# every byte outside the GPT copies and the ESP, LBA 0 included, the ESP's
# backup and log).
case_hybrid() {
	poked ws2019 512 || return
	sgdisk -h 2 "$C/sys.img" >"$C/hybrid.log" 2>&1 ||
		{ fail "sgdisk -h 2"; detail <"$C/hybrid.log"; return; }
	cp --sparse=always "$C/sys.img" "$C/sys.orig"
	fx_sfdisk_json "$C/sys.orig" 512 >"$C/sys.orig.json" 2>/dev/null
	iso_boot virtio
	_line=$(summaries run | head -n 1)
	if [ "$(summaries run | wc -l)" = 1 ] &&
		echo "$_line" | grep -qE '^gptrim: disk 1 .*: removed 1, healthy$'; then
		pass "console: $_line"
	else
		fail "console: expected one 'gptrim: disk 1 ...: removed 1, healthy'"
		{ summaries run; tail -n 15 "$C/run.txt"; } | detail
	fi
	check_exit run 0
	if tr '\n' ' ' <"$C/run.txt" | tr -s ' ' |
		grep -q 'hybrid MBR (0xEE record and 1 other record(s)); it is kept byte for byte'; then
		pass "console: the hybrid MBR is reported and kept"
	else
		fail "console: no 'hybrid MBR ... kept byte for byte'"
		grep -a -i 'mbr' "$C/run.txt" | detail
	fi
	judge "$C/cmp0" "LBA 0 (the hybrid MBR) byte-identical" "LBA 0 changed" \
		cmp -n 512 "$C/sys.orig" "$C/sys.img"
	check_fixed sys 1
}

# The console read late (ovmf/boot.sh --pause-on: nothing read for 3 s
# after the app's first lines, as on a loaded machine) holds every byte: the
# same text as a boot read at once. Before the console moved from a socket
# to a pipe, a late reader lost the report and the summary line.
case_slow_reader() {
	poked ws2019 512 --copy both --header reserved=1 --fix-header-crc || return
	boot prompt --iso "$ISO" $(disk_args sys:virtio)
	check_end prompt guest-shutdown
	cp "$C/sys.orig" "$C/sys.img"
	boot run --pause-on "disk(s) to look at" 3 --iso "$ISO" $(disk_args sys:virtio)
	check_end run guest-shutdown
	# The pause must have left bytes waiting, or it tested nothing.
	_paused=$(grep '^console.py: console not read.*; [1-9][0-9]* bytes waiting' "$C/run.err")
	if [ -n "$_paused" ] && cmp -s "$C/prompt.txt" "$C/run.txt"; then
		pass "console: $(wc -l <"$C/run.txt") lines, the same as read at once (${_paused#console.py: })"
	else
		fail "console: read late, it differs from the console read at once${_paused:+ (${_paused#console.py: })}"
		diff "$C/prompt.txt" "$C/run.txt" | head -n 20 | detail
	fi
	check_refused "Reserved field is 0x00000001"
	check_exit run 4
	check_untouched sys
}

run_case() {
	case_dir "$1"
	case_call
	case_clean "${HOSTILE_KEEP:-}" sys.img sys.orig
}

# ------------------------------------------------------------------ setup ---

prereqs() {
	need_tools qemu-system-x86_64 sgdisk sfdisk losetup flock mformat mcopy \
		mtype mdir xorriso mkfs.vfat fsck.fat python3 || return 1
	need_ovmf OVMF_CODE_4M.fd OVMF_VARS_4M.fd || return 1
	[ -r "$BUILD/gptrim.efi" ] || { echo "$BUILD/gptrim.efi not built"; return 1; }
}

# ------------------------------------------------------------------- main ---

suite_start ovmf-hostile "$@"
suite_fresh
private_iso "$OPTIONS" "$ISO" || exit 1
suite_cases $cases
suite_exit ovmf-hostile "$start" $cases
