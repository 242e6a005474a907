#!/bin/sh
# SPDX-License-Identifier: MIT
# make bench, part fleet (BENCH_PARTS=fleet make bench, or make
# bench-fleet): what the fleet playbook itself costs per VM. The fleet
# suite's simulated vCenter (fleet/test/sim.sh) with 200 VMs (WS2019 layout,
# EFI, SATA) in nested folders b200 > b100 > b50 > b20 (100, 50, 30 and 20
# VMs each, so that a folder selects 200, 100, 50 or 20), and an empty one,
# b0. The bridge in its fast mode (fleet/test/fastboot.py: no QEMU, the
# host tool with the ISO's options, gptrim.efi's console lines on the serial
# file, the VM powered off as the guest would), so that only the
# orchestration is measured. Before that, one real boot (ovmf/boot.sh, QEMU
# + OVMF) of a WS2019 disk and the fast mode's run of the same disk must
# print the same console, or nothing is reported.
#
# Runs, in this order: the playbook's dry run of the empty folder (the
# baseline: the ISO check, the selection, the summary, no VM), then each
# BATCH:VMS of BENCH_FLEET ("25:20 25:50 25:100 25:200 5:200 50:200"), then
# the baseline again. Each with `-f BATCH` (docs/fleet.md: forks at least
# the batch), profile_tasks on, and checked: every VM "would fix" in
# summary-dry-run.json, or the bench stops. Reported (bench/fleetstats.py):
# wall time; overhead per VM = (wall - baseline) / VMs, the baseline the
# mean of the two baseline runs of this invocation; that overhead as a
# ratio to the 20-VM run of the same batch (flat = 1.0); the fast boot's
# median (the bridge's log); and where the time goes (profile_tasks,
# summed per task over the batches).
#
# Usage: bench/fleet.sh OUT   (OUT: build/bench/runs; writes OUT/fleet.md,
#   keeps the playbook outputs, the bridge log and the profiles in
#   OUT/fleet/). Needs root (the simulator listens on port 443), Debian's
#   ansible, python3-pyvmomi and golang-github-vmware-govmomi-dev.
# Environment: BENCH_FLEET, BENCH_FLEET_JOBS (8: fast boots at once),
#   BUILD (build).
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
OUT=${1:?usage: bench/fleet.sh OUT}
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$top/$BUILD ;; esac
case $OUT in /*) ;; *) OUT=$top/$OUT ;; esac
MATRIX=${BENCH_FLEET:-25:20 25:50 25:100 25:200 5:200 50:200}
JOBS=${BENCH_FLEET_JOBS:-8}
MAKE=${MAKE:-make}
PY=/usr/bin/python3
# C, NAME, FAILED: ovmf/lib.sh's result lines; TIMEOUT: sim_vars' gptrim_timeout.
# shellcheck disable=SC2034
W=$OUT/fleet C=$W NAME=fleet FAILED=0 TIMEOUT=120
. "$top/ovmf/lib.sh"
. "$top/ovmf/fixtures.sh"
OVMF=$top/ovmf
here_bench=$here
here=$top/fleet/test  # sim.sh's
. "$here/sim.sh"

die() {
	echo "bench fleet: $*" >&2
	[ -s "$C/result" ] && grep -v '^PASS' "$C/result" >&2
	exit 1
}
note() { echo "bench fleet: $*" >&2; }

for t in ansible-playbook go xorriso mtype sgdisk qemu-system-x86_64; do
	command -v "$t" >/dev/null || die "$t not installed (tools/deps.sh bench)"
done
$PY -c 'import pyVmomi' 2>/dev/null || die "no python3-pyvmomi"
[ "$(id -u)" = 0 ] || die "not root (the simulator listens on port 443)"

rm -rf "$W"
mkdir -p "$W/ds" "$W/results"
: >"$C/result"
trap 'sim_stop' EXIT INT TERM

$MAKE -s --no-print-directory -C "$top" BUILD="$BUILD" all fleet-isos \
	>"$W/make.log" 2>&1 || die "make all fleet-isos (see $W/make.log)"
FX_SIZE=1G fx_ws2019 "$W/ws2019.img" 512 >"$W/fixture.log" 2>&1 ||
	die "the WS2019 disk (see $W/fixture.log)"

# The fast mode against a real boot: the same console, but the firmware's
# own BdsDxe lines and the terminal escapes.
console_text() {
	sed -e 's/\x1b\[[0-9;=?]*[A-Za-z]//g' -e 's/\r//g' "$1" | grep -v '^BdsDxe: '
}
cp --sparse=always "$W/ws2019.img" "$W/real.img"
note "one real boot (QEMU + OVMF) and the fast mode, same disk and ISO"
sh "$OVMF/boot.sh" --timeout 300 --iso "$BUILD/fleet/gptrim-report.iso" \
	--disk "$W/real.img:sata" --log "$W/real.console" 2>"$W/real.err" ||
	die "the real boot failed (see $W/real.err)"
FASTBOOT_GPTRIM=$BUILD/gptrim sh "$here/fastboot.sh" --timeout 300 \
	--iso "$BUILD/fleet/gptrim-report.iso" --disk "$W/real.img:sata" \
	--log "$W/fast.console" 2>"$W/fast.err" ||
	die "the fast mode failed (see $W/fast.err)"
console_text "$W/real.console" >"$W/real.txt"
console_text "$W/fast.console" >"$W/fast.txt"
diff -u "$W/real.txt" "$W/fast.txt" >"$W/console.diff" ||
	die "the fast mode's console is not gptrim.efi's (see $W/console.diff)"
grep -q '^gptrim: disk 1 .*: would remove 1 (report only)$' "$W/fast.txt" ||
	die "no 'would remove 1' in $W/fast.txt"
SAME=$(grep -c . "$W/real.txt")
note "the same console, $SAME lines ($(tail -n 1 "$W/real.err" | sed 's/^console.py: //'))"

sim_build || die "building the simulator"
sim_start || die "starting the simulator"
note "200 VMs in the simulated vCenter"
$PY "$here/simfleet.py" "$URL" "$W/ws2019.img" b200:100 b200/b100:50 \
	b200/b100/b50:30 b200/b100/b50/b20:20 b0:0 >"$W/vms" 2>"$W/vms.err" ||
	die "creating the VMs (see $W/vms.err)"
[ "$(wc -l <"$W/vms")" = 200 ] || die "not 200 VMs (see $W/vms)"
# bridge_start starts the bridge with boot.sh and --jobs 2; the later
# --boot and --jobs win (argparse).
FASTBOOT_GPTRIM=$BUILD/gptrim
export FASTBOOT_GPTRIM
# The bench's VMs are all on SATA, which Debian's OVMF drives, and the fast
# mode boots no firmware: no ovmf-vmware build (sim.sh's default).
BRIDGE_FIRMWARE=
bridge_start --boot "$here/fastboot.sh" --jobs "$JOBS" || die "starting the bridge"
sim_vars >"$W/vcenter.yml"

folder() {
	case $1 in
	0) echo /DC0/vm/b0 ;; 20) echo /DC0/vm/b200/b100/b50/b20 ;;
	50) echo /DC0/vm/b200/b100/b50 ;; 100) echo /DC0/vm/b200/b100 ;;
	200) echo /DC0/vm/b200 ;; *) die "no folder of $1 VMs (20 50 100 200)" ;;
	esac
}

# cpu_of PID: the user + system CPU time of process PID so far, in clock
# ticks (/proc/PID/stat).
cpu_of() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# run LABEL BATCH VMS: one dry run of the folder of VMS VMs; a line
# "LABEL VMS BATCH WALL BOOT-MEDIAN CPU SIM-CPU" in $W/runs.tsv: wall
# seconds, the fast boots' median, the CPU seconds of ansible-playbook and
# all it started, and those of the simulator during the run.
run() {
	_l=$1 _b=$2 _n=$3
	_from=$(( $(wc -l <"$W/bridge.log") + 1 ))
	note "$_l: $_n VMs, gptrim_batch $_b ($(date -u +%H:%M:%S))"
	_s0=$(cpu_of "$SIM_PID")
	_t0=$(date +%s.%N)
	/usr/bin/time -f '%U %S' -o "$W/$_l.cpu" \
	env ANSIBLE_LOCAL_TEMP="$W/ansible-tmp" ANSIBLE_REMOTE_TEMP="$W/ansible-tmp" \
	ANSIBLE_LOCALHOST_WARNING=False ANSIBLE_NOCOLOR=1 \
	ANSIBLE_CALLBACKS_ENABLED=ansible.posix.profile_tasks \
	PROFILE_TASKS_TASK_OUTPUT_LIMIT=10000 PROFILE_TASKS_SORT_ORDER=none \
	ansible-playbook "$top/fleet/gptrim.yml" -f "$_b" -e "@$W/vcenter.yml" \
		-e "gptrim_folder=$(folder "$_n")" -e "gptrim_batch=$_b" \
		>"$W/$_l.ansible" 2>&1 ||
		die "$_l: ansible-playbook failed (see $W/$_l.ansible)"
	_t1=$(date +%s.%N)
	_s1=$(cpu_of "$SIM_PID")
	$PY "$here_bench/fleetstats.py" check "$W/results/summary-dry-run.json" "$_n" ||
		die "$_l: not every VM 'would fix' (see $W/$_l.ansible)"
	cp "$W/results/summary-dry-run.json" "$W/$_l.json"
	tail -n +"$_from" "$W/bridge.log" >"$W/$_l.bridge"
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$_l" "$_n" "$_b" \
		"$(awk "BEGIN { printf \"%.1f\", $_t1 - $_t0 }")" \
		"$($PY "$here_bench/fleetstats.py" boots "$W/$_l.bridge" "$_n")" \
		"$(awk '{ printf "%.1f", $1 + $2 }' "$W/$_l.cpu")" \
		"$(awk "BEGIN { printf \"%.1f\", ($_s1 - $_s0) / $(getconf CLK_TCK) }")" \
		>>"$W/runs.tsv"
	# The report so far (a bench stopped later still leaves it).
	$PY "$here_bench/fleetstats.py" report "$W/runs.tsv" "$W" \
		"so far: $_l; $(date -u +%Y-%m-%d), $(nproc) CPUs" >"$W/fleet-so-far.md" 2>&1
}

start=$(date +%s)
: >"$W/runs.tsv"
run base-1 5 0
for _r in $MATRIX; do
	run "b${_r%%:*}-n${_r#*:}" "${_r%%:*}" "${_r#*:}"
done
run base-2 5 0
$PY "$here_bench/fleetstats.py" report "$W/runs.tsv" "$W" \
	"$SAME console lines of a real boot and of the fast mode identical; took $(( $(date +%s) - start )) s after the setup, $(date -u +%Y-%m-%d), $(nproc) CPUs, ansible-core $(ansible-playbook --version | sed -n '1s/.*core \([0-9.]*\).*/\1/p')" \
	>"$OUT/fleet.md" || die "the report"
cat "$OUT/fleet.md" >&2
