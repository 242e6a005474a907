# SPDX-License-Identifier: MIT
# The e2e cases that fix a disk (ovmf/e2e.sh): the timed pair, the
# unattended ISO on each controller and sector size, OVMF's shell, a second
# run that finds nothing to do, the interactive ISO, Secure Boot. Sourced
# by ovmf/e2e.sh after ovmf/checks.sh.
# shellcheck shell=sh

# timing_boot ISO: the timed VM, from ISO: a WS2019 system disk, a data
# disk, an MBR disk and a blank disk, all on virtio-blk.
timing_boot() {
	disk sys ws2019 512 && disk data data 512 && disk mbr mbr 512 &&
		disk blank blank 512 || return
	boot run --iso "$1" --mark "BdsDxe: starting" \
		$(disk_args sys:virtio data:virtio mbr:virtio blank:virtio)
	check_end run guest-shutdown
}

# The main scenario, timed: the unattended ISO.
case_timing_gptrim() {
	timing_boot "$ISO_DIR/unattended.iso" || return
	check_summary run 1
	check_fixed sys 1
	check_untouched data mbr blank
}

# The same boot with the empty app: the baseline of the timing.
case_timing_empty() { timing_boot "$ISO_DIR/empty.iso"; }

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

# iso_one LAYOUT BS CTRL K [grown]: the unattended ISO fixes one disk.
iso_one() {
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
	check_both_seen run "SCSI disks"
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
	shell_boot run $(disk_args sys:sata data:virtio)
	check_end run guest-shutdown
	check_lasterror run 0
	check_summary run 1
	check_fixed sys 1
	check_untouched data
}

# check_second_run: the second run wrote not one byte ($C/sys.after1 is
# the disk after the first).
check_second_run() {
	judge "$C/sys.cmp2" "second run: not one byte written (ESP included)" \
		"second run wrote to the disk" compare_disk sys "$C/sys.after1"
}

# A second run finds nothing to do: writes nothing, exits 0.
case_shell_idempotent() {
	disk sys ws2022 4096 || return
	shell_boot first $(disk_args sys:virtio)
	check_end first guest-shutdown
	check_lasterror first 0
	check_fixed sys 1
	cp --sparse=always "$C/sys.img" "$C/sys.after1"
	shell_boot second $(disk_args sys:virtio)
	check_end second guest-shutdown
	check_lasterror second 0
	check_second_run
}

case_iso_idempotent() {
	disk sys ws2019 512 || return
	boot first --iso "$ISO_DIR/unattended.iso" $(disk_args sys:scsi)
	check_end first guest-shutdown
	check_summary first 1
	cp --sparse=always "$C/sys.img" "$C/sys.after1"
	boot second --iso "$ISO_DIR/unattended.iso" $(disk_args sys:scsi)
	check_end second guest-shutdown
	check_summaries second ': removed 0, healthy$' \
		': (removed 0, healthy|no GPT, skipped)$' \
		"second: console summary is not 'removed 0, healthy'"
	check_second_run
}

# The interactive ISO (no gptrim.cfg): answer y, then s(hutdown).
case_interactive_yes() {
	disk sys ws2019 512 || return
	boot run --iso "$ISO_DIR/interactive.iso" $(disk_args sys:nvme) \
		--expect "[y/N]" --send "y" \
		--expect "[r]eboot, [s]hutdown or [e]xit?" --send "s"
	check_end run guest-shutdown
	check_has run "$(grep 'answer: yes' "$C/run.txt")" \
		"run: the question was asked and answered on the serial console" \
		"run: no answer recorded on the console"
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
	check_has run "$(grep 'no answer: no' "$C/run.txt")" \
		"run: the 30 s countdown ran out: no" \
		"run: the countdown did not end in 'no answer: no'"
	check_summaries run ': would remove 1 \(report only\)$' \
		': (would remove [0-9]+ \(report only\)|nothing to remove, healthy|no GPT, skipped)$' \
		"run: console summary after no answer"
	check_untouched sys
}

# Secure Boot with Debian's snakeoil keys enrolled.
case_secboot_signed() {
	disk sys ws2019 512 || return
	boot run --secboot --iso "$ISO_DIR/signed.iso" $(disk_args sys:virtio)
	check_end run guest-shutdown
	check_summary run 1
	check_fixed sys 1
}

# The signed release's apply ISO, as an administrator would attach it.
case_secboot_release() {
	disk sys ws2019 512 || return
	boot run --secboot --iso "$ISO_DIR/release-apply.iso" \
		$(disk_args sys:virtio)
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
