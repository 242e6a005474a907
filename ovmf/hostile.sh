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
# "exit status 0"), the hybrid MBR reported, LBA 0 byte-identical, sgdisk -v
# clean, the table without its recovery entry and every byte outside the
# GPT copies and the ESP unchanged.
# Prints "PASS: case: what" / "FAIL: case: what" / "SKIP: what (why)" lines
# and "# ovmf-hostile: N cases in S s".
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
. "$here/lib.sh"
suite_env HOSTILE ovmf-hostile
. "$here/fixtures.sh"
ISO=$W/unattended.iso
OPTIONS="--apply --then shutdown"
BOOT_TIMEOUT=${HOSTILE_BOOT_TIMEOUT:-150}
POKE="python3 $top/tests/fixtures/gptpoke.py"

CASES="inverted-both count0-both reserved4k-both disk-guids dup-guids
start-gt-end hybrid"

# ---------------------------------------------------------------- helpers ---

# disk LAYOUT BS GPTPOKE-ARGS...: the fixture $C/sys.img damaged by gptpoke
# (no arguments: as it is), and its copy sys.orig.
disk() {
	_layout=$1 BS=$2
	shift 2
	if [ "$BS" = 4096 ] && [ -n "${NO_LOOP4K:-}" ]; then
		skip "the case needs a 4Kn fixture ($NO_LOOP4K)"
		return 1
	fi
	"fx_$_layout" "$C/sys.img" "$BS" >"$C/fixture.log" 2>&1 ||
		{ fail "making the $_layout fixture"; detail <"$C/fixture.log"; return 1; }
	if [ $# -gt 0 ] && ! $POKE "$C/sys.img" -b "$BS" "$@" >"$C/poke.log" 2>&1; then
		fail "gptpoke $*"
		detail <"$C/poke.log"
		return 1
	fi
	cp --sparse=always "$C/sys.img" "$C/sys.orig"
}

# boot CTRL: the ISO against sys.img on controller CTRL; the console in
# run.txt (no escapes, no CRs).
boot() {
	BOOT_RC=0
	"$here/boot.sh" --log "$C/run.log" --timeout "$BOOT_TIMEOUT" \
		--iso "$ISO" --disk "$C/sys.img:$1:$BS" 2>"$C/run.err" ||
		BOOT_RC=$?
	boot_end run
	if [ "$BOOT_RC" = 0 ] && [ "$BOOT_END" = guest-shutdown ]; then
		pass "the app powered the VM off after $BOOT_SECS s"
	else
		fail "QEMU exit $BOOT_RC ($BOOT_END after $BOOT_SECS s), expected guest-shutdown"
		tail -n 15 "$C/run.txt" | detail
	fi
}

summary() { grep -aE '^ *gptrim: disk [0-9]+ .*: ' "$C/run.txt" | sed 's/^ *//'; }

# check_refused KEY: "gptrim: disk 1 ...: refused: ...KEY...", nothing
# removed.
check_refused() {
	_line=$(summary | grep -F ': refused: ' | head -n 1)
	case $_line in
	"gptrim: disk 1 "*": refused: "*"$1"*)
		if summary | grep -qE ': removed [0-9]'; then
			fail "console: a removal besides the refusal"
			summary | detail
		else
			pass "console: $_line"
		fi ;;
	*)
		fail "console: no 'gptrim: disk 1 ...: refused: ...$1...' line"
		{ summary; [ -n "$(summary)" ] || tail -n 15 "$C/run.txt"; } | detail ;;
	esac
}

# check_status N: the app's "gptrim: exit status N (...)" line.
check_status() {
	_line=$(grep -a '^gptrim: exit status ' "$C/run.txt" | tail -n 1)
	case $_line in
	"gptrim: exit status $1 "*) pass "console: $_line" ;;
	*)
		fail "console: '${_line:-no exit status line}', expected exit status $1"
		tail -n 10 "$C/run.txt" | detail ;;
	esac
}

check_untouched() {
	if python3 "$here/gpttool.py" compare "$C/sys.orig" "$C/sys.img" "$BS" \
		>"$C/cmp" 2>&1; then
		pass "the disk is byte-identical to before the boot"
	else
		fail "the disk was changed"
		detail <"$C/cmp"
	fi
}

# refuse CTRL LAYOUT BS KEY GPTPOKE-ARGS...
refuse() {
	_ctrl=$1 _layout=$2 _bs=$3 _key=$4
	shift 4
	disk "$_layout" "$_bs" "$@" || return
	boot "$_ctrl"
	check_refused "$_key"
	check_status 4
	check_untouched
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
	disk ws2019 512 || return
	_esp=$(fx_sgdisk "$C/sys.img" 512 -i 2 | sed -n 's/^First sector: \([0-9]*\).*/\1/p')
	$POKE "$C/sys.img" -b 512 --copy both --entry "1:end=$((_esp - 1))" \
		--fix-crc >"$C/poke.log" 2>&1 || { fail "gptpoke"; return; }
	cp --sparse=always "$C/sys.img" "$C/sys.orig"
	boot nvme
	check_refused "StartingLBA $_esp > EndingLBA $((_esp - 1))"
	check_status 4
	check_untouched
}

# A hybrid MBR (sgdisk -h 2: the ESP beside the 0xEE record): reported,
# kept byte for byte, and the removal goes ahead.
case_hybrid() {
	disk ws2019 512 || return
	sgdisk -h 2 "$C/sys.img" >"$C/hybrid.log" 2>&1 ||
		{ fail "sgdisk -h 2"; detail <"$C/hybrid.log"; return; }
	cp --sparse=always "$C/sys.img" "$C/sys.orig"
	fx_sfdisk_json "$C/sys.orig" 512 >"$C/orig.json" 2>/dev/null
	boot virtio
	_line=$(summary | head -n 1)
	if [ "$(summary | wc -l)" = 1 ] &&
		echo "$_line" | grep -qE '^gptrim: disk 1 .*: removed 1, healthy$'; then
		pass "console: $_line"
	else
		fail "console: expected one 'gptrim: disk 1 ...: removed 1, healthy'"
		{ summary; tail -n 15 "$C/run.txt"; } | detail
	fi
	check_status 0
	if tr '\n' ' ' <"$C/run.txt" | tr -s ' ' |
		grep -q 'hybrid MBR (0xEE record and 1 other record(s)); it is kept byte for byte'; then
		pass "console: the hybrid MBR is reported and kept"
	else
		fail "console: no 'hybrid MBR ... kept byte for byte'"
		grep -a -i 'mbr' "$C/run.txt" | detail
	fi
	if cmp -n 512 "$C/sys.orig" "$C/sys.img" >"$C/cmp0" 2>&1; then
		pass "LBA 0 (the hybrid MBR) byte-identical"
	else
		fail "LBA 0 changed"
		detail <"$C/cmp0"
	fi
	sgdisk -v "$C/sys.img" >"$C/verify" 2>&1
	if grep -q '^No problems found' "$C/verify"; then
		pass "sgdisk -v: no problems found"
	else
		fail "sgdisk -v"
		detail <"$C/verify"
	fi
	fx_sfdisk_json "$C/sys.img" 512 >"$C/new.json" 2>/dev/null
	if python3 "$here/gpttool.py" tables "$C/orig.json" "$C/new.json" \
		--removed 1 >"$C/tables" 2>&1; then
		pass "the recovery entry removed, every other entry unchanged at its index"
	else
		fail "the table after the run"
		detail <"$C/tables"
	fi
	set -- $(fx_esp "$C/sys.orig" 512)
	if python3 "$here/gpttool.py" compare "$C/sys.orig" "$C/sys.img" 512 \
		--skip-gpt --skip "$1:$2" >"$C/cmp" 2>&1; then
		pass "every byte outside the GPT copies and the ESP unchanged, LBA 0 included"
	else
		fail "bytes changed outside the GPT copies and the ESP"
		detail <"$C/cmp"
	fi
}

run_case() {
	case_dir "$1"
	case_call
	if [ "$FAILED" = 0 ] && [ -z "${HOSTILE_KEEP:-}" ]; then
		rm -f "$C"/sys.img "$C"/sys.orig
	fi
}

# ------------------------------------------------------------------ setup ---

prereqs() {
	need_tools qemu-system-x86_64 sgdisk sfdisk losetup flock mformat mcopy \
		mtype xorriso mkfs.vfat python3 || return 1
	need_ovmf OVMF_CODE_4M.fd OVMF_VARS_4M.fd || return 1
	[ -r "$BUILD/gptrim.efi" ] || { echo "$BUILD/gptrim.efi not built"; return 1; }
}

# ------------------------------------------------------------------- main ---

suite_entry "$@"

suite_prereqs ovmf-hostile
cases=${*:-$CASES}
start=$(date +%s)
rm -rf "$W"
mkdir -p "$W/cases"
: >"$FX_LOCK"
private_iso "$OPTIONS" "$ISO" || exit 1
run_cases "$JOBS" $cases
detach_loops
print_results $cases
suite_exit ovmf-hostile "$start" $cases
