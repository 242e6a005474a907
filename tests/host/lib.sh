# SPDX-License-Identifier: MIT
# Shared helpers of the host end-to-end suites (bash). Fixtures are made by
# independent tools (sgdisk, sfdisk, truncate, losetup, mtools) and judged by
# sgdisk/sfdisk and tests/host/gptcheck.py, never by gptrim's own core.
#
# A test is a group of assertions between begin and end; end prints
#   PASS: name   or   FAIL: name: the first failed assertion
# SKIP: name (reason) is printed by skip and never counts as a pass.

set -u
# HOST_TRACE=1: trace every command with a timestamp (bash ignores PS4 from
# the environment when run as root).
if [ -n "${HOST_TRACE:-}" ]; then PS4='+ $EPOCHREALTIME '; set -x; fi
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
GPTRIM=${GPTRIM:-$ROOT/build/asan/gptrim}
# The system interpreter: a pyenv shim costs half a second per call.
if [ -z "${PYTHON:-}" ]; then
	PYTHON=python3
	[ -x /usr/bin/python3 ] && PYTHON=/usr/bin/python3
fi
CHECK="$PYTHON $HERE/gptcheck.py"
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
export NO_COLOR=1

WORK=$(mktemp -d "${TMPDIR:-/tmp}/gptrim-host.XXXXXX")
LOOPS=()
FAILED=0

cleanup() {
	local l
	for l in "${LOOPS[@]}"; do
		losetup -d "$l" 2>/dev/null
	done
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ ! -x "$GPTRIM" ]; then
	echo "FAIL: $GPTRIM is not built (make check-build)"
	exit 1
fi
# Run a private copy: a rebuild in the shared tree while the suite runs
# would otherwise make exec fail with "Text file busy".
cp "$GPTRIM" "$WORK/gptrim" && GPTRIM=$WORK/gptrim

T_NAME='' T_ERR=''
begin() {
	T_NAME=$1 T_ERR=
	echo "--- $T_NAME" >&2
}
# Record the first failure of the current test.
flunk() {
	[ -n "$T_ERR" ] || T_ERR=$1
	echo "    failed: $1" >&2
}
end() {
	if [ -z "$T_ERR" ]; then
		echo "PASS: $T_NAME"
	else
		echo "FAIL: $T_NAME: $T_ERR"
		FAILED=$((FAILED + 1))
	fi
}
skip() {
	echo "SKIP: $1 ($2)"
}
finish() {
	[ "$FAILED" = 0 ]
}

# expect "what" cmd...: the command succeeds (its output goes to the log).
expect() {
	local what=$1
	shift
	if ! "$@" >&2; then
		flunk "$what"
	fi
}
# expect_not "what" cmd...: the command fails.
expect_not() {
	local what=$1
	shift
	if "$@" >&2 2>/dev/null; then
		flunk "$what"
	fi
}

# run_gptrim RC args...: run the tool, keep its output in $OUT, and check
# the exit status and that no sanitizer spoke.
OUT=
run_gptrim() {
	local want=$1 rc
	shift
	OUT=$("$GPTRIM" "$@" 2>&1)
	rc=$?
	printf '%s\n' "$ gptrim $*" "$OUT" "(exit $rc)" >&2
	if [ "$rc" != "$want" ]; then
		flunk "gptrim $* exited $rc, expected $want"
	fi
	case $OUT in
	*AddressSanitizer* | *LeakSanitizer* | *"runtime error"*)
		flunk "sanitizer report from gptrim $*" ;;
	esac
}
# out_has "text": the last gptrim output contains text, also when the
# report wrapped it at 79 columns (line breaks and indents count as one
# space).
out_has() {
	local flat
	flat=$(printf '%s' "$OUT" | tr '\n' ' ' | tr -s ' ')
	case $OUT in
	*"$1"*) ;;
	*)
		case $flat in
		*"$1"*) ;;
		*) flunk "output lacks '$1'" ;;
		esac ;;
	esac
}

# Content digest and modification time: a write of the same bytes still
# counts as a write. (sha256sum of a 1 GiB sparse image takes seconds.)
sum_of() { echo "$($CHECK digest "$1") $(stat -c %y "$1")"; }
# unchanged FILE SUM
unchanged() {
	local now
	now=$(sum_of "$1")
	if [ "${now%% *}" != "${2%% *}" ]; then
		flunk "$(basename "$1") was changed"
	elif [ "$now" != "$2" ]; then
		flunk "$(basename "$1") was written (same bytes, new mtime)"
	fi
}

# no_backup_saved DIR [WHEN]: no *.gpt file in DIR (a backup saved WHEN).
no_backup_saved() {
	if ls "$1"/*.gpt >/dev/null 2>&1; then
		flunk "a backup was saved${2:+ $2}: $(ls "$1"/*.gpt)"
	fi
}

# apply_writes_nothing RC IMG SUM: gptrim --apply IMG exits RC and writes
# nothing: IMG as SUM (sum_of) says, and no backup beside it.
apply_writes_nothing() {
	run_gptrim "$1" --apply "$2"
	unchanged "$2" "$3"
	no_backup_saved "$(dirname "$2")"
}

# sgdisk -v finds no problems.
sgdisk_clean() {
	local v
	v=$(sgdisk -v "$1" 2>&1)
	printf '%s\n' "$v" >&2
	case $v in
	*"No problems found"*) return 0 ;;
	*) return 1 ;;
	esac
}

sfjson() { sfdisk --json "$1" 2>/dev/null > "$2"; }

# loop_attach IMG BS: attach IMG with BS-byte sectors; the device is left
# in $LOOP (not printed: a $(...) subshell would lose it from LOOPS).
LOOP=
loop_attach() {
	LOOP=$(losetup -f --show -b "$2" "$1") || return 1
	LOOPS+=("$LOOP")
}
loop_detach() {
	local l keep=()
	losetup -d "$1"
	for l in "${LOOPS[@]}"; do
		[ "$l" = "$1" ] || keep+=("$l")
	done
	LOOPS=("${keep[@]}")
}
have_loop() {
	[ "$(id -u)" = 0 ] && losetup -f >/dev/null 2>&1
}

RE=DE94BBA4-06D1-4D40-A16A-BFD50179D6AC

# Layouts. $1 = image or device (created as a sparse file of size $2 when
# it does not exist). sgdisk's type codes: 2700 Windows RE, ef00 ESP,
# 0c01 MSR, 0700 basic data; WinRE attributes 0x8000000000000001.
sg() { sgdisk "$@" >/dev/null 2>&1; }
new_disk() { [ -e "$1" ] || truncate -s "${2:-1G}" "$1"; }
winre() { echo "-t$1:2700" "-c$1:Recovery" "-A$1:set:0" "-A$1:set:63"; }

# Windows Server 2016/2019 Setup: Recovery, ESP, MSR, C:. A suite of small
# disks sets WS2019_SIZES="RE ESP MSR" (default "499M 99M 16M").
raw_ws2019() {
	local re esp msr
	read -r re esp msr <<<"${WS2019_SIZES:-499M 99M 16M}"
	new_disk "$1" "${2:-1G}"
	# shellcheck disable=SC2046
	sg -n1:0:+"$re" $(winre 1) \
	   -n2:0:+"$esp" -t2:ef00 -c2:"EFI system partition" \
	   -n3:0:+"$msr" -t3:0c01 -c3:"Microsoft reserved partition" \
	   -n4:0:0 -t4:0700 -c4:"Basic data partition" "$1"
}
# Windows Server 2022 / Windows 10 2004+: ESP, MSR, C:, Recovery last.
raw_ws2022() {
	new_disk "$1" "${2:-1G}"
	# shellcheck disable=SC2046
	sg -n1:0:+100M -t1:ef00 -c1:"EFI system partition" \
	   -n2:0:+16M -t2:0c01 -c2:"Microsoft reserved partition" \
	   -n3:0:-600M -t3:0700 -c3:"Basic data partition" \
	   -n4:0:0 $(winre 4) "$1"
}
# WS2019 after a feature update: a second recovery partition after C:.
raw_two_re() {
	new_disk "$1" "${2:-1G}"
	# shellcheck disable=SC2046
	sg -n1:0:+300M $(winre 1) \
	   -n2:0:+99M -t2:ef00 -c2:"EFI system partition" \
	   -n3:0:+16M -t3:0c01 -c3:"Microsoft reserved partition" \
	   -n4:0:-200M -t4:0700 -c4:"Basic data partition" \
	   -n5:0:0 $(winre 5) "$1"
}
# No recovery partition at all.
raw_no_re() {
	new_disk "$1" "${2:-1G}"
	sg -n1:0:+100M -t1:ef00 -c1:"EFI system partition" \
	   -n2:0:+16M -t2:0c01 -c2:"Microsoft reserved partition" \
	   -n3:0:0 -t3:0700 -c3:"Basic data partition" "$1"
}

# sgdisk sleeps a second after every write, so each layout is made once
# per suite and copied (the copies share their GUIDs; sgdisk -G when a test
# needs a different disk). Devices and existing files are made directly.
from_template() {
	local maker=$1 img=$2 size=${3:-1G} tpl
	if [ -e "$img" ]; then
		"$maker" "$img" "$size"
		return
	fi
	tpl=$WORK/.templates/$maker-$size.img
	if [ ! -e "$tpl" ]; then
		mkdir -p "$WORK/.templates"
		"$maker" "$tpl" "$size" || { rm -f "$tpl"; return 1; }
	fi
	cp --sparse=always "$tpl" "$img"
}
mk_ws2019() { from_template raw_ws2019 "$@"; }
mk_ws2022() { from_template raw_ws2022 "$@"; }
mk_two_re() { from_template raw_two_re "$@"; }
mk_no_re() { from_template raw_no_re "$@"; }

# The standard judgement after removing entries NUMS from IMG (a copy of
# ORIG): sgdisk -v clean, sfdisk shows exactly those entries gone, their
# slots zero and everything else identical in both GPT copies, not a byte
# changed outside the GPT areas. BS is the sector size; other than 512,
# sgdisk and sfdisk look through loop devices with that sector size.
# judge_removed ORIG IMG BS NUMS [--grown]
judge_removed() {
	local orig=$1 img=$2 bs=$3 nums=$4 odev=$1 idev=$2
	shift 4
	if [ "$bs" != 512 ]; then
		loop_attach "$orig" "$bs" && odev=$LOOP &&
			loop_attach "$img" "$bs" && idev=$LOOP ||
			{ flunk "losetup -b $bs failed"; return; }
	fi
	expect "sgdisk -v clean after" sgdisk_clean "$idev"
	sfjson "$odev" "$WORK/before.json"
	sfjson "$idev" "$WORK/after.json"
	# sfdisk names the partitions after the device: give both one name.
	sed -i "s|$odev|DEV|g" "$WORK/before.json"
	sed -i "s|$idev|DEV|g" "$WORK/after.json"
	expect "sfdisk: entries $nums gone, the others identical" \
		$CHECK sfdiff "$WORK/before.json" "$WORK/after.json" \
		--removed "$nums" "$@"
	expect "entries $nums zero, all else in both GPT copies identical" \
		$CHECK table-diff "$orig" "$img" --bs "$bs" --removed "$nums" "$@"
	expect "every byte outside the GPT areas unchanged" \
		$CHECK outside "$orig" "$img" --bs "$bs"
	if [ "$bs" != 512 ]; then
		loop_detach "$odev"
		loop_detach "$idev"
	fi
}
