#!/bin/sh
# SPDX-License-Identifier: MIT
# make bench: what fixing a VM costs, against what else it could cost.
# Parts (BENCH_PARTS; default all but fleet, in this order):
#   boot   QEMU + OVMF (TCG), one 1 GiB WS2019 disk on virtio-blk, rounds
#          interleaved: the empty app (floor), the connect-only app (the
#          firmware connecting every controller), gptrim's unattended ISO (with
#          its default ESP backup and log, and with --no-backup), and a
#          Debian kernel + busybox/sgdisk initramfs (bench/linux-peer.sh);
#          wall time to power-off and QMP query-blockstats of the disk
#   scale  1, 8, 32, 64 such disks (virtio-blk, 8 functions a slot): gptrim
#          against the connect-only app; the slope is the cost of a disk
#   profile  gptrim built with TSC-stamped console lines, under -icount
#          with 8 disks, VGA console on and off: guest instructions per
#          step of a disk (read, ESP backup, commit, firmware re-read, log)
#   table  callgrind instruction counts per GPT entry (bench/table.sh)
#   size   gptrim.efi and the ISO against their targets
#   fleet  not in the default list (needs root): the fleet playbook against
#          a simulated vCenter with 200 VMs whose boots the host tool stands
#          in for (bench/fleet.sh); its overhead per VM by fleet size and
#          gptrim_batch, and where the time goes
# Results: the table on stdout and in build/bench/results.md; every boot's
# console, QMP numbers and the per-run table stay in build/bench/runs/.
# Environment: BENCH_ROUNDS (5), BENCH_SCALE ("1 8 32 64"),
# BENCH_SCALE_ROUNDS (3), BENCH_SCALE_MEM (MiB, 1024), BENCH_PROFILE_DISKS
# (8), BENCH_FLEET and BENCH_FLEET_JOBS (bench/fleet.sh), BENCH_PARTS,
# BENCH_KINDS (the boot part's runs:
# "floor connect gptrim nobackup linux"), BUILD (build).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
cd "$top"
BUILD=${BUILD:-build}
OUT=$BUILD/bench
RUNS=$OUT/runs
ROUNDS=${BENCH_ROUNDS:-5}
SCALE=${BENCH_SCALE:-1 8 32 64}
SCALE_ROUNDS=${BENCH_SCALE_ROUNDS:-3}
PARTS=${BENCH_PARTS:-boot scale profile table size}
KINDS=${BENCH_KINDS:-floor connect gptrim nobackup linux}
MAKE=${MAKE:-make}
export FX_SIZE=1G
# shellcheck source=../ovmf/fixtures.sh
. "$top/ovmf/fixtures.sh"

die() { echo "bench: $*" >&2; exit 1; }
note() { echo "bench: $*" >&2; }

# ----------------------------------------------------------------- inputs ---

# The ISOs, all wrapped by tools/mkiso.sh so that only the app differs.
make_isos() {
	mkdir -p "$OUT/iso"
	for _i in "floor:$OUT/empty.efi:" "connect:$OUT/connect.efi:" \
		"gptrim:$BUILD/gptrim.efi:--apply --then shutdown" \
		"nobackup:$BUILD/gptrim.efi:--apply --no-backup --then shutdown" \
		"profile:$OUT/profile/gptrim.efi:--apply --then shutdown"; do
		_n=${_i%%:*} _r=${_i#*:}
		_app=${_r%%:*} _cfg=${_r#*:}
		tools/mkiso.sh "$_app" "$OUT/iso/$_n.iso" ${_cfg:+"$_cfg"} ||
			die "ISO $_n"
	done
}

make_disk() {
	[ -s "$OUT/ws2019.img" ] && [ "$OUT/ws2019.img" -nt ovmf/fixtures.sh ] &&
		return 0
	fx_ws2019 "$OUT/ws2019.img.new" 512 >"$OUT/fixture.log" 2>&1 ||
		die "making the WS2019 disk (see $OUT/fixture.log)"
	mv "$OUT/ws2019.img.new" "$OUT/ws2019.img"
}

# ------------------------------------------------------------- one boot ---

# boot RUN KIND: one boot, KIND an ISO name or "linux", the disks those of
# BOOT_DISKS (the first on its own virtio-blk device d1, the rest packed 8
# functions a slot), and the boot.sh options in BOOT_EXTRA. Appends "RUN
# wall rd wr wr_ops flushes icount" for d1 to $RUNS/boots.tsv; the console
# is $RUNS/RUN.log.
boot() {
	_run=$1 _kind=$2
	if [ "$_kind" = linux ]; then
		set -- --qemu-arg -kernel --qemu-arg "$OUT/linux/vmlinuz" \
			--qemu-arg -initrd --qemu-arg "$OUT/linux/initrd.img" \
			--qemu-arg -append --qemu-arg "$LINUX_APPEND"
	else
		set -- --iso "$OUT/iso/$_kind.iso"
	fi
	_n=0
	for _img in $BOOT_DISKS; do
		_n=$((_n + 1))
		if [ "$_n" = 1 ]; then
			set -- "$@" --disk "$_img:virtio"
			continue
		fi
		_f=$(( (_n - 2) % 8 )) _s=$(( 8 + (_n - 2) / 8 ))
		set -- "$@" --qemu-arg -drive \
			--qemu-arg "if=none,id=x$_n,format=raw,file=$_img" \
			--qemu-arg -device \
			--qemu-arg "virtio-blk-pci,drive=x$_n,addr=$(printf '%#x.%d' "$_s" "$_f"),multifunction=on"
	done
	# shellcheck disable=SC2086 # BOOT_EXTRA: words of boot.sh options
	ovmf/boot.sh --log "$RUNS/$_run.log" --blockstats "$RUNS/$_run.json" \
		--timeout 1800 --mem "$BOOT_MEM" "$@" $BOOT_EXTRA \
		2>"$RUNS/$_run.err" ||
		die "$_run: QEMU ended with status $? (see $RUNS/$_run.err)"
	python3 "$here/stats.py" row "$_run" "$RUNS/$_run.json" d1 \
		>>"$RUNS/boots.tsv" || die "$_run: no QMP numbers"
}

# fresh N: N fresh copies of the WS2019 disk, their paths in BOOT_DISKS.
fresh() {
	BOOT_DISKS=""
	_i=0
	while [ "$_i" -lt "$1" ]; do
		_i=$((_i + 1))
		cp --sparse=always "$OUT/ws2019.img" "$RUNS/disk$_i.img"
		BOOT_DISKS="$BOOT_DISKS $RUNS/disk$_i.img"
	done
}

# fixed RUN: every disk of the boot lost its recovery entry and nothing else
# (sgdisk -v clean, three partitions left, no type 2700).
fixed() {
	for _img in $BOOT_DISKS; do
		_v=$(sgdisk -v "$_img" 2>&1) || true
		echo "$_v" | grep -q "No problems found" ||
			die "$1: sgdisk -v on $_img: $_v"
		_p=$(sgdisk -p "$_img" | awk '$1 ~ /^[0-9]+$/ { print $6 }' |
			tr '\n' ' ')
		[ "$_p" = "EF00 0C01 0700 " ] ||
			die "$1: $_img has partitions of types $_p after the run"
	done
}

# ------------------------------------------------------------------ parts ---

part_boot() {
	case " $KINDS " in
	*" linux "*)
		"$here/linux-peer.sh" "$OUT/linux" >"$OUT/linux.log" 2>&1 ||
			die "building the Linux peer (see $OUT/linux.log)"
		# Its kernel command line (APPEND) and memory (MEM_MIB).
		# shellcheck disable=SC1091
		. "$OUT/linux/linux-peer.env"
		LINUX_APPEND=$APPEND
		[ "$MEM_MIB" = "$BOOT_MEM" ] ||
			die "the Linux peer wants $MEM_MIB MiB, the other boots get $BOOT_MEM" ;;
	esac
	_r=0
	while [ "$_r" -lt "$ROUNDS" ]; do
		_r=$((_r + 1))
		note "boot round $_r of $ROUNDS"
		for _k in $KINDS; do
			boot_checked "boot-$_k-$_r" "$_k"
		done
	done
	# One more boot each under -icount: guest instructions, which the
	# host's load does not move (the wall times above it does).
	note "boot under -icount"
	BOOT_EXTRA=$ICOUNT
	for _k in $KINDS; do
		boot_checked "icount-$_k-1" "$_k"
	done
	BOOT_EXTRA=""
}

# boot_checked RUN KIND [N]: boot KIND against N (1) fresh disks, then
# check that KIND did its job on every disk (the baseline apps do nothing).
boot_checked() {
	fresh "${3:-1}"
	boot "$1" "$2"
	case $2 in
	floor|connect) ;;
	linux)
		grep -q "$LINUX_DONE" "$RUNS/$1.log" ||
			die "$1: no '$LINUX_DONE' on the console"
		fixed "$1" ;;
	*) fixed "$1" ;;
	esac
}

part_scale() {
	# 64 disks are 64 FAT volumes and GPTs in memory: with 256 MiB,
	# OVMF's FAT driver mounted only 44 of the 64 ESPs (gptrim refused
	# the others: no FAT ESP, no backup). Both apps get SCALE_MEM.
	BOOT_MEM=$SCALE_MEM
	_r=0
	while [ "$_r" -lt "$SCALE_ROUNDS" ]; do
		_r=$((_r + 1))
		for _n in $SCALE; do
			note "scale round $_r of $SCALE_ROUNDS, $_n disk(s)"
			for _k in connect gptrim; do
				boot_checked "scale-$_k-$_n-$_r" "$_k" "$_n"
			done
		done
	done
}

# gptrim's profile build (TSC-stamped lines) under -icount against
# PROFILE_DISKS disks, with the VGA console and without: where a disk's
# time goes, in guest instructions (bench/stats.py profile).
part_profile() {
	BOOT_MEM=$SCALE_MEM
	for _vga in std none; do
		note "profile, $PROFILE_DISKS disk(s), -vga $_vga"
		BOOT_EXTRA="$ICOUNT --qemu-arg -vga --qemu-arg $_vga"
		boot_checked "profile-$_vga-$PROFILE_DISKS-1" profile \
			"$PROFILE_DISKS"
	done
	BOOT_EXTRA=""
}

part_table() {
	"$here/table.sh" "$OUT/table" >"$OUT/table.log" 2>&1 ||
		die "bench/table.sh failed (see $OUT/table.log)"
}

part_size() {
	$MAKE -s --no-print-directory BUILD="$BUILD" iso \
		OPTIONS="--apply --then shutdown" >"$OUT/iso.log" 2>&1 ||
		die "make iso (see $OUT/iso.log)"
	printf 'efi %s\niso %s\n' "$(stat -c %s "$BUILD/gptrim.efi")" \
		"$(stat -c %s "$BUILD/gptrim.iso")" >"$RUNS/size.tsv"
}

# ------------------------------------------------------------------- main ---

# The line the Linux peer's init prints when it did the job.
LINUX_APPEND=""
LINUX_DONE="linux-peer: removed 1 partition(s): 1"
BOOT_MEM=256
BOOT_EXTRA=""
SCALE_MEM=${BENCH_SCALE_MEM:-1024}
# QEMU's virtual clock counts guest instructions, 1 ns each; when the guest
# idles it jumps to the next timer instead of waiting (sleep=off).
ICOUNT="--qemu-arg -icount --qemu-arg shift=0,sleep=off"
PROFILE_DISKS=${BENCH_PROFILE_DISKS:-8}

for t in qemu-system-x86_64 sgdisk mformat xorriso python3; do
	command -v "$t" >/dev/null || die "$t not installed (make bench installs it)"
done
[ -r "$BUILD/gptrim.efi" ] || die "$BUILD/gptrim.efi not built"
mkdir -p "$RUNS"
# Only this run's numbers in the report (the table part's too).
rm -f "$RUNS"/*.tsv "$RUNS"/*.json "$RUNS"/*.log "$RUNS"/*.err \
	"$RUNS/fleet.md" "$OUT/table/table.md"
start=$(date +%s)
make_isos
make_disk
for p in $PARTS; do
	case $p in
	boot|scale|profile|table|size) "part_$p" ;;
	fleet) "$here/fleet.sh" "$RUNS" || die "bench/fleet.sh failed" ;;
	*) die "unknown part '$p' (boot scale profile table size fleet)" ;;
	esac
done
rm -f "$RUNS"/disk*.img
python3 "$here/stats.py" report "$RUNS" "$OUT/table/table.md" \
	"took $(( $(date +%s) - start )) s, $(date -u +%Y-%m-%d), $(nproc) CPUs, QEMU $(qemu-system-x86_64 --version | sed -n '1s/.*version \([^ ]*\).*/\1/p') TCG" \
	>"$OUT/results.md"
cat "$OUT/results.md"
