#!/bin/sh
# SPDX-License-Identifier: MIT
# Boot QEMU once (TCG, q35) with OVMF or U-Boot's UEFI against disk images and
# capture the firmware's serial console. Used by the ovmf/ suites and `make demo`.
#
# Usage: ovmf/boot.sh --log FILE [options]
#   --log FILE          serial console log (always written)
#   --iso FILE          attach as a CD-ROM on the q35 AHCI (port 0), boot it first
#   --disk IMG[:CTRL[:BS[:FLAGS]]]
#                       attach a raw disk image; CTRL virtio (default) | scsi
#                       (virtio-scsi) | pvscsi (VMware PVSCSI) | mptsas (LSI
#                       SAS1068, VMware's LSI Logic SAS) | nvme | sata | ide
#                       (the PIIX IDE of --machine pc, 3 disks); BS 512
#                       (default) | 4096 (4Kn: logical and physical block
#                       size; not on sata, IDE is 512 only);
#                       FLAGS, joined by '+': ro (readonly=on), removable
#                       (scsi only: a removable scsi-hd), blkdebug=RULES
#                       (QEMU's blkdebug driver over the image, rules from
#                       the file RULES). Drive ids are d1, d2... in order.
#   --fat IMG           attach a FAT image (e.g. gptrim.efi + startup.nsh) as the
#                       first virtio disk, so the shell maps it as fs0
#   --secboot           Secure Boot: OVMF_CODE_4M.secboot.fd + a copy of
#                       OVMF_VARS_4M.snakeoil.fd, SMM, secure pflash
#   --firmware CODE VARS
#                       boot this OVMF build instead of Debian's (e.g.
#                       build/ovmf-vmware/OVMF_CODE.fd OVMF_VARS.fd, which
#                       has the pvscsi and mptsas drivers); no SMM
#   --uboot             boot U-Boot's UEFI (Debian's u-boot-qemu,
#                       $UBOOT_ROM) instead of OVMF. It has no ATAPI: --iso
#                       goes on AHCI port 0 as a hard disk (snapshot=on:
#                       never written), which it boots \EFI\BOOT\BOOTX64.EFI
#                       from; no --fat, --secboot or scsi/pvscsi/mptsas disks
#   --machine pc        QEMU's i440FX machine (legacy IDE) instead of q35
#                       (AHCI): the CD, or U-Boot's ISO disk, on IDE 0:0
#   --timeout SECONDS   hard limit for the whole boot (default 180)
#   --expect TEXT --send KEYS
#                       when TEXT appears on the console, type KEYS ("\r" etc.)
#                       pairs are handled in order
#   --mark TEXT         report on stderr when TEXT first appeared
#   --quit-on TEXT      stop QEMU when TEXT appears (exit 0, reason host-qmp-quit)
#   --pause-on TEXT SECONDS
#                       stop reading the console for SECONDS once TEXT has
#                       appeared (the guest runs on): a slow reader, which
#                       must lose nothing
#   --qmp-start JSON    QMP command(s) (object or array) before the guest runs
#   --qmp-on SOURCE TEXT JSON
#                       in order: when TEXT appears on SOURCE (console, or
#                       qemu: QEMU's stdout, e.g. blkdebug's "Suspended
#                       request"), run the QMP command(s) before typing keys;
#                       a failed command makes the exit status 125
#   --skip-countdown    answer the shell's startup.nsh countdown with a key
#   --screendump TEXT FILE.ppm
#                       when TEXT appears, save the graphical console
#   --blockstats FILE   run with -no-shutdown; at power-off save QMP's
#                       query-blockstats and the time to FILE (JSON), quit
#   --show              copy the console to stdout as it arrives
#   --mem MIB           guest memory (default 256)
#   --qemu-arg ARG      one more QEMU argument (repeat for each), e.g.
#                       -trace blk_co_pwritev -D FILE: a log of every write
#   --dry-run           print the QEMU command line and exit
# Exit status: QEMU's (0 after the guest powered off), 124 on timeout.
# The last line on stderr says how QEMU ended and after how long:
#   console.py: qemu exit 0 (guest-shutdown) after 4.2 s
set -eu

here=$(cd "$(dirname "$0")" && pwd)
OVMF_DIR=${OVMF_DIR:-/usr/share/OVMF}
UBOOT_ROM=${UBOOT_ROM:-/usr/lib/u-boot/qemu-x86_64/u-boot.rom}
QEMU=${QEMU:-qemu-system-x86_64}

die() { echo "boot.sh: $*" >&2; exit 2; }

log="" iso="" secboot=0 uboot=0 machine_type=q35 timeout=180 show=0 mem=256 dry=0 fat="" code="" vars=""
extra=""
disks=""
console_args=""
ndisk=0
# quote ARG: ARG in single quotes, for a later eval.
quote() {
	printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"
}
add_console_arg() {
	console_args="$console_args $(quote "$1")"
}

while [ $# -gt 0 ]; do
	case "$1" in
	--log) log=$2; shift 2 ;;
	--iso) iso=$2; shift 2 ;;
	--disk) disks="$disks $2"; shift 2 ;;
	--fat) fat=$2; shift 2 ;;
	--secboot) secboot=1; shift ;;
	--uboot) uboot=1; shift ;;
	--machine)
		[ "$2" = pc ] || die "--machine pc is the only other machine"
		machine_type=pc; shift 2 ;;
	--firmware)
		[ $# -ge 3 ] || die "--firmware CODE VARS"
		code=$2 vars=$3
		shift 3 ;;
	--timeout) timeout=$2; shift 2 ;;
	--expect)
		[ $# -ge 4 ] && [ "$3" = --send ] || die "--expect TEXT --send KEYS"
		add_console_arg --expect; add_console_arg "$2"
		add_console_arg --send; add_console_arg "$4"
		shift 4 ;;
	--skip-countdown)
		# The shell prints "Press ESC in N seconds to skip startup.nsh or
		# any other key to continue." Any key but ESC runs it at once.
		add_console_arg --expect; add_console_arg "any other key"
		add_console_arg --send; add_console_arg " "
		shift ;;
	--mark) add_console_arg --mark; add_console_arg "$2"; shift 2 ;;
	--quit-on) add_console_arg --quit-on; add_console_arg "$2"; shift 2 ;;
	--pause-on)
		[ $# -ge 3 ] || die "--pause-on TEXT SECONDS"
		add_console_arg --pause-on; add_console_arg "$2"
		add_console_arg "$3"
		shift 3 ;;
	--qmp-start) add_console_arg --qmp-start; add_console_arg "$2"; shift 2 ;;
	--qmp-on)
		[ $# -ge 4 ] || die "--qmp-on SOURCE TEXT JSON"
		add_console_arg --qmp-on; add_console_arg "$2"
		add_console_arg "$3"; add_console_arg "$4"
		shift 4 ;;
	--screendump)
		add_console_arg --screendump; add_console_arg "$2"
		add_console_arg "$3"
		shift 3 ;;
	--blockstats)
		add_console_arg --blockstats; add_console_arg "$2"
		extra="$extra -no-shutdown"
		shift 2 ;;
	--show) show=1; shift ;;
	--mem) mem=$2; shift 2 ;;
	--qemu-arg) extra="$extra $(quote "$2")"; shift 2 ;;
	--dry-run) dry=1; shift ;;
	-h|--help) sed -n '3,63p' "$0"; exit 0 ;;
	*) die "unknown option $1 (see --help)" ;;
	esac
done
[ -n "$log" ] || die "--log FILE is required"

work=$(mktemp -d "${TMPDIR:-/tmp}/gptrim-boot.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

# Firmware: code read-only, a fresh copy of the variable store every run.
machine="$machine_type,accel=tcg"
if [ "$uboot" = 1 ]; then
	[ "$secboot" = 0 ] && [ -z "$code" ] && [ -z "$fat" ] ||
		die "--uboot: not with --secboot, --firmware or --fat"
	[ -r "$UBOOT_ROM" ] || die "no $UBOOT_ROM (apt-get install u-boot-qemu)"
elif [ -n "$code" ]; then
	[ "$secboot" = 0 ] || die "--secboot is Debian's OVMF; not with --firmware"
	[ -r "$code" ] && [ -r "$vars" ] || die "no firmware $code, $vars"
elif [ "$secboot" = 1 ]; then
	code=$OVMF_DIR/OVMF_CODE_4M.secboot.fd
	vars=$OVMF_DIR/OVMF_VARS_4M.snakeoil.fd
	[ "$machine_type" = q35 ] || die "--secboot needs q35 (SMM)"
	machine="q35,smm=on,accel=tcg"
else
	code=$OVMF_DIR/OVMF_CODE_4M.fd
	vars=$OVMF_DIR/OVMF_VARS_4M.fd
fi
set -- -machine "$machine" -m "$mem" -display none -no-reboot -nic none \
	-nodefaults -vga std
if [ "$uboot" = 1 ]; then
	set -- "$@" -bios "$UBOOT_ROM"
else
	[ -r "$code" ] && [ -r "$vars" ] || die "OVMF not found in $OVMF_DIR (apt-get install ovmf)"
	cp "$vars" "$work/vars.fd"
	set -- "$@" \
		-drive "if=pflash,format=raw,unit=0,readonly=on,file=$code" \
		-drive "if=pflash,format=raw,unit=1,file=$work/vars.fd"
fi
if [ "$secboot" = 1 ]; then
	set -- "$@" -global driver=cfi.pflash01,property=secure,value=on
fi

# Boot order: the CD first, then whatever the firmware finds (the built-in
# shell comes last and runs startup.nsh).
if [ -n "$iso" ] && [ "$uboot" = 1 ]; then
	[ -r "$iso" ] || die "no ISO $iso"
	set -- "$@" -drive "if=none,id=cd0,format=raw,snapshot=on,file=$iso" \
		-device "ide-hd,bus=ide.0,drive=cd0"
elif [ -n "$iso" ]; then
	[ -r "$iso" ] || die "no ISO $iso"
	set -- "$@" -drive "if=none,id=cd0,format=raw,media=cdrom,readonly=on,file=$iso" \
		-device "ide-cd,bus=ide.0,drive=cd0,bootindex=0"
fi
if [ -n "$fat" ]; then
	[ -r "$fat" ] || die "no FAT image $fat"
	set -- "$@" -drive "if=none,id=fat0,format=raw,file=$fat" \
		-device "virtio-blk-pci,drive=fat0"
fi

# The SCSI HBAs, each added with its first disk; next_KIND is the next
# address on it.
next_scsi=0 next_pvscsi=0 next_mptsas=0 sata_port=1 ide_slot=1
for spec in $disks; do
	img=${spec%%:*} rest=${spec#"$img"}
	rest=${rest#:}
	ctrl=${rest%%:*} bs=${rest#"$ctrl"}
	bs=${bs#:}
	flags=${bs#*:}
	[ "$flags" != "$bs" ] || flags=""
	bs=${bs%%:*}
	[ -n "$ctrl" ] || ctrl=virtio
	[ -n "$bs" ] || bs=512
	[ -w "$img" ] || die "no writable disk image $img"
	ndisk=$((ndisk + 1))
	id=d$ndisk
	ro="" removable="" rules=""
	for flag in $(echo "$flags" | tr '+' ' '); do
		case "$flag" in
		ro) ro=",readonly=on" ;;
		removable)
			[ "$ctrl" = scsi ] || die "$img: removable needs scsi"
			removable=",removable=on" ;;
		blkdebug=*)
			rules=${flag#blkdebug=}
			[ -r "$rules" ] || die "no blkdebug rules file $rules" ;;
		*) die "unknown disk flag '$flag' in $spec (ro, removable, blkdebug=RULES)" ;;
		esac
	done
	if [ -n "$rules" ]; then
		# raw over blkdebug over the file: the guest's requests reach
		# blkdebug at the guest's own offsets.
		drive="if=none,id=$id,driver=raw,file.driver=blkdebug"
		drive="$drive,file.config=$rules,file.image.driver=file"
		drive="$drive,file.image.filename=$img$ro"
	else
		drive="if=none,id=$id,format=raw,file=$img$ro"
	fi
	set -- "$@" -drive "$drive"
	geo=""
	if [ "$bs" != 512 ]; then
		geo=",logical_block_size=$bs,physical_block_size=$bs"
	fi
	geo="$geo$removable"
	case "$ctrl" in
	virtio) set -- "$@" -device "virtio-blk-pci,drive=$id$geo" ;;
	scsi|pvscsi|mptsas)
		[ "$uboot" = 0 ] || die "$img: U-Boot's UEFI has no $ctrl driver"
		eval "n=\$next_$ctrl"
		if [ "$n" = 0 ]; then
			case "$ctrl" in
			scsi) hba=virtio-scsi-pci ;;
			pvscsi) hba=pvscsi ;;
			mptsas) hba=mptsas1068 ;;
			esac
			set -- "$@" -device "$hba,id=${ctrl}0"
		fi
		if [ "$ctrl" = scsi ]; then
			# All on target 0, one LUN each: Debian's OVMF (2022.11)
			# with QEMU 7.2 finds no disk at any other target.
			addr="scsi-id=0,lun=$n"
		else
			# One target each, LUN 0: EDK2's PvScsiDxe and
			# MptScsiDxe scan LUN 0 only (PcdPvScsiMaxLunLimit 0;
			# MptScsiDxe takes no other LUN); 8 targets are what
			# MptScsiDxe scans (PcdMptScsiMaxTargetLimit 7).
			[ "$n" -le 7 ] || die "$img: only 8 disks on $ctrl"
			addr="scsi-id=$n,lun=0"
		fi
		set -- "$@" -device "scsi-hd,bus=${ctrl}0.0,drive=$id,$addr$geo"
		eval "next_$ctrl=$((n + 1))" ;;
	nvme) set -- "$@" -device "nvme,drive=$id,serial=gptrim$ndisk$geo" ;;
	sata)
		[ "$bs" = 512 ] || die "$img: QEMU's IDE/AHCI disks are 512-byte only"
		[ "$sata_port" -le 5 ] || die "only 5 SATA ports left after the CD"
		[ "$machine_type" = q35 ] || die "$img: sata needs q35 (--machine pc has ide)"
		set -- "$@" -device "ide-hd,bus=ide.$sata_port,drive=$id"
		sata_port=$((sata_port + 1)) ;;
	ide)
		[ "$machine_type" = pc ] || die "$img: ide needs --machine pc"
		[ "$bs" = 512 ] || die "$img: QEMU's IDE disks are 512-byte only"
		[ "$ide_slot" -le 3 ] || die "only 3 IDE slots left after the CD"
		set -- "$@" -device "ide-hd,bus=ide.$((ide_slot / 2)),unit=$((ide_slot % 2)),drive=$id"
		ide_slot=$((ide_slot + 1)) ;;
	*) die "unknown controller '$ctrl' in $spec (virtio, scsi, pvscsi, mptsas, nvme, sata, ide)" ;;
	esac
done

eval "set -- \"\$@\" $extra"

if [ "$dry" = 1 ]; then
	printf '%s ' "$QEMU" "$@"; echo
	exit 0
fi
[ "$show" = 1 ] && add_console_arg --show

rc=0
# console.py enforces the timeout itself; timeout(1) is the backstop should
# it ever hang (console.py stops QEMU on SIGTERM). --foreground keeps Ctrl-C
# working for `make demo`.
eval "timeout --foreground -k 10 \$((timeout + 60)) python3 \"\$here/console.py\" --log \"\$log\" --timeout \"\$timeout\" $console_args -- \"\$QEMU\" \"\$@\"" || rc=$?
exit "$rc"
