# SPDX-License-Identifier: MIT
# What the OVMF suites (e2e.sh, hostile.sh, faults.sh, undo.sh, uboot.sh,
# vmware.sh; fleet/test/fleet.sh) share: their start, the result lines of a
# case and one pass-or-fail judge, the case's directory and its clean-up,
# the end of a boot, the checks of what a suite needs, an ISO built apart
# from the shared one, and the parallel run of the cases with the
# collection of their results. Sourced by sh after the suite has set here
# (ovmf/); suite_init (or, with top set, suite_env) sets the rest of what
# the suite and these helpers use.
# shellcheck shell=sh

# suite_env PREFIX DIR [TIMEOUT]: BUILD (absolute, under $top unless given
# so), MAKE, W (${PREFIX}_DIR, else $BUILD/DIR), JOBS (${PREFIX}_JOBS, else
# 2), ISO_DIR ($W/iso), BOOT_TIMEOUT (${PREFIX}_BOOT_TIMEOUT, else TIMEOUT,
# else 180), the fixtures' losetup lock in W, and mtools without its
# geometry check.
# shellcheck disable=SC2034,SC2154 # MAKE, JOBS, FX_LOCK and top: the suite's
suite_env() {
	BUILD=${BUILD:-build}
	case $BUILD in /*) ;; *) BUILD=$top/$BUILD ;; esac
	MAKE=${MAKE:-make}
	eval "W=\${${1}_DIR:-\$BUILD/$2}"
	eval "JOBS=\${${1}_JOBS:-2}"
	eval "BOOT_TIMEOUT=\${${1}_BOOT_TIMEOUT:-${3:-180}}"
	ISO_DIR=$W/iso
	export MTOOLS_SKIP_CHECK=1
	FX_LOCK=$W/fx.lock
}

# suite_init PREFIX DIR TIMEOUT: what an ovmf/ suite starts with: top (the
# project), suite_env, then ovmf/fixtures.sh and ovmf/checks.sh. The suite
# has set here (ovmf/).
suite_init() {
	top=$(cd "$here/.." && pwd)
	suite_env "$1" "$2" "$3"
	. "$here/fixtures.sh"
	. "$here/checks.sh"
}

# ---------------------------------------------------------- result lines ---

# pass/skip/fail TEXT: a "PASS: case: TEXT" line in $C/result; fail also
# sets FAILED. detail: stdin indented under the last line, ending in a
# newline even where stdin does not (a console cut off mid-line), so the
# next result starts a line of its own.
# printf, not echo: dash's echo would take \E... in a path for an escape.
pass() { printf 'PASS: %s: %s\n' "$NAME" "$*" >>"$C/result"; }
skip() { printf 'SKIP: %s: %s\n' "$NAME" "$*" >>"$C/result"; }
fail() { printf 'FAIL: %s: %s\n' "$NAME" "$*" >>"$C/result"; FAILED=1; }
detail() { sed -e 's/^/#   /' -e '$a\' >>"$C/result"; }

# judge OUT PASS-TEXT FAIL-TEXT COMMAND...: COMMAND, its output in OUT;
# "PASS: PASS-TEXT" when it succeeds, else "FAIL: FAIL-TEXT" with OUT as
# the detail.
judge() {
	_j_out=$1 _j_ok=$2 _j_bad=$3
	shift 3
	if "$@" >"$_j_out" 2>&1; then
		pass "$_j_ok"
	else
		fail "$_j_bad"
		detail <"$_j_out"
	fi
}

# ------------------------------------------------------------- one case ---

# case_dir NAME: NAME, FAILED=0 and C, the case's fresh directory under
# $W/cases with an empty result file.
# shellcheck disable=SC2034 # NAME, C and FAILED are the suite's
case_dir() {
	NAME=$1
	C=$W/cases/$NAME
	FAILED=0
	rm -rf "$C"
	mkdir -p "$C"
	: >"$C/result"
}

# case_call: the case's function (case_NAME, '-' as '_'), its output in
# $C/out.
case_call() {
	"case_$(echo "$NAME" | tr '-' '_')" >"$C/out" 2>&1
}

# case_clean KEEP GLOB...: after a case that passed, with KEEP empty (the
# suite's *_KEEP), the files GLOB... in $C removed (disk images: space).
# shellcheck disable=SC2086 # GLOB: a pattern
case_clean() {
	[ "$FAILED" = 0 ] && [ -z "$1" ] || return 0
	shift
	for _g in "$@"; do
		rm -f "$C"/$_g
	done
}

# boot_end LOGNAME: after boot.sh: BOOT_END and BOOT_SECS from the last line
# of $C/LOGNAME.err, and $C/LOGNAME.txt, the console $C/LOGNAME.log without
# escapes or CRs, for grep.
# shellcheck disable=SC2034 # BOOT_END and BOOT_SECS are the suite's
boot_end() {
	_last=$(tail -n 1 "$C/$1.err")
	BOOT_END=$(echo "$_last" | sed -n 's/.*(\(.*\)) after.*/\1/p')
	BOOT_SECS=$(echo "$_last" | sed -n 's/.* after \([0-9.]*\) s$/\1/p')
	sed 's/\x1b\[[0-9;=?]*[A-Za-z]//g' "$C/$1.log" | tr -d '\r' \
		>"$C/$1.txt"
}

# ---------------------------------------------------------------- needs ---

# need_tools TOOL...: each on PATH, or "TOOL not installed" and 1.
need_tools() {
	for _t in "$@"; do
		command -v "$_t" >/dev/null 2>&1 || { echo "$_t not installed"; return 1; }
	done
}

# need_ovmf FILE...: each in /usr/share/OVMF, or "no /usr/share/OVMF/FILE"
# and 1.
need_ovmf() {
	for _f in "$@"; do
		[ -r "/usr/share/OVMF/$_f" ] || { echo "no /usr/share/OVMF/$_f"; return 1; }
	done
}

# no_loop4k: why this machine cannot make loop devices with 4096-byte
# blocks (4Kn fixtures need them; not in every container); nothing if it
# can.
no_loop4k() {
	_probe=$(mktemp "${TMPDIR:-/tmp}/gptrim-loop.XXXXXX")
	truncate -s 1M "$_probe"
	if [ "$(id -u)" != 0 ]; then
		echo "not root"
	elif _dev=$(losetup -f --show -b 4096 "$_probe" 2>&1); then
		losetup -d "$_dev"
	else
		echo "losetup -b 4096 failed: $_dev"
	fi
	rm -f "$_probe"
}

# ------------------------------------------------------------------ ISO ---

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

# private_iso OPTIONS ISO: the ISO as `make iso OPTIONS=...` makes it, in a
# private build directory ($W/build) around a copy of $BUILD/gptrim.efi
# (-o: make does not rebuild it), so the shared $BUILD/gptrim.iso is never
# touched; its \gptrim.cfg checked. A FAIL line and 1 when either fails.
private_iso() {
	_b=$W/build
	rm -rf "$_b"
	mkdir -p "$_b"
	cp "$BUILD/gptrim.efi" "$_b/gptrim.efi"
	if ! $MAKE -s --no-print-directory -C "$top" BUILD="$_b" \
		-o "$_b/gptrim.efi" iso OPTIONS="$1" >"$W/iso.make" 2>&1; then
		echo "FAIL: make iso OPTIONS=\"$1\" (private BUILD=$_b)"
		sed 's/^/#   /' "$W/iso.make"
		return 1
	fi
	cp "$_b/gptrim.iso" "$2"
	if ! _why=$(iso_check "$2" "$1"); then
		echo "FAIL: the ISO made by make iso OPTIONS=\"$1\": $_why"
		return 1
	fi
}

# ------------------------------------------------------------- firmware ---

# ovmf_vmware OUT: make ovmf-vmware (OVMF with the PVSCSI and LSI SAS
# drivers, build/ovmf-vmware/OVMF_{CODE,VARS}.fd; built when missing or
# older than its script, about 4 minutes, else nothing to do), its output
# in OUT. Under a lock beside the firmware: the suites that boot it
# (ovmf/vmware.sh, fleet/test/fleet.sh) may run at the same time, and the
# second waits for the first's build instead of building into the same
# directory. The build's summary line (or "... (up to date)") on stdout;
# the make's status.
ovmf_vmware() {
	mkdir -p "$BUILD"
	if ! flock "$BUILD/ovmf-vmware.lock" $MAKE -s --no-print-directory \
		-C "$top" BUILD="$BUILD" ovmf-vmware >"$1" 2>&1; then
		return 1
	fi
	_line=$(grep '^ovmf-vmware: built ' "$1")
	echo "${_line:-$BUILD/ovmf-vmware/OVMF_CODE.fd (up to date)}"
}

# ---------------------------------------------------------------- suite ---

# suite_entry ARGS...: the entry points of the suite's own re-runs:
# --case NAME (one case, as xargs runs it) and --list.
# shellcheck disable=SC2086 # $CASES: one name a line
suite_entry() {
	case "${1:-}" in
	--case) run_case "$2"; exit 0 ;;
	--list) printf '%s\n' $CASES; exit 0 ;;
	esac
}

# suite_fresh: an empty $W with $W/cases and $ISO_DIR, and the fixtures'
# lock file.
suite_fresh() {
	rm -rf "$W"
	mkdir -p "$W/cases" "$ISO_DIR"
	: >"$FX_LOCK"
}

# suite_start LABEL ARGS...: the suite's re-runs (suite_entry ARGS), its
# prereqs (suite_prereqs LABEL), then cases (ARGS, else $CASES) and start.
# shellcheck disable=SC2034 # cases and start are the suite's
suite_start() {
	_label=$1
	shift
	suite_entry "$@"
	suite_prereqs "$_label"
	cases=${*:-$CASES}
	start=$(date +%s)
}

# suite_prereqs LABEL: the suite's prereqs (its function, which prints
# why not), or "SKIP: LABEL (why)" and exit 0. Then NO_LOOP4K, exported:
# why this machine cannot make loop devices with 4096-byte blocks, empty
# when it can; without them the 4Kn cases are skipped, the others run.
suite_prereqs() {
	if ! _why=$(prereqs); then
		echo "SKIP: $1 ($_why)"
		exit 0
	fi
	NO_LOOP4K=$(no_loop4k)
	export NO_LOOP4K
}

# run_cases JOBS CASE...: the cases side by side, JOBS at a time, each in
# a fresh sh running this suite with --case.
run_cases() {
	_jobs=$1
	shift
	printf '%s\n' "$@" | xargs -P "$_jobs" -n 1 sh "$0" --case
}

# suite_cases CASE...: the cases, $JOBS at a time, then any loop device
# they left detached and their result lines printed in the order given.
suite_cases() {
	run_cases "$JOBS" "$@"
	detach_loops
	print_results "$@"
}

# detach_loops: any loop device left behind by a killed case.
detach_loops() {
	for _img in "$W"/cases/*/*; do
		[ -f "$_img" ] || continue
		losetup -j "$_img" 2>/dev/null | cut -d: -f1 | while read -r _d; do
			losetup -d "$_d" 2>/dev/null
		done
	done
}

# print_results CASE...: each case's result lines in the order given; a
# FAIL for a case that wrote none, with the end of its output.
print_results() {
	for _name in "$@"; do
		if [ -s "$W/cases/$_name/result" ]; then
			cat "$W/cases/$_name/result"
		else
			echo "FAIL: $_name: no result (see $W/cases/$_name/out)"
			tail -n 20 "$W/cases/$_name/out" 2>/dev/null | sed 's/^/#   /'
		fi
	done
}

# suite_exit LABEL START CASE...: the "# LABEL: N cases in S s" line, then
# exit 1 if any case failed, else 0.
suite_exit() {
	_label=$1 _start=$2
	shift 2
	echo "# $_label: $# cases in $(( $(date +%s) - _start )) s (logs: $W/cases)"
	grep -q '^FAIL: ' "$W"/cases/*/result 2>/dev/null && exit 1
	exit 0
}
