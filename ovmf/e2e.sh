#!/bin/sh
# SPDX-License-Identifier: MIT
# End-to-end suite: gptrim.efi booted under QEMU + OVMF (TCG, q35) against
# disk images, judged on the host with independent tools.
#
# Usage: ovmf/e2e.sh [CASE...]      all cases (or the named ones), 2 at a time
#        ovmf/e2e.sh --list         the case names
#        ovmf/e2e.sh --case CASE    one case (used by the runner)
# Environment: BUILD (build), MAKE (make), E2E_JOBS (2), E2E_DIR ($BUILD/e2e),
#              E2E_KEEP=1 keeps the disk images of passing cases.
# Prints "PASS: case: what" / "FAIL: case: what" / "SKIP: what (why)" lines,
# details of failures as "#   " lines, and "# timing:" / "# size:" lines.
#
# Each case makes its fixtures (ovmf/fixtures.sh), boots once or twice
# (ovmf/boot.sh: fresh OVMF_VARS, serial console log, hard timeout), then
# checks, as each applies:
#   - sgdisk -v finds no problems;
#   - sfdisk --json: the Windows RE entries are gone, every other entry and
#     the header fields are unchanged and at the same index;
#   - every byte outside the two GPT copies and the ESP is unchanged; disks
#     that must be untouched are byte-identical, ESP included;
#   - the ESP: \EFI\gptrim\<disk GUID>.gpt is byte-identical to what
#     `sgdisk --backup` writes for the original, `sgdisk --load-backup` of it
#     on a copy gives back the original disk byte for byte (outside the
#     ESP), gptrim.log has a line, BCD is intact, fsck.fat finds no errors;
#   - the serial console has "gptrim: disk N ...: removed K, healthy" (or
#     the refusal), the shell's %lasterror%, and how QEMU ended.
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
. "$here/lib.sh"
suite_env E2E e2e
. "$here/fixtures.sh"
. "$here/checks.sh"

ISO_DIR=$W/iso
SNAKEOIL_KEY=/usr/share/ovmf/PkKek-1-snakeoil.key
SNAKEOIL_PEM=/usr/share/ovmf/PkKek-1-snakeoil.pem
BOOT_TIMEOUT=${E2E_BOOT_TIMEOUT:-240}

# Longest first, so the two workers finish together. The timing pair goes
# first: both boots start at the same moment on the two cores.
CASES="timing-gptrim timing-empty interactive-none interactive-yes
shell-idempotent iso-idempotent iso-virtio-ws2019 iso-multi
shell-ws2019 shell-refuse-disagree shell-refuse-overlap
iso-refuse-disagree iso-refuse-overlap iso-restore iso-restore-grown iso-esp-full iso-config-empty iso-no-disk iso-no-gpt secboot-signed secboot-unsigned
iso-scsi-ws2022 iso-nvme-tworec iso-sata-ws2019 iso-virtio4k-ws2019
iso-scsi4k-tworec iso-nvme4k-ws2022 iso-virtio-grown"

# ---------------------------------------------------------------- helpers ---

# check_refusal LOGNAME: the disk's summary says refused, and why.
check_refusal() {
	_line=$(summaries "$1" | grep -E ': refused: ' | head -n 1)
	if [ -n "$_line" ] && ! summaries "$1" | grep -qE ': removed [1-9]'; then
		pass "$1: console: $_line"
	else
		fail "$1: no refusal on the console"
		{ summaries "$1"; tail -n 15 "$C/$1.txt"; } | detail
	fi
}

# same_as NAME FILE: the image is byte-identical to FILE (a saved state).
same_as() {
	python3 "$here/gpttool.py" compare "$2" "$C/$1.img" "$(bs_of "$1")" \
		>"$C/$1.cmp2" 2>&1
}

# ------------------------------------------------------------------ cases ---

# The main scenario, timed: the unattended ISO against a WS2019 system disk,
# a data disk, an MBR disk and a blank disk, all on virtio-blk.
case_timing_gptrim() {
	disk sys ws2019 512 && disk data data 512 && disk mbr mbr 512 &&
		disk blank blank 512 || return
	boot run --iso "$ISO_DIR/unattended.iso" --mark "BdsDxe: starting" \
		$(disk_args sys:virtio data:virtio mbr:virtio blank:virtio)
	check_end run guest-shutdown
	check_summary run 1
	check_fixed sys 1
	check_untouched data mbr blank
}

# The same boot with the empty app: the baseline of the timing.
case_timing_empty() {
	disk sys ws2019 512 && disk data data 512 && disk mbr mbr 512 &&
		disk blank blank 512 || return
	boot run --iso "$ISO_DIR/empty.iso" --mark "BdsDxe: starting" \
		$(disk_args sys:virtio data:virtio mbr:virtio blank:virtio)
	check_end run guest-shutdown
}

case_iso_virtio_ws2019() {
	# The same path with the disks spread over controllers: WS2019 on
	# virtio-blk, the data disk on NVMe, the MBR disk on SATA.
	disk sys ws2019 512 && disk data data 512 && disk mbr mbr 512 || return
	boot run --iso "$ISO_DIR/unattended.iso" \
		$(disk_args sys:virtio data:nvme mbr:sata)
	check_end run guest-shutdown
	check_summary run 1
	check_fixed sys 1
	check_untouched data mbr
}

# Two system disks in one VM: each gets its own backup on its own ESP.
case_iso_multi() {
	disk a ws2019 512 && disk b ws2022 4096 && disk blank blank 512 || return
	boot run --iso "$ISO_DIR/unattended.iso" \
		$(disk_args a:sata b:nvme blank:scsi)
	check_end run guest-shutdown
	check_summary run 1 1
	check_fixed a 1
	check_fixed b 1
	check_untouched blank
}

iso_one() { # LAYOUT BS CTRL K [grown]
	disk sys "$1" "$2" || return
	boot run --iso "$ISO_DIR/unattended.iso" $(disk_args "sys:$3")
	check_end run guest-shutdown
	check_summary run "$4"
	check_fixed sys "$4" ${5:-}
}
# Two disks on the virtio-scsi HBA: WS2022 (512) and a 4Kn data disk.
case_iso_scsi_ws2022() {
	disk sys ws2022 512 && disk data data 4096 || return
	boot run --iso "$ISO_DIR/unattended.iso" $(disk_args sys:scsi data:scsi)
	check_end run guest-shutdown
	if grep -q '^2 disk(s) to look at' "$C/run.txt"; then
		pass "run: both SCSI disks seen"
	else
		fail "run: not both SCSI disks seen"
		grep 'disk(s) to look at' "$C/run.txt" | detail
	fi
	check_summary run 1
	check_fixed sys 1
	check_untouched data
}
case_iso_nvme_tworec() { iso_one tworec 512 nvme 2; }
case_iso_sata_ws2019() { iso_one ws2019 512 sata 1; }
case_iso_virtio4k_ws2019() { iso_one ws2019 4096 virtio 1; }
case_iso_scsi4k_tworec() { iso_one tworec 4096 scsi 2; }
case_iso_nvme4k_ws2022() { iso_one ws2022 4096 nvme 1; }
case_iso_virtio_grown() { iso_one grown 512 virtio 1 grown; }

# startup.nsh (as shipped) in OVMF's built-in shell.
case_shell_ws2019() {
	disk sys ws2019 512 && disk data data 4096 || return
	fat_with startup "--apply --then exit"
	boot run --fat "$C/startup.fat" --skip-countdown \
		$(disk_args sys:sata data:virtio)
	check_end run guest-shutdown
	check_lasterror run 0
	check_summary run 1
	check_fixed sys 1
	check_untouched data
}

# A second run finds nothing to do: writes nothing, exits 0.
case_shell_idempotent() {
	disk sys ws2022 4096 || return
	fat_with startup "--apply --then exit"
	boot first --fat "$C/startup.fat" --skip-countdown $(disk_args sys:virtio)
	check_end first guest-shutdown
	check_lasterror first 0
	check_fixed sys 1
	cp --sparse=always "$C/sys.img" "$C/sys.after1"
	boot second --fat "$C/startup.fat" --skip-countdown $(disk_args sys:virtio)
	check_end second guest-shutdown
	check_lasterror second 0
	if same_as sys "$C/sys.after1"; then
		pass "second run: not one byte written (ESP included)"
	else
		fail "second run wrote to the disk"
		detail <"$C/sys.cmp2"
	fi
}

case_iso_idempotent() {
	disk sys ws2019 512 || return
	boot first --iso "$ISO_DIR/unattended.iso" $(disk_args sys:scsi)
	check_end first guest-shutdown
	check_summary first 1
	cp --sparse=always "$C/sys.img" "$C/sys.after1"
	boot second --iso "$ISO_DIR/unattended.iso" $(disk_args sys:scsi)
	check_end second guest-shutdown
	if summaries second | grep -qE ': removed 0, healthy$' &&
		! summaries second | grep -qvE ': (removed 0, healthy|no GPT, skipped)$'; then
		pass "second: console: $(summaries second | grep -E ': removed 0, healthy$' | head -n 1)"
	else
		fail "second: console summary is not 'removed 0, healthy'"
		summaries second | detail
	fi
	if same_as sys "$C/sys.after1"; then
		pass "second run: not one byte written (ESP included)"
	else
		fail "second run wrote to the disk"
		detail <"$C/sys.cmp2"
	fi
}

# The interactive ISO (no gptrim.cfg): answer y, then s(hutdown).
case_interactive_yes() {
	disk sys ws2019 512 || return
	boot run --iso "$ISO_DIR/interactive.iso" $(disk_args sys:nvme) \
		--expect "[y/N]" --send "y" \
		--expect "[r]eboot, [s]hutdown or [e]xit?" --send "s"
	check_end run guest-shutdown
	if grep -q 'answer: yes' "$C/run.txt"; then
		pass "run: the question was asked and answered on the serial console"
	else
		fail "run: no answer recorded on the console"
		tail -n 15 "$C/run.txt" | detail
	fi
	check_summary run --report-first 1
	check_fixed sys 1
}

# No answer: the countdown runs out, nothing is written. Answer the
# reboot/shutdown/exit question with s so the VM powers off.
case_interactive_none() {
	disk sys ws2022 512 || return
	boot run --iso "$ISO_DIR/interactive.iso" $(disk_args sys:virtio) \
		--expect "[r]eboot, [s]hutdown or [e]xit?" --send "s"
	check_end run guest-shutdown
	if grep -q 'no answer: no' "$C/run.txt"; then
		pass "run: the 30 s countdown ran out: no"
	else
		fail "run: the countdown did not end in 'no answer: no'"
		tail -n 15 "$C/run.txt" | detail
	fi
	if summaries run | grep -qE ': would remove 1 \(report only\)$' &&
		! summaries run | grep -qE ': removed [0-9]'; then
		pass "run: console: $(summaries run | head -n 1)"
	else
		fail "run: console summary after no answer"
		summaries run | detail
	fi
	check_untouched sys
}

# An ESP with no room for the backup: exit 5, and the disk not changed:
# every byte outside the ESP as before, and the ESP holds the same files
# (no \EFI\gptrim, no log line) and is a clean FAT. The FAT driver
# writes the directory and part of the file before it runs out of space,
# so what gptrim undoes is checked through the file system, not in bytes.
case_iso_esp_full() {
	disk sys ws2019 512 || return
	set -- $(fx_esp "$C/sys.img" 512)
	_at="$C/sys.img@@$1" _esp="$1:$2"
	# Fill it up to 8 KiB: room for \EFI\gptrim, not for the 17.5 KiB file.
	_free=$(minfo -i "$_at" :: 2>/dev/null | sed -n 's/^free clusters=\([0-9]*\).*/\1/p')
	_csize=$(minfo -i "$_at" :: 2>/dev/null | sed -n 's/^cluster size: \([0-9]*\) sectors.*/\1/p')
	head -c $(( (_free * _csize - 16) * 512 )) /dev/zero >"$C/fill.bin"
	mcopy -i "$_at" "$C/fill.bin" ::/fill.bin && rm -f "$C/fill.bin"
	cp --sparse=always "$C/sys.img" "$C/sys.orig"
	mdir -/ -b -i "$_at" :: >"$C/esp.before" 2>&1
	boot run --iso "$ISO_DIR/unattended.iso" $(disk_args sys:virtio)
	check_end run guest-shutdown
	if summaries run | grep -qE ': not changed, backup failed: saving the GPT backup: writing '; then
		pass "run: console: $(summaries run | grep -o 'not changed, backup failed: .*' | cut -c1-100)"
	else
		fail "run: console: no 'not changed, backup failed' summary"
		summaries run | detail
	fi
	check_exit run 5
	if python3 "$here/gpttool.py" compare "$C/sys.orig" "$C/sys.img" 512 \
		--skip "$_esp" >"$C/sys.cmp" 2>&1; then
		pass "disk sys: every byte outside the ESP unchanged, the GPT included"
	else
		fail "disk sys: bytes changed outside the ESP"
		detail <"$C/sys.cmp"
	fi
	mdir -/ -b -i "$_at" :: >"$C/esp.after" 2>&1
	if cmp -s "$C/esp.before" "$C/esp.after"; then
		pass "disk sys: the ESP holds the same files as before ($(wc -l <"$C/esp.after") entries, no \\EFI\\gptrim)"
	else
		fail "disk sys: the ESP's files changed"
		diff "$C/esp.before" "$C/esp.after" | detail
	fi
	check_esp_fsck sys "${_esp%%:*}" "${_esp#*:}"
}

# Undo of a grown disk from the firmware: the fix moved the backup GPT to
# the new end; the restore read from the disk's ESP puts the original table
# back, its backup copy where it was (the primary's AlternateLBA, which
# Linux and EDK2 follow), and erases the copy gptrim had moved to the end.
case_iso_restore_grown() {
	fix_then_restore grown 512 || return
	if summaries undo | grep -qE ': restored, healthy$'; then
		pass "undo: $(summaries undo | grep -o 'restored, healthy') from the ESP"
	else
		fail "undo: no healthy summary after --restore"
		tail -n 20 "$C/undo.txt" | detail
	fi
	# sgdisk -v finds the original's one problem (the backup is not at the
	# end of the grown disk) and nothing else.
	fx_sgdisk "$C/sys.img" 512 -v >"$C/sys.verify" 2>&1
	fx_sgdisk "$C/sys.orig" 512 -v >"$C/orig.verify" 2>&1
	if diff "$C/orig.verify" "$C/sys.verify" >"$C/verify.diff" &&
		grep -q 'Identified 1 problems' "$C/sys.verify"; then
		pass "undo: sgdisk -v says of it exactly what it says of the original: $(grep -m 1 -i 'problem:' "$C/sys.verify" | cut -c1-60)..."
	else
		fail "undo: sgdisk -v differs from the original's"
		cat "$C/verify.diff" "$C/sys.verify" | detail
	fi
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
	# Every byte as before but the ESP and the 33 blocks at the end where
	# the moved copy was (erased: they held random bytes before the fix).
	set -- $(fx_esp "$C/sys.orig" 512)
	_size=$(stat -c %s "$C/sys.img")
	if python3 "$here/gpttool.py" compare "$C/sys.orig" "$C/sys.img" 512 \
		--skip "$1:$2" --skip "$((_size - 33 * 512)):$_size" >"$C/sys.cmp" 2>&1; then
		pass "undo: every byte as the original's, GPT copies included (ESP and the moved copy's 33 blocks aside)"
	else
		fail "undo: the disk differs from the original"
		detail <"$C/sys.cmp"
	fi
}

# The firmware shows no fixed disk (a controller it has no driver for, or
# Quick Boot): not a success; exit 7 with the likely causes.
case_iso_no_disk() {
	boot run --iso "$ISO_DIR/unattended.iso"
	check_end run guest-shutdown
	check_outcome run 7 "error: the firmware shows no fixed disk" failed
}

# Disks, but none with a GPT (an MBR disk, a blank one): exit 3, not 0.
case_iso_no_gpt() {
	disk mbr mbr 512 && disk blank blank 512 || return
	boot run --iso "$ISO_DIR/unattended.iso" $(disk_args mbr:virtio blank:sata)
	check_end run guest-shutdown
	check_outcome run 3 "error: no disk has a GPT (2 looked at)" failed
	check_untouched mbr blank
}

# A gptrim.cfg with only comments is a bad configuration (exit 2, named),
# not the interactive question an unattended boot would leave unanswered.
case_iso_config_empty() {
	disk sys ws2019 512 || return
	"$here/../tools/mkiso.sh" "$BUILD/gptrim.efi" "$C/empty-cfg.iso" \
		"# gptrim options, one day:
#   --apply --then shutdown"
	boot run --iso "$C/empty-cfg.iso" \
		--quit-on "gptrim: exit status 2 (bad command line or config)" \
		$(disk_args sys:virtio)
	check_end run host-qmp-quit
	if grep -q 'holds no option (it is empty or only comments)' "$C/run.txt" &&
		grep -q '^gptrim: exit status 2 ' "$C/run.txt" &&
		! grep -q 'disk(s) to look at' "$C/run.txt"; then
		pass "run: console: $(grep -o '.gptrim.cfg holds no option.*' "$C/run.txt" | cut -c1-80)..., exit status 2, no disk looked at"
	else
		fail "run: console: no refusal of the empty gptrim.cfg with exit status 2"
		tail -n 15 "$C/run.txt" | detail
	fi
	check_untouched sys
}

# fix_then_restore LAYOUT BS: the unattended ISO fixes the disk (virtio),
# then an ISO whose gptrim.cfg restores the backup from the disk's own ESP
# (boots fix and undo; _opts holds that gptrim.cfg).
fix_then_restore() {
	disk sys "$1" "$2" || return 1
	boot fix --iso "$ISO_DIR/unattended.iso" $(disk_args sys:virtio)
	check_end fix guest-shutdown
	check_summary fix 1
	_opts="--apply --restore /EFI/gptrim/$(guid_of sys).gpt --disk 1 --then shutdown"
	"$here/../tools/mkiso.sh" "$BUILD/gptrim.efi" "$C/restore.iso" "$_opts"
	boot undo --iso "$C/restore.iso" $(disk_args sys:virtio)
	check_end undo guest-shutdown
}

# Undo from the firmware: fix, then boot an ISO whose gptrim.cfg restores
# the backup from the disk's own ESP; the disk is the original again.
case_iso_restore() {
	fix_then_restore ws2019 4096 || return
	_line=$(summaries undo | head -n 1)
	if summaries undo | grep -qE ': restored, healthy$'; then
		pass "undo: gptrim.cfg '$_opts': $_line"
	else
		fail "undo: no healthy summary after --restore"
		tail -n 20 "$C/undo.txt" | detail
	fi
	fx_sgdisk "$C/sys.img" 4096 -v >"$C/sys.verify" 2>&1
	if grep -q '^No problems found' "$C/sys.verify"; then
		pass "undo: sgdisk -v: no problems found"
	else
		fail "undo: sgdisk -v"
		detail <"$C/sys.verify"
	fi
	set -- $(fx_esp "$C/sys.orig" 4096)
	if python3 "$here/gpttool.py" compare "$C/sys.orig" "$C/sys.img" 4096 \
		--skip "$1:$2" >"$C/sys.cmp" 2>&1; then
		pass "undo: the disk is the original again, byte for byte (ESP aside), GPT copies included"
	else
		fail "undo: the disk differs from the original"
		detail <"$C/sys.cmp"
	fi
}

refuse_iso() { # DAMAGE LAYOUT
	disk sys "$2" 512 || return
	python3 "$here/gpttool.py" "$1" "$C/sys.img" 512
	cp --sparse=always "$C/sys.img" "$C/sys.orig"
	boot run --iso "$ISO_DIR/unattended.iso" $(disk_args sys:virtio)
	check_end run guest-shutdown
	check_refusal run
	check_untouched sys
}
case_iso_refuse_disagree() { refuse_iso disagree ws2019; }
case_iso_refuse_overlap() { refuse_iso overlap ws2022; }

refuse_shell() { # DAMAGE LAYOUT
	disk sys "$2" 512 || return
	python3 "$here/gpttool.py" "$1" "$C/sys.img" 512
	cp --sparse=always "$C/sys.img" "$C/sys.orig"
	fat_with startup "--apply --then exit"
	boot run --fat "$C/startup.fat" --skip-countdown $(disk_args sys:scsi)
	check_end run guest-shutdown
	check_lasterror run nonzero
	check_refusal run
	check_untouched sys
}
case_shell_refuse_disagree() { refuse_shell disagree ws2022; }
case_shell_refuse_overlap() { refuse_shell overlap ws2019; }

# Secure Boot with Debian's snakeoil keys enrolled.
case_secboot_signed() {
	disk sys ws2019 512 || return
	boot run --secboot --iso "$ISO_DIR/signed.iso" $(disk_args sys:virtio)
	check_end run guest-shutdown
	check_summary run 1
	check_fixed sys 1
}

case_secboot_unsigned() {
	disk sys ws2019 512 || return
	boot run --secboot --iso "$ISO_DIR/unattended.iso" $(disk_args sys:virtio) \
		--quit-on "No bootable option or device was found"
	check_end run host-qmp-quit
	if grep -q 'DVD-ROM.*Access Denied' "$C/run.txt" &&
		! grep -q 'gptrim' "$C/run.txt"; then
		pass "run: the firmware refused the unsigned ISO (Access Denied)"
	else
		fail "run: the unsigned ISO was not refused"
		tail -n 15 "$C/run.txt" | detail
	fi
	check_untouched sys
}

run_case() {
	case_dir "$1"
	case_call
	# Free space: keep the images of failed cases for a look.
	if [ "$FAILED" = 0 ] && [ -z "${E2E_KEEP:-}" ]; then
		rm -f "$C"/*.img "$C"/*.orig "$C"/*.after1 "$C"/*.fat
	fi
}

# ------------------------------------------------------------------ setup ---

# iso_check ISO WANT-CFG: the El Torito image holds BOOTX64.EFI and the
# config (or none when WANT-CFG is empty).
iso_check() {
	_x=$W/iso/x
	rm -rf "$_x" && mkdir -p "$_x"
	xorriso -osirrox on -indev "$1" -extract_boot_images "$_x" \
		>/dev/null 2>&1
	_img=$(ls "$_x"/*uefi* 2>/dev/null | head -n 1)
	[ -n "$_img" ] || { echo "no UEFI El Torito image"; return 1; }
	mcopy -n -i "$_img" ::/EFI/BOOT/BOOTX64.EFI "$_x/BOOTX64.EFI" 2>/dev/null ||
		{ echo "no \\EFI\\BOOT\\BOOTX64.EFI"; return 1; }
	_cfg=$(mtype -i "$_img" ::/gptrim.cfg 2>/dev/null | tr -d '\r' | grep -v '^#')
	if [ "$_cfg" != "$2" ]; then
		echo "gptrim.cfg holds '$_cfg', expected '$2'"
		return 1
	fi
	_size=$(stat -c %s "$1")
	[ "$_size" -le 2097152 ] || { echo "ISO is $_size bytes, over 2 MiB"; return 1; }
}

# make_iso NAME OPTIONS [SIGN]: `make iso` and keep a copy.
make_iso() {
	_name=$1 _opts=$2
	shift 2
	if $MAKE -s --no-print-directory -C "$top" BUILD="$BUILD" iso \
		OPTIONS="$_opts" "$@" >"$ISO_DIR/$_name.make" 2>&1; then
		cp "$BUILD/gptrim.iso" "$ISO_DIR/$_name.iso"
	else
		echo "FAIL: make iso OPTIONS=\"$_opts\" $* (ISO $_name)"
		sed 's/^/#   /' "$ISO_DIR/$_name.make"
		return 1
	fi
	if _why=$(iso_check "$ISO_DIR/$_name.iso" "$_opts"); then
		echo "PASS: make iso OPTIONS=\"$_opts\"${1:+ SIGN_KEY= SIGN_CERT=}: \\EFI\\BOOT\\BOOTX64.EFI and the right \\gptrim.cfg, $(stat -c %s "$ISO_DIR/$_name.iso") bytes"
	else
		echo "FAIL: make iso OPTIONS=\"$_opts\": $_why"
	fi
}

setup() {
	rm -rf "$W"
	mkdir -p "$ISO_DIR" "$W/cases"
	: >"$FX_LOCK"
	make_iso unattended "--apply --then shutdown" || return 1
	make_iso interactive "" || return 1
	umask 077
	if openssl rsa -passin pass:snakeoil -in "$SNAKEOIL_KEY" \
		-out "$ISO_DIR/snakeoil.key" 2>"$ISO_DIR/openssl.err"; then
		umask 022
		make_iso signed "--apply --then shutdown" \
			SIGN_KEY="$ISO_DIR/snakeoil.key" SIGN_CERT="$SNAKEOIL_PEM" ||
			return 1
		_x=$W/iso/x
		if sbverify --cert "$SNAKEOIL_PEM" "$_x/BOOTX64.EFI" >/dev/null 2>&1; then
			echo "PASS: the signed ISO's BOOTX64.EFI verifies with sbverify against the snakeoil certificate"
		else
			echo "FAIL: the signed ISO's BOOTX64.EFI does not verify (sbverify)"
		fi
	else
		umask 022
		echo "FAIL: decrypting the snakeoil key"
		sed 's/^/#   /' "$ISO_DIR/openssl.err"
		return 1
	fi
	# Leave build/gptrim.iso as the user's default build.
	$MAKE -s --no-print-directory -C "$top" BUILD="$BUILD" iso \
		>/dev/null 2>&1 || true
	$MAKE -s --no-print-directory -C "$top" BUILD="$BUILD" ovmf-empty \
		>"$ISO_DIR/empty.make" 2>&1 ||
		{ echo "FAIL: make ovmf-empty"; sed 's/^/#   /' "$ISO_DIR/empty.make"; return 1; }
	cp "$BUILD/bench/empty.iso" "$ISO_DIR/empty.iso"
	echo "# size: build/gptrim.efi $(stat -c %s "$BUILD/gptrim.efi") bytes, unattended ISO $(stat -c %s "$ISO_DIR/unattended.iso") bytes, empty app $(stat -c %s "$BUILD/bench/empty.efi") bytes"
}

prereqs() {
	need_tools qemu-system-x86_64 sgdisk sfdisk losetup flock mformat mcopy \
		xorriso sbsign sbverify openssl mkfs.vfat fsck.fat python3 || return 1
	need_ovmf OVMF_CODE_4M.fd OVMF_VARS_4M.fd OVMF_CODE_4M.secboot.fd \
		OVMF_VARS_4M.snakeoil.fd || return 1
	[ -r "$SNAKEOIL_KEY" ] || { echo "no $SNAKEOIL_KEY"; return 1; }
	[ "$(id -u)" = 0 ] || { echo "not root (4Kn fixtures need losetup)"; return 1; }
	[ -r "$BUILD/gptrim.efi" ] || { echo "$BUILD/gptrim.efi not built"; return 1; }
}

# ------------------------------------------------------------------- main ---

suite_entry "$@"

suite_prereqs ovmf-e2e
cases=${*:-$CASES}
start=$(date +%s)
setup || { echo "FAIL: setting up the ISOs; no boots run"; exit 1; }
echo "SKIP: 4Kn on SATA (QEMU's IDE/AHCI emulation has 512-byte logical blocks only)"
run_cases "$JOBS" $cases
detach_loops
print_results $cases
# Boot to power-off of the two timing boots (run side by side, one per core),
# and the part after the firmware started the app from the CD.
timing() { # CASE -> "TOTAL APP" in seconds
	[ -r "$W/cases/$1/run.end" ] || return 1
	read -r _end _total _start <"$W/cases/$1/run.end"
	[ "$_end" = guest-shutdown ] && [ -n "$_start" ] || return 1
	echo "$_total $(echo "$_total $_start" | awk '{ printf "%.1f", $1 - $2 }')"
}
if g=$(timing timing-gptrim) && e=$(timing timing-empty); then
	set -- $g $e
	echo "# timing: boot to power-off under TCG, same VM (ISO + 4 disks on virtio-blk), same run, side by side: gptrim unattended ISO $1 s, empty gnu-efi app $3 s; from the firmware starting the CD to power-off: gptrim $2 s, empty $4 s"
fi
suite_exit e2e "$start" $cases
