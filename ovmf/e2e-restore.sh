# SPDX-License-Identifier: MIT
# The e2e cases of an undo from the firmware (ovmf/e2e.sh): fix a disk,
# then boot an ISO whose gptrim.cfg restores the backup from the disk's own
# ESP. Sourced by ovmf/e2e.sh after ovmf/checks.sh.
# shellcheck shell=sh

# fix_then_restore LAYOUT BS: the unattended ISO fixes the disk (virtio),
# then an ISO whose gptrim.cfg restores the backup from the disk's own ESP
# (boots fix and undo; _opts holds that gptrim.cfg); the undo's summary is
# "restored, healthy".
fix_then_restore() {
	disk sys "$1" "$2" || return 1
	boot fix --iso "$ISO_DIR/unattended.iso" $(disk_args sys:virtio)
	check_end fix guest-shutdown
	check_summary fix 1
	_opts="--apply --restore /EFI/gptrim/$(guid_of sys).gpt --disk 1 --then shutdown"
	"$here/../tools/mkiso.sh" "$BUILD/gptrim.efi" "$C/restore.iso" "$_opts"
	boot undo --iso "$C/restore.iso" $(disk_args sys:virtio)
	check_end undo guest-shutdown
	_line=$(summaries undo | head -n 1)
	if summaries undo | grep -qE ': restored, healthy$'; then
		pass "undo: gptrim.cfg '$_opts': $_line"
	else
		fail "undo: no healthy summary after --restore"
		tail -n 20 "$C/undo.txt" | detail
	fi
}

# Undo from the firmware: the disk is the original again (ESP aside).
case_iso_restore() {
	fix_then_restore ws2019 4096 || return
	check_original sys
}

# Undo of a grown disk from the firmware: the fix moved the backup GPT to
# the new end; the restore read from the disk's ESP puts the original table
# back, its backup copy where it was (the primary's AlternateLBA, which
# Linux and EDK2 follow), and erases the copy gptrim had moved to the end.
case_iso_restore_grown() {
	fix_then_restore grown 512 || return
	check_original sys grown
	if python3 - "$top/tests/lib" "$C/sys.orig" "$C/sys.img" >"$C/readers" 2>&1 <<'PY'
import sys
sys.path.insert(0, sys.argv[1])
import gptread
orig, img = gptread.report(sys.argv[2], 512), gptread.report(sys.argv[3], 512)
bad = [k for k in ("edk2_pick", "linux_pick", "linux_pick_force_gpt")
       if (img[k]["copy"], img[k]["table"]) != (orig[k]["copy"], orig[k]["table"])]
end = img["last_lba"]
with open(sys.argv[3], "rb") as f:
    f.seek(end * 512)
    if f.read(8) == b"EFI PART":
        bad.append("a GPT header is left at the last LBA %d" % end)
print("; ".join(bad) or "Linux's and EDK2's readers pick the original copy "
      "and read the original table; no header at the last LBA")
sys.exit(1 if bad else 0)
PY
	then
		pass "undo: $(cat "$C/readers")"
	else
		fail "undo: the readers' view differs from the original's"
		detail <"$C/readers"
	fi
}
