#!/bin/sh
# SPDX-License-Identifier: MIT
# VMware's storage controllers (issue 6): VMware quiesces Windows Server
# only on a boot disk behind LSI Logic SAS or PVSCSI. gptrim.efi booted
# under QEMU (TCG, q35) with an OVMF that has drivers for both (make
# ovmf-vmware: Debian's edk2 source with PvScsiDxe and MptScsiDxe), the
# system disk on QEMU's pvscsi or mptsas1068, judged on the host with
# independent tools exactly as ovmf/e2e.sh judges its disks.
#
# Usage: ovmf/vmware.sh [CASE...]      all cases (or the named ones), 2 at a time
#        ovmf/vmware.sh --list         the case names
#        ovmf/vmware.sh --case CASE    one case (used by the runner)
# Environment: BUILD (build), MAKE (make), VMWARE_JOBS (2),
#              VMWARE_DIR ($BUILD/vmware), VMWARE_KEEP=1 keeps the disk
#              images of passing cases, VMWARE_FIRMWARE="CODE VARS" boots
#              another firmware and builds none (Debian's OVMF has no
#              driver for these controllers: every case fails).
# Prints "PASS: case: what" / "FAIL: case: what" / "SKIP: what (why)" lines,
# details of failures as "#   " lines, "# firmware: ..." and
# "# vmware: N cases in S s".
#
# The cases are PATH-CTRL[4k]-LAYOUT, every combination of
#   PATH    iso: the unattended ISO (gptrim.cfg "--apply --then shutdown")
#                from the CD, a data disk of the other sector size on the
#                same controller (target 1) beside the system disk;
#           shell: startup.nsh (as shipped) in OVMF's built-in shell, from
#                a FAT disk on virtio-blk; %lasterror% checked;
#   CTRL    pvscsi (VMware PVSCSI) or mptsas (LSI SAS1068, VMware's LSI
#           Logic SAS), the system disk at target 0; 4k: 4Kn (4096-byte
#           logical and physical blocks), else 512-byte sectors;
#   LAYOUT  ws2019 (recovery first) or ws2022 (recovery last).
# Each checks the VM powered off, the console's "removed 1, healthy" for
# the disk at Scsi(0x0,0x0), and the disk: sgdisk -v clean, only the
# recovery entry gone, every byte outside the GPT copies and the ESP
# unchanged, the ESP's backup and log (ovmf/checks.sh); the data disk not
# one byte changed.
set -u

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
suite_init VMWARE vmware 240

ISO=$W/unattended.iso
OPTIONS="--apply --then shutdown"
# The firmware: make ovmf-vmware's, unless VMWARE_FIRMWARE names another.
if [ -n "${VMWARE_FIRMWARE:-}" ]; then
	CODE=${VMWARE_FIRMWARE%% *} VARS=${VMWARE_FIRMWARE#* }
else
	CODE=$BUILD/ovmf-vmware/OVMF_CODE.fd VARS=$BUILD/ovmf-vmware/OVMF_VARS.fd
fi

# Every combination (see above); the cases take about as long as each other.
CASES=""
for _path in shell iso; do
	for _ctrl in pvscsi mptsas pvscsi4k mptsas4k; do
		CASES="$CASES $_path-$_ctrl-ws2019 $_path-$_ctrl-ws2022"
	done
done

# ------------------------------------------------------------------ cases ---

# check_seen_at LOGNAME: the removal was on the disk at target 0, LUN 0
# of the controller, so the controller's driver is the one that found it.
check_seen_at() {
	_line=$(summaries "$1" | grep -E ': removed [1-9]' | head -n 1)
	case $_line in
	*"/Scsi(0x0,0x0): removed "*) pass "$1: console: $_line" ;;
	*)
		fail "$1: no removal on a disk at .../Scsi(0x0,0x0)"
		{ summaries "$1"; tail -n 15 "$C/$1.txt"; } | detail ;;
	esac
}

# via_iso CTRL BS LAYOUT: the unattended ISO; the system disk and a data disk
# of the other sector size on the controller.
via_iso() {
	_other=4096
	[ "$2" = 4096 ] && _other=512
	disk sys "$3" "$2" && disk data data "$_other" || return
	boot run --firmware "$CODE" "$VARS" --iso "$ISO" \
		$(disk_args "sys:$1" "data:$1")
	check_end run guest-shutdown
	check_both_seen run "disks on $1"
	check_summary run 1
	check_seen_at run
	check_fixed sys 1
	check_untouched data
}

# via_shell CTRL BS LAYOUT: startup.nsh in OVMF's shell.
via_shell() {
	disk sys "$3" "$2" || return
	shell_boot run --firmware "$CODE" "$VARS" $(disk_args "sys:$1")
	check_end run guest-shutdown
	check_lasterror run 0
	check_summary run 1
	check_seen_at run
	check_fixed sys 1
}

# run_case PATH-CTRL[4k]-LAYOUT
run_case() {
	case_dir "$1"
	_path=${1%%-*} _ctrl=${1#*-}
	_layout=${_ctrl#*-} _ctrl=${_ctrl%%-*}
	_bs=512
	case $_ctrl in *4k) _ctrl=${_ctrl%4k} _bs=4096 ;; esac
	"via_$_path" "$_ctrl" "$_bs" "$_layout" >"$C/out" 2>&1
	case_clean "${VMWARE_KEEP:-}" '*.img' '*.orig' '*.fat'
}

# ------------------------------------------------------------------ setup ---

# firmware: make ovmf-vmware (a no-op when it is up to date; under the lock
# fleet/test/fleet.sh's build takes too, ovmf_vmware in lib.sh); its
# summary line, or a FAIL line with the end of its log and 1.
firmware() {
	if [ -n "${VMWARE_FIRMWARE:-}" ]; then
		echo "# firmware: $CODE $VARS (VMWARE_FIRMWARE; nothing built)"
		return
	fi
	if ! _line=$(ovmf_vmware "$W/ovmf-vmware.make"); then
		echo "FAIL: make ovmf-vmware: OVMF with the PVSCSI and LSI SAS drivers not built"
		tail -n 40 "$W/ovmf-vmware.make" | sed 's/^/#   /'
		return 1
	fi
	echo "# firmware: $_line"
}

prereqs() {
	need_tools qemu-system-x86_64 sgdisk sfdisk losetup flock mformat mcopy \
		mdir mtype xorriso mkfs.vfat fsck.fat python3 || return 1
	[ "$(id -u)" = 0 ] || { echo "not root (4Kn fixtures need losetup)"; return 1; }
	[ -r "$BUILD/gptrim.efi" ] || { echo "$BUILD/gptrim.efi not built"; return 1; }
}

# ------------------------------------------------------------------- main ---

suite_start ovmf-vmware "$@"
suite_fresh
firmware || exit 1
[ -r "$CODE" ] && [ -r "$VARS" ] || { echo "FAIL: no firmware $CODE, $VARS"; exit 1; }
private_iso "$OPTIONS" "$ISO" || exit 1
start=$(date +%s)
suite_cases $cases
suite_exit vmware "$start" $cases
