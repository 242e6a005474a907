# SPDX-License-Identifier: MIT
# The cases of ovmf/faults.sh: EIO on each GPT write, flush and read of
# gptrim's commit and load, a write-protected drive, the medium removed
# mid-write, and the write order when nothing fails. Sourced by
# ovmf/faults.sh after ovmf/faults-checks.sh.
# shellcheck shell=sh

# EIO on the write of the backup header (after the backup array block was
# written). The primary must never be written; OVMF, made to re-read the
# disk, rewrites the backup copy from the primary (it does that to a bad
# copy on every connect), which leaves the old table in both copies.
case_write_backup_header() {
	eio_rule write "$LAST"
	commit_fails unattended \
		"Commit failed: writing the backup header (LBA $LAST, 1 blocks)" \
		"error: writing the backup header (LBA $LAST, 1 blocks): writing 1 blocks at LBA $LAST"
	check_writes "the primary copy and the MBR never written; gptrim's GPT writes: backup array, backup header" \
		--forbid 0:33 --gpt-first "$BARRAY:1 $LAST:1"
	check_commit_undone
}

# EIO on the write of the primary array, after the backup copy is complete
# and flushed: the primary header is never written; old primary, new backup.
# check_primary_array_writes: the writes up to the failed one.
check_primary_array_writes() {
	check_writes "the primary header and the MBR never written; GPT writes: backup array, backup header, the failed primary array block, nothing after" \
		--forbid 0:1 --gpt-first "$BARRAY:1 $LAST:1 $PARRAY:1" --gpt-max 3
}
case_write_primary_array() {
	eio_rule write "$PARRAY"
	commit_fails unattended \
		"Commit failed: writing the primary entry array (LBA $PARRAY, 1 blocks)" \
		"error: writing the primary entry array (LBA $PARRAY, 1 blocks)"
	check_primary_array_writes
	check_commit_undone
}

# The same from OVMF's shell (startup.nsh as shipped): %lasterror% is 6.
case_shell_write_primary_array() {
	eio_rule write "$PARRAY"
	fat_with startup "--apply --then exit" >"$C/fat.log" 2>&1 ||
		{ fail "making the FAT image with startup.nsh"; detail <"$C/fat.log"; return; }
	fault_boot shell "blkdebug=$C/rules.conf" virtio
	check_end run guest-shutdown
	check_summary_has "error: writing the primary entry array (LBA $PARRAY, 1 blocks)"
	check_lasterror run 6
	check_primary_array_writes
	check_state old
	check_bytes
}

# No fault, --no-backup: the four GPT blocks that change, each once, in
# the write order of docs/design.md, and not one other byte of the disk (no
# backup file, no log line: the ESP is left alone).
case_no_backup_writes_gpt_only() {
	fault_boot nobackup "" virtio
	check_end run guest-shutdown
	check_summary_has "removed 1, healthy"
	check_exit run 0
	check_writes "exactly backup array, backup header, primary array, primary header" \
		--gpt-first "$BARRAY:1 $LAST:1 $PARRAY:1 1:1" --max 4
	check_state new
	check_bytes esp
}

# EIO on the flush after the backup copy. --no-backup: the first write to
# the disk is then gptrim's backup array, so "the first flush after a write"
# is exactly this flush (the FAT driver flushes after its own writes).
case_flush_after_backup() {
	eio_rule flush
	commit_fails nobackup \
		"Commit failed: flush after the backup header: flushing" \
		"error: flush after the backup header: flushing"
	check_writes "the primary copy and the MBR never written; GPT writes: backup array, backup header" \
		--forbid 0:33 --gpt-first "$BARRAY:1 $LAST:1" --gpt-max 2
	check_state old
	check_bytes
	check_converges
}

# EIO on the last flush, after all four blocks were written: blkdebug's
# state 2 starts at the first flush that reaches the disk.
case_flush_after_primary() {
	rules "[set-state]
event = \"flush_to_disk\"
state = \"1\"
new_state = \"2\"

[inject-error]
event = \"pwritev\"
state = \"2\"
iotype = \"flush\"
errno = \"5\"
once = \"on\""
	commit_fails nobackup \
		"Commit failed: flush after the primary header: flushing" \
		"error: flush after the primary header: flushing"
	check_writes "GPT writes: backup array, backup header, primary array, primary header, nothing after" \
		--gpt-first "$BARRAY:1 $LAST:1 $PARRAY:1 1:1" --gpt-max 4
	check_state new
	check_bytes
	check_converges
}

# EIO on gptrim's read of the backup array just before writing it (armed by
# the first write to the disk, the FAT driver writing the ESP backup).
case_read_commit() {
	eio_rule read "$BARRAY"
	commit_fails unattended \
		"Commit failed: reading the backup entry array before writing" \
		"error: reading the backup entry array before writing it"
	check_writes "no GPT area written" --gpt-max 0
	check_state old
	check_bytes
	check_fsck
}

# EIO on a header read while gptrim loads the disk: the interactive ISO
# reports, asks; at the question QMP runs a flush on the drive (its
# flush_to_os event arms the rule) and only then is "y" typed, so the
# failing read is the second load's, never OVMF's.
read_load() { # LBA WHAT
	eio_rule read "$1" flush_to_os
	commit_fails interactive "answer: yes" \
		"error: reading 1 blocks at LBA $1 of" \
		--qmp-on console "[y/N]" "$(hmp flush)" \
		--expect "[y/N]" --send y \
		--expect "[r]eboot, [s]hutdown or [e]xit?" --send s
	check_writes "nothing written" --max 0
	check_bytes whole
	# The disk that failed to read is not one "without a GPT".
	judge "$C/nogpt.out" "console: no claim that no disk has a GPT" \
		"console: claims no disk has a GPT after a failed read" \
		sh -c '! grep -a "no disk .*has a GPT" "$1"' sh "$C/run.txt"
}
case_read_load_primary() { read_load 1 "primary header"; }
case_read_load_backup() { read_load "$LAST" "backup header"; }

# readonly=on: the report, a refusal, nothing written, status 6. A second
# boot with a disk that has nothing to do: status 0 (non-zero only when
# --apply wanted a change).
case_readonly() {
	fault_boot unattended ro virtio
	check_end run guest-shutdown
	check_line "Report only: --apply would remove 1 entry"
	check_summary_has "error: read-only medium (write-protected): cannot remove the entries, nothing written"
	check_exit run 6
	check_writes "no write request" --max 0
	check_bytes whole
	# The same disk with the entry removed beforehand (sgdisk).
	cp --sparse=always "$W/ws2019.img" "$C/sys.img"
	sgdisk -d 1 "$C/sys.img" >"$C/sgdisk.out" 2>&1 ||
		{ fail "sgdisk -d 1"; detail <"$C/sgdisk.out"; return; }
	cp --sparse=always "$C/sys.img" "$C/clean.orig"
	mv "$C/run.txt" "$C/first.txt"
	fault_boot unattended ro virtio
	check_end run guest-shutdown
	check_summary_has "removed 0, healthy"
	check_exit run 0
	judge "$C/cmp" "nothing to do: not one byte changed" \
		"the read-only disk changed" compare_disk sys "$C/clean.orig"
}

# The medium of a removable SCSI disk goes away while gptrim writes: a
# blkdebug breakpoint holds the Nth write request, QMP opens the tray, the
# request is resumed. QEMU completes the held write on the image, the guest
# is told it failed (a realistic "maybe written"); every later request
# finds no medium.
medium_removed() { # N: hold the Nth write request
	_want=$1 _start="$(hmp 'break pwritev w1')" _n=1
	set --
	while [ "$_n" -lt "$_want" ]; do
		set -- "$@" --qmp-on qemu "Suspended request 'w$_n'" \
			"[$(hmp "break pwritev w$((_n + 1))"), $(hmp "resume w$_n")]"
		_n=$((_n + 1))
	done
	set -- "$@" --qmp-on qemu "Suspended request 'w$_n'" \
		"[$OPEN_TRAY, $(hmp "resume w$_n")]"
	rules ""
	fault_boot removable "removable+blkdebug=$C/rules.conf" scsi \
		--qmp-start "$_start" "$@"
	check_end run guest-shutdown
	if grep -q "qmp (on qemu \"Suspended request 'w$_n'\") .*blockdev-open-tray.* -> {\"return\"" "$C/run.err"; then
		pass "tray opened while write request $_n was held"
	else
		fail "the tray was not opened at write request $_n"
		grep 'console.py' "$C/run.err" | detail
	fi
}
case_medium_removed_first_write() {
	medium_removed 1
	check_summary_has "error: writing the backup entry array (LBA $BARRAY, 1 blocks)"
	check_exit run 6
	check_writes "the held backup array write, nothing after" \
		--gpt-first "$BARRAY:1" --max 1
	check_state old
	check_bytes
	check_converges
}
case_medium_removed_between_copies() {
	medium_removed 2
	check_summary_has "error: writing the backup header (LBA $LAST, 1 blocks)"
	check_exit run 6
	check_writes "backup array, the held backup header write, nothing after" \
		--gpt-first "$BARRAY:1 $LAST:1" --max 2
	check_state old
	check_bytes
	check_converges
}
