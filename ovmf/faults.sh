#!/bin/sh
# SPDX-License-Identifier: MIT
# I/O errors in firmware (issue 4): gptrim.efi under QEMU + OVMF against a
# WS2019 disk (sgdisk) whose block device fails on purpose, judged on the
# host with independent tools.
#
# Usage: ovmf/faults.sh [CASE...]     all cases (or the named ones), 2 at a time
#        ovmf/faults.sh --list        the case names
#        ovmf/faults.sh --case CASE   one case (used by the runner)
# Environment: BUILD (build), FAULTS_JOBS (2), FAULTS_DIR ($BUILD/faults),
#              FAULTS_KEEP=1 keeps the disk images of passing cases.
# Prints "PASS: case: what" / "FAIL: case: what" / "SKIP: what (why)" lines
# and details of failures as "#   " lines.
#
# The faults, all on a disk of the VM's own (virtio-blk, or a removable
# virtio-scsi disk for the medium cases), never on the CD gptrim runs from:
#   - QEMU's blkdebug driver between the guest and the image, its rules
#     aimed at GPT sectors (OVMF reads the disk and may rewrite a bad copy;
#     gptrim's ESP backup is written through the FAT driver before the GPT):
#     EIO on the write of the backup header, of the primary array (also
#     from OVMF's shell: %lasterror%), on the flush after either copy, on
#     a read during the commit and on a read of either header while
#     loading (armed from QMP while the interactive ISO waits at its
#     question, so it hits gptrim's second load, not OVMF's);
#   - a read-only drive (readonly=on);
#   - the medium of a removable SCSI disk removed (tray opened from QMP)
#     while a blkdebug breakpoint holds gptrim's first GPT write, or the
#     last write of its first copy.
# Each case checks, as it applies: the console names what failed (the
# write, its LBA) and gptrim's exit status; QEMU's trace of the guest's
# write requests shows gptrim stopped before touching the other copy;
# the image reads as exactly the old or exactly the new table by Linux's
# and EDK2's rules (tests/lib/gptread.py) with sgdisk -v agreeing
# (ovmf/faultjudge.py); every byte outside the GPT areas and the ESP is
# unchanged (the whole disk, where nothing may be written); the ESP is a
# clean FAT; the ESP backup saved before the fault undoes it (sgdisk
# --load-backup); and gptrim --apply --repair (host tool) converges to the
# new table.
set -u

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
suite_init FAULTS faults 180
. "$here/faults-checks.sh"
. "$here/faults-cases.sh"

JUDGE=$here/faultjudge.py
BS=512
# The WS2019 fixture (1 GiB, 512-byte sectors): its GPT sectors.
LAST=2097151          # backup header
BARRAY=2097119        # backup array, the block of entry 1 (WinRE)
PARRAY=2              # primary array, the block of entry 1

# Longest first, so the two workers finish together.
CASES="no-backup-writes-gpt-only shell-write-primary-array write-primary-array write-backup-header
flush-after-backup
flush-after-primary read-commit read-load-primary read-load-backup readonly
medium-removed-first-write medium-removed-between-copies"

# The cases are in ovmf/faults-cases.sh, their checks in
# ovmf/faults-checks.sh.

run_case() {
	case_dir "$1"
	read -r ESP_START ESP_END <"$W/esp"
	cp --sparse=always "$W/ws2019.img" "$C/sys.img"
	echo "$BS" >"$C/sys.bs"
	case_call
	case_clean "${FAULTS_KEEP:-}" '*.img' '*.orig'
}

# ------------------------------------------------------------------ setup ---

setup() {
	suite_fresh
	for _i in "unattended:--apply --then shutdown" \
		"nobackup:--apply --no-backup --then shutdown" \
		"removable:--apply --removable --no-backup --then shutdown" \
		"interactive:"; do
		_n=${_i%%:*} _o=${_i#*:}
		if ! "$here/../tools/mkiso.sh" "$BUILD/gptrim.efi" "$ISO_DIR/$_n.iso" \
			${_o:+"$_o"} >"$ISO_DIR/$_n.log" 2>&1; then
			echo "FAIL: faults: ISO $_n ($_o)"
			sed 's/^/#   /' "$ISO_DIR/$_n.log"
			return 1
		fi
	done
	if ! fx_ws2019 "$W/ws2019.img" "$BS" >"$W/fx.log" 2>&1 ||
		! fx_esp "$W/ws2019.img" "$BS" >"$W/esp"; then
		echo "FAIL: faults: making the WS2019 fixture"
		sed 's/^/#   /' "$W/fx.log"
		return 1
	fi
	# The sectors the rules aim at are those of this fixture.
	_a=$(python3 "$here/gpttool.py" areas "$W/ws2019.img" "$BS" |
		awk -v bs="$BS" '{ printf "%d ", $1 / bs }')
	if [ "$_a" != "0 1 $PARRAY $BARRAY $LAST " ]; then
		echo "FAIL: faults: the fixture's GPT areas start at LBAs $_a, expected 0 1 $PARRAY $BARRAY $LAST"
		return 1
	fi
}

prereqs() {
	need_tools qemu-system-x86_64 sgdisk sfdisk mformat mcopy mmd xorriso \
		mkfs.vfat fsck.fat python3 || return 1
	need_ovmf OVMF_CODE_4M.fd OVMF_VARS_4M.fd || return 1
	[ -r "$BUILD/gptrim.efi" ] || { echo "$BUILD/gptrim.efi not built"; return 1; }
}

# ------------------------------------------------------------------- main ---

suite_start ovmf-faults "$@"
setup || exit 1
suite_cases $cases
if [ -z "${*:-}" ]; then
	echo "SKIP: medium-changed: a medium swapped for another between gptrim's read and its write (QEMU 7.2: blockdev-change-medium and eject drain the drive's requests, so with a blkdebug breakpoint holding the guest they never return, and without one the swap races the guest; the one race-free pause, the interactive question, comes only without options, and removable disks need --removable; non-removable drives refuse: \"Device 'd1' is not removable\"); the adapter's MediaId check runs on the host instead: unit-efi-blockio)"
fi
suite_exit faults "$start" $cases
