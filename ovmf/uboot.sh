#!/bin/sh
# SPDX-License-Identifier: MIT
# A second, independent firmware: gptrim.efi under U-Boot's UEFI (Debian's
# u-boot-qemu, qemu-x86_64) instead of EDK2, judged like the OVMF suite.
#
# Usage: ovmf/uboot.sh [CASE...]      all cases (or the named ones), 2 at a time
#        ovmf/uboot.sh --list         the case names
#        ovmf/uboot.sh --case CASE    one case (used by the runner)
# Environment: BUILD (build), UBOOT_JOBS (2), UBOOT_DIR ($BUILD/uboot),
#              UBOOT_KEEP=1 keeps the disk images of passing cases.
#
# How U-Boot boots it (ovmf/boot.sh --uboot): the ISO is a hard disk on
# AHCI port 0 (U-Boot has no ATAPI). U-Boot's UEFI shows an application
# only the block devices U-Boot itself has probed, and ConnectController
# does not probe more; its default boot scans USB, AHCI, virtio and IDE in
# that order until one boots, and never NVMe. So each boot stops the
# autoboot and types what a board's boot script would:
# "pci enum; nvme scan; virtio scan; boot".
#
# What differs from EDK2, and what each case checks on top of the OVMF
# suite's judges (sgdisk -v, sfdisk tables, both copies byte by byte with
# tests/host/gptcheck.py, every byte outside the GPT and the ESP,
# fsck.fat, the ESP's backup equal to sgdisk --backup and restoring with
# sgdisk --load-backup, untouched data disks):
#   - no SSE: gptrim built with SSE triple-faults here (CR4.OSFXSR clear);
#   - no re-read: U-Boot makes partitions when it probes a device, so the
#     console must say the firmware did not re-read the disk, and the
#     outcome is the read-back's (not a false exit 6);
#   - no power-off: the console must say so, and the CPU must be halted
#     (QEMU's register dump shows HLT=1), not spinning;
#   - reboot works (QEMU ends with guest-reset under -no-reboot);
#   - FAT32: U-Boot's FAT driver leaves the FSInfo free-cluster count (a
#     hint) stale; fsck.fat may report that and nothing else;
#   - legacy IDE: U-Boot reports each disk 512 times its size; gptrim
#     must find out before writing anything (exit 6, not a byte written);
#   - 4Kn: NVMe yes; virtio-blk is 512-byte only in U-Boot 2023.01
#     (reading LBA 0 of a 4Kn virtio disk is a device error): gptrim must
#     say so (exit 6) and write nothing.
set -u

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
suite_init UBOOT uboot 120
GPTCHECK="python3 $top/tests/host/gptcheck.py"
UBOOT_KEYS="pci enum; nvme scan; virtio scan; boot"
# U-Boot's FAT driver writes files but leaves FAT32's FSInfo free-cluster
# count as it was: fsck.fat reports the hint wrong by the clusters gptrim's
# backup and log took. Anything else fsck.fat finds still fails.
ESP_FSINFO_STALE="U-Boot's FAT driver does not update it"
# U-Boot does not re-read partitions: check_summary leaves out the
# firmware's view, and check_no_reread checks the warning instead.
FW_REREADS=no
NOT_OFF="this firmware cannot power off: switch the VM off"

CASES="ahci-ws2019 nvme-ws2022 virtio-ws2019 nvme4k-ws2022 report-three
interactive-nvme-ws2019 reboot-virtio-ws2022 virtio4k ide-ws2019"

# ---------------------------------------------------------------- helpers ---

# When gptrim says the firmware cannot power off: QEMU's register dump,
# again until it shows the CPU halted or 60 s pass (the console line comes
# a little before the hlt that follows it, later on a loaded machine),
# then quit.
HALT_PROBE='[{"execute": "human-monitor-command", "arguments": {"command-line": "info registers"}, "until": "HLT=1", "within": 60}, {"execute": "quit"}]'

# uboot_boot LOGNAME ISO ARGS...: boot U-Boot with the ISO and the disks;
# when gptrim says the firmware cannot power off, the register dump is
# saved (in LOGNAME.err) and QEMU quits.
uboot_boot() {
	_l=$1 _iso=$2
	shift 2
	boot "$_l" --uboot --iso "$_iso" \
		--expect "Hit any key to stop autoboot" --send " " \
		--expect "=> " --send "$UBOOT_KEYS\r" \
		--qmp-on console "$NOT_OFF" "$HALT_PROBE" \
		"$@"
}

# check_halted LOGNAME: the console said the VM cannot be powered off and
# the register dump showed the CPU in hlt within the probe's time (a busy
# loop never executes hlt).
check_halted() {
	# The reply only: the command itself names HLT=1.
	_reply=$(grep 'console.py: qmp .*info registers' "$C/$1.err" |
		sed 's/.* -> //')
	_hlt=$(echo "$_reply" | grep -o 'HLT=[01]' | tail -n 1)
	_tries=$(echo "$_reply" | grep -o '"tries": [0-9]*' | tail -n 1)
	if ! grep -q "$NOT_OFF" "$C/$1.txt"; then
		fail "$1: console: no '$NOT_OFF'"
		tail -n 15 "$C/$1.txt" | detail
	elif [ "$_hlt" = HLT=1 ]; then
		pass "$1: console: '$NOT_OFF', and the CPU halted (HLT=1 in QEMU's register dump, ${_tries#*: } dump(s)), not spinning"
	else
		fail "$1: the CPU was not halted within 60 s of '$NOT_OFF' (last register dump: ${_hlt:-none}, ${_tries#*: } dump(s))"
	fi
}

# check_no_reread LOGNAME N: N disks have the "did not re-read" warning and
# no firmware partition list was compared.
check_no_reread() {
	_n=$(grep -cE 'this firmware did not re-read disk [0-9]+' "$C/$1.txt")
	if [ "$_n" = "$2" ] && ! grep -q 'Firmware re-read the disk' "$C/$1.txt"; then
		pass "$1: console: the firmware did not re-read the $2 changed disk(s), said so, and its stale partition list was not compared"
	else
		fail "$1: console: expected $2 'did not re-read' warning(s) and no comparison, found $_n"
		grep -aE 're-read' "$C/$1.txt" | detail
	fi
}

# check_error LOGNAME ERE WHAT: a disk's summary line is an error that
# matches ERE.
check_error() {
	if summaries "$1" | grep -qE ": $2"; then
		pass "$1: console: $3: $(summaries "$1" | grep -oE "$2.*" | cut -c1-90)..."
	else
		fail "$1: console: $3: no summary matching '$2'"
		summaries "$1" | detail
	fi
}

# check_copies NAME REMOVED: both GPT copies, byte by byte, are the
# original's with entry REMOVED (1-based) zeroed (gptcheck.py table-diff).
check_copies() {
	judge "$C/$1.tdiff" \
		"disk $1: both GPT copies: entry $2 zeroed, every other byte of the entries and headers as before (CRCs aside)" \
		"disk $1: both GPT copies (gptcheck.py table-diff)" \
		$GPTCHECK table-diff "$C/$1.orig" "$C/$1.img" --bs "$(bs_of "$1")" \
		--removed "$2"
}

# unattended_one CTRL LAYOUT BS ENTRY DATA-CTRL: the unattended ISO fixes
# the system disk (its entry ENTRY is the recovery partition); the data
# disk stays as it was.
unattended_one() {
	_ctrl=$1 _layout=$2 _bs=$3 _entry=$4 _dctrl=$5
	disk sys "$_layout" "$_bs" && disk data data 512 || return
	uboot_boot run "$ISO_DIR/unattended.iso" \
		$(disk_args "sys:$_ctrl" "data:$_dctrl")
	check_end run host-qmp-quit
	check_halted run
	check_exit run 0
	check_summary run 1
	check_no_reread run 1
	check_fixed sys 1
	check_copies sys "$_entry"
	check_untouched data
}

# ------------------------------------------------------------------ cases ---

case_ahci_ws2019() { unattended_one sata ws2019 512 1 sata; }
case_nvme_ws2022() { unattended_one nvme ws2022 512 4 virtio; }
case_virtio_ws2019() { unattended_one virtio ws2019 512 1 nvme; }
case_nvme4k_ws2022() { unattended_one nvme ws2022 4096 4 sata; }

# The report-only ISO on all three controllers: each system disk would
# lose one entry, exit status 1, and not one byte is written anywhere.
case_report_three() {
	disk a ws2019 512 && disk b ws2022 512 && disk c ws2019 512 &&
		disk data data 512 || return
	uboot_boot run "$ISO_DIR/report.iso" \
		$(disk_args a:sata b:nvme c:virtio data:virtio)
	check_end run host-qmp-quit
	check_halted run
	check_exit run 1
	_n=$(summaries run | grep -cE ': would remove 1 \(report only\)$')
	if [ "$_n" = 3 ] && ! summaries run | grep -qE ': (removed [1-9]|refused|error|not )'; then
		pass "run: console: 3 disks 'would remove 1 (report only)', nothing removed"
	else
		fail "run: console summaries (expected 3 'would remove 1')"
		summaries run | detail
	fi
	check_untouched a b c data
}

# The interactive ISO (no gptrim.cfg), answered on the serial console:
# U-Boot's console input and timer events, then "s" for shutdown.
case_interactive_nvme_ws2019() {
	disk sys ws2019 512 || return
	uboot_boot run "$ISO_DIR/interactive.iso" $(disk_args sys:nvme) \
		--expect "[y/N]" --send "y" --expect "[r]eboot" --send "s"
	check_end run host-qmp-quit
	check_halted run
	check_exit run 0
	check_summary run --report-first 1
	check_no_reread run 1
	check_fixed sys 1
	check_copies sys 1
}

# --then reboot: U-Boot's cold reset works.
case_reboot_virtio_ws2022() {
	disk sys ws2022 512 || return
	uboot_boot run "$ISO_DIR/reboot.iso" $(disk_args sys:virtio)
	check_end run guest-reset
	check_exit run 0
	check_summary run 1
	check_fixed sys 1
	check_copies sys 4
}

# Legacy IDE (i440FX): U-Boot 2023.01 reports each IDE disk 512 times its
# size, so a WS2019 disk looks grown. The place the backup would move to
# cannot be read: refused before anything is written, ESP included.
case_ide_ws2019() {
	disk sys ws2019 512 || return
	uboot_boot run "$ISO_DIR/unattended.iso" --machine pc \
		$(disk_args sys:ide)
	check_end run host-qmp-quit
	check_exit run 6
	check_error run "error: cannot read LBA [0-9]+-[0-9]+ at the disk's end, .*; nothing written: " \
		"the overstated disk refused"
	check_untouched sys
}

# 4Kn on virtio-blk: U-Boot 2023.01's driver reads 512-byte blocks only,
# so the disk cannot be read: an I/O error (exit 6) that says so, and not
# one byte written.
case_virtio4k() {
	disk sys ws2019 4096 || return
	uboot_boot run "$ISO_DIR/unattended.iso" $(disk_args sys:virtio)
	check_end run host-qmp-quit
	check_exit run 6
	check_error run "error: reading .* device error$" "the 4Kn virtio disk unreadable"
	check_untouched sys
}

run_case() {
	case_dir "$1"
	case_call
	case_clean "${UBOOT_KEEP:-}" '*.img' '*.orig'
}

# ------------------------------------------------------------------ setup ---

setup() {
	suite_fresh
	for _iso in "unattended:--apply --then shutdown" "report:--then shutdown" \
		"reboot:--apply --then reboot" "interactive:"; do
		# No options: no gptrim.cfg at all (interactive mode).
		set -- "$BUILD/gptrim.efi" "$ISO_DIR/${_iso%%:*}.iso"
		[ -z "${_iso#*:}" ] || set -- "$@" "${_iso#*:}"
		"$here/../tools/mkiso.sh" "$@" >"$ISO_DIR/mkiso.log" 2>&1 || {
			echo "FAIL: tools/mkiso.sh ${_iso%%:*}"
			sed 's/^/#   /' "$ISO_DIR/mkiso.log"
			return 1
		}
	done
	echo "# firmware: $(strings "$UBOOT_ROM" | grep -m 1 '^U-Boot 20')"
}

prereqs() {
	need_tools qemu-system-x86_64 sgdisk sfdisk losetup flock mformat mcopy \
		xorriso mkfs.vfat fsck.fat python3 strings || return 1
	[ -r "$UBOOT_ROM" ] || { echo "no $UBOOT_ROM (apt-get install u-boot-qemu)"; return 1; }
	[ "$(id -u)" = 0 ] || { echo "not root (4Kn fixtures need losetup)"; return 1; }
	[ -r "$BUILD/gptrim.efi" ] || { echo "$BUILD/gptrim.efi not built"; return 1; }
}

# ------------------------------------------------------------------- main ---

UBOOT_ROM=${UBOOT_ROM:-/usr/lib/u-boot/qemu-x86_64/u-boot.rom}
export UBOOT_ROM
suite_start uboot "$@"
setup || { echo "FAIL: setting up the ISOs; no boots run"; exit 1; }
suite_cases $cases
suite_exit uboot "$start" $cases
