#!/bin/sh
# SPDX-License-Identifier: MIT
# --undo in firmware: fix a disk with the unattended ISO, then boot the undo
# ISO (make iso OPTIONS="--apply --undo --then shutdown"), which puts back
# the newest gptrim backup of every disk from that disk's own ESP; a second
# undo boot must refuse and write nothing.
#
# Usage: ovmf/undo.sh [CASE...]      all cases (or the named ones), 2 at a time
#        ovmf/undo.sh --list         the case names
#        ovmf/undo.sh --case CASE    one case (used by the runner)
# Environment: BUILD (build), MAKE (make), UNDO_JOBS (2), UNDO_DIR
#              ($BUILD/undo), UNDO_KEEP=1 keeps the disk images.
#
# Cases: WS2019 (virtio-blk), WS2022 4Kn (NVMe), two recovery partitions
# (SATA), a grown disk (virtio-blk), and two system disks in one VM. Each
# is judged with independent tools:
#   - the undo boot: the console's "undone: restored K entr..., healthy"
#     per disk, exit status 0, the VM powered off, and the fleet
#     playbook's filter reading the console as "undone";
#   - the disk: every byte as the original's, both GPT copies included,
#     but the ESP (the grown disk: also the 33 end blocks where the fix
#     had moved the backup copy, which must hold no GPT header now);
#     sgdisk -v says of it exactly what it says of the original;
#   - the ESP: a clean FAT, and the table as it was before the undo saved
#     next to the first backup, byte-identical to what sgdisk --backup
#     writes for the fixed disk (so the undo can itself be undone);
#   - a second undo boot: refused (exit 4, "not what gptrim's change
#     left"), not one byte written, the ESP included.
set -u

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
suite_init UNDO undo 240
UNDO_OPTIONS="--apply --undo --then shutdown"

CASES="ws2019 ws2022-4k tworec grown two-disks"

# ---------------------------------------------------------------- helpers ---

# fix NAME...: the unattended ISO fixes each disk; FIXED copies kept.
fix_boot() {
	boot fix --iso "$ISO_DIR/unattended.iso" "$@"
	check_end fix guest-shutdown
}

# check_undone LOGNAME NAME K: the console's per-disk line for NAME's
# disk says K entries were put back, healthy.
check_undone_lines() {
	_log=$1
	shift
	_want=$(printf '%s\n' "$@" | sort | tr '\n' ' ')
	_got=$(summaries "$_log" | sed -n 's/.*: undone: restored \([0-9]*\) entr[a-z]*, healthy$/\1/p' |
		sort | tr '\n' ' ')
	_bad=$(summaries "$_log" | grep -vE ': (undone: restored [0-9]+ entr[a-z]+, healthy|no GPT, skipped)$')
	if [ "$_got" = "$_want" ] && [ -z "$_bad" ] &&
		grep -q '^gptrim: exit status 0 ' "$C/$_log.txt"; then
		pass "$_log: console: undone, restored ${_want% } entr(y/ies) per disk, healthy, exit status 0"
	else
		fail "$_log: console (expected undone: restored ${_want% })"
		{ summaries "$_log"; grep 'exit status' "$C/$_log.txt"; } | detail
	fi
}

# check_saved_before NAME: the ESP is clean and holds, besides the fix's
# backup, the table as the undo found it: sgdisk --backup of the fixed disk.
check_saved_before() {
	_n=$1
	_bs=$(bs_of "$_n")
	set -- $(fx_esp "$C/$_n.orig" "$_bs")
	_at="$C/$_n.img@@$1"
	check_esp_fsck "$_n" "$1" "$2"
	_guid=$(guid_of "$_n")
	fx_sgdisk "$C/$_n.fixed" "$_bs" -b "$C/$_n.fixed.gpt" >/dev/null 2>&1
	if mcopy -n -i "$_at" "::/EFI/gptrim/$_guid.1.gpt" "$C/$_n.saved.gpt" \
		2>"$C/$_n.mt" && cmp -s "$C/$_n.saved.gpt" "$C/$_n.fixed.gpt"; then
		pass "disk $_n: ESP: \\EFI\\gptrim\\$_guid.1.gpt is sgdisk --backup of the fixed disk (the undo can be undone)"
	else
		fail "disk $_n: ESP: no \\EFI\\gptrim\\$_guid.1.gpt equal to sgdisk --backup of the fixed disk"
		{ cat "$C/$_n.mt"; mdir -/ -b -i "$_at" ::/EFI/gptrim; } 2>&1 | detail
	fi
}

# check_second LOGNAME NAME...: a second undo boot refuses every disk and
# writes nothing at all.
check_second() {
	_log=$1
	shift
	for _n in "$@"; do
		cp --sparse=always "$C/$_n.img" "$C/$_n.undone"
	done
	boot "$_log" --iso "$ISO_DIR/undo.iso" $_disks
	check_end "$_log" guest-shutdown
	check_outcome "$_log" 4 "not the table gptrim's change left" refused
	_n=$(summaries "$_log" | grep -cE ": refused: .*(not what gptrim|gptrim's change)")
	if [ "$_n" = "$#" ] && grep -q '^gptrim: exit status 4 ' "$C/$_log.txt"; then
		pass "$_log: console: all $# disk(s) refused, exit status 4: $(summaries "$_log" | grep -o 'refused: .*' | head -n 1 | cut -c1-90)..."
	else
		fail "$_log: console: expected $# refusal(s) and exit status 4"
		{ summaries "$_log"; grep 'exit status' "$C/$_log.txt"; } | detail
	fi
	for _n in "$@"; do
		judge "$C/$_n.cmp2" "$_log: disk $_n: not one byte written, the ESP included" \
			"$_log: disk $_n: written to" compare_disk "$_n" "$C/$_n.undone"
	done
}

# undo_case LAYOUT BS CTRL K [grown]: fix, undo, judge, undo again.
undo_case() {
	disk sys "$1" "$2" || return
	_disks=$(disk_args "sys:$3")
	fix_boot $_disks
	check_summary fix "$4"
	cp --sparse=always "$C/sys.img" "$C/sys.fixed"
	boot undo --iso "$ISO_DIR/undo.iso" $_disks
	check_end undo guest-shutdown
	check_undone_lines undo "$4"
	check_outcome undo 0 "undone: restored $4 entr" undone
	check_original sys ${5:-}
	check_saved_before sys
	check_second again sys
}

# ------------------------------------------------------------------ cases ---

case_ws2019() { undo_case ws2019 512 virtio 1; }
case_ws2022_4k() { undo_case ws2022 4096 nvme 1; }
case_tworec() { undo_case tworec 512 sata 2; }
case_grown() { undo_case grown 512 virtio 1 grown; }

# Two system disks in one VM: one boot undoes both, each from its own ESP.
case_two_disks() {
	disk a ws2019 512 && disk b ws2022 512 || return
	_disks=$(disk_args a:virtio b:sata)
	fix_boot $_disks
	check_summary fix 1 1
	cp --sparse=always "$C/a.img" "$C/a.fixed"
	cp --sparse=always "$C/b.img" "$C/b.fixed"
	boot undo --iso "$ISO_DIR/undo.iso" $_disks
	check_end undo guest-shutdown
	check_undone_lines undo 1 1
	check_original a
	check_original b
	check_saved_before a
	check_saved_before b
	check_second again a b
}

run_case() {
	case_dir "$1"
	case_call
	case_clean "${UNDO_KEEP:-}" '*.img' '*.orig' '*.fixed' '*.undone'
}

# ------------------------------------------------------------------ setup ---

setup() {
	suite_fresh
	private_iso "--apply --then shutdown" "$ISO_DIR/unattended.iso" || return 1
	private_iso "$UNDO_OPTIONS" "$ISO_DIR/undo.iso" || return 1
	echo "PASS: make iso OPTIONS=\"$UNDO_OPTIONS\": the undo ISO, $(stat -c %s "$ISO_DIR/undo.iso") bytes"
}

prereqs() {
	need_tools qemu-system-x86_64 sgdisk sfdisk losetup flock mformat mcopy \
		xorriso mkfs.vfat fsck.fat python3 || return 1
	need_ovmf OVMF_CODE_4M.fd OVMF_VARS_4M.fd || return 1
	[ "$(id -u)" = 0 ] || { echo "not root (4Kn fixtures need losetup)"; return 1; }
	[ -r "$BUILD/gptrim.efi" ] || { echo "$BUILD/gptrim.efi not built"; return 1; }
}

# ------------------------------------------------------------------- main ---

suite_start ovmf-undo "$@"
setup || { echo "FAIL: setting up the ISOs; no boots run"; exit 1; }
suite_cases $cases
suite_exit undo "$start" $cases
