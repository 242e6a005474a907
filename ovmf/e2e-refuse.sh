# SPDX-License-Identifier: MIT
# The e2e cases where gptrim must not fix anything (ovmf/e2e.sh): damaged
# tables refused, from the ISO and from OVMF's shell; no disk, no GPT, an
# empty gptrim.cfg; an ESP with no room for the backup. Sourced by
# ovmf/e2e.sh after ovmf/checks.sh.
# shellcheck shell=sh

# refuse iso|shell DAMAGE LAYOUT: the disk damaged by gpttool.py DAMAGE is
# refused (from the ISO on virtio-blk, or by startup.nsh on virtio-scsi;
# %lasterror% non-zero) and not one byte written.
refuse() {
	disk sys "$3" 512 || return
	python3 "$here/gpttool.py" "$2" "$C/sys.img" 512
	cp --sparse=always "$C/sys.img" "$C/sys.orig"
	if [ "$1" = shell ]; then
		shell_boot run $(disk_args sys:scsi)
	else
		boot run --iso "$ISO_DIR/unattended.iso" $(disk_args sys:virtio)
	fi
	check_end run guest-shutdown
	[ "$1" = iso ] || check_lasterror run nonzero
	check_summaries run ': refused: ' ': (refused: |no GPT, skipped$)' \
		"run: no refusal on the console"
	check_untouched sys
}
case_iso_refuse_disagree() { refuse iso disagree ws2019; }
case_iso_refuse_overlap() { refuse iso overlap ws2022; }
case_shell_refuse_disagree() { refuse shell disagree ws2022; }
case_shell_refuse_overlap() { refuse shell overlap ws2019; }

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
	judge "$C/sys.cmp" \
		"disk sys: every byte outside the ESP unchanged, the GPT included" \
		"disk sys: bytes changed outside the ESP" \
		compare_disk sys "$C/sys.orig" --skip "$_esp"
	mdir -/ -b -i "$_at" :: >"$C/esp.after" 2>&1
	if cmp -s "$C/esp.before" "$C/esp.after"; then
		pass "disk sys: the ESP holds the same files as before ($(wc -l <"$C/esp.after") entries, no \\EFI\\gptrim)"
	else
		fail "disk sys: the ESP's files changed"
		diff "$C/esp.before" "$C/esp.after" | detail
	fi
	check_esp_fsck sys "${_esp%%:*}" "${_esp#*:}"
}
