#!/bin/sh
# SPDX-License-Identifier: MIT
# Power cuts and torn writes (issue 4). For each layout, made by sgdisk (4Kn
# through a 4096-byte loop device), and its expected result (the removal
# done by sgdisk -d, plus -e on the grown disk), tests/cuts/judge.py tries
# every cut point, every 512-byte tear of a 4096-byte block and every
# reordering of the writes between two flushes that tests/cuts/cutter can
# produce (the repair-* layouts: one copy damaged, rebuilt by the same
# commit), and judges each image with gptread.py (Linux and EDK2 rules),
# sgdisk and a second run of gptrim --apply --repair. One PASS/FAIL/SKIP
# line per layout; the last line counts the states tried.
#   BUILD=build tests/cuts/run.sh [LAYOUT...]
set -u
BUILD=${BUILD:-build}
# The system interpreter: a pyenv shim costs 0.3 s a start.
if [ -z "${PYTHON:-}" ]; then
	PYTHON=python3
	[ -x /usr/bin/python3 ] && PYTHON=/usr/bin/python3
fi
here=$(cd "$(dirname "$0")" && pwd)
cutter=$BUILD/asan/tests/cutter
gptrim=$BUILD/asan/gptrim
WINRE=DE94BBA4-06D1-4D40-A16A-BFD50179D6AC

for f in "$cutter" "$gptrim"; do
	if [ ! -x "$f" ]; then
		echo "FAIL: cuts: $f not built (make check-build)"
		exit 1
	fi
done
for t in sgdisk losetup "$PYTHON"; do
	if ! command -v $t >/dev/null; then
		echo "FAIL: cuts: $t not installed"
		exit 1
	fi
done

work=$(mktemp -d "${TMPDIR:-/tmp}/gptrim-cuts.XXXXXX") || exit 1
loops=""
cleanup() {
	for l in $loops; do losetup -d "$l" 2>/dev/null; done
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
# Others rebuild build/asan/gptrim while we run: use our own copy.
cp "$gptrim" "$work/gptrim" && cp "$cutter" "$work/cutter" || exit 1

# Partitions (sgdisk -n/-t/-c/-A arguments) of each layout, sizes that fit a
# 64 MiB disk at 512 and 4096 bytes per sector; WinRE as Setup makes it
# (attributes 0x8000000000000001: platform-required, no drive letter).
re() { echo "-n$1:0:+$2 -t$1:$WINRE -c$1:Recovery -A$1:set:0 -A$1:set:63"; }
esp() { echo "-n$1:0:+10M -t$1:ef00 -c$1:EFI_system_partition"; }
msr() { echo "-n$1:0:+16M -t$1:0c01 -c$1:Microsoft_reserved_partition"; }
os() { echo "-n$1:0:+$2 -t$1:0700 -c$1:Basic_data_partition"; }
parts() {
	case $1 in
	ws2019|4kn-ws2019|grown|repair-primary|repair-backup)
		echo "$(re 1 16M) $(esp 2) $(msr 3) $(os 4 16M)" ;;
	ws2022)
		echo "$(esp 1) $(msr 2) $(os 3 32M) $(re 4 4M)" ;;
	two-recovery|4kn-two-recovery)
		echo "$(re 1 16M) $(esp 2) $(msr 3) $(os 4 16M) $(re 5 4M)" ;;
	esac
}
removed() {  # the sgdisk -d arguments of the expected result
	case $1 in
	ws2022) echo "-d 4" ;;
	two-recovery|4kn-two-recovery) echo "-d 1 -d 5" ;;
	grown) echo "-e -d 1" ;;
	*) echo "-d 1" ;;
	esac
}

# sgdisk ARGS on IMAGE, through a 4096-byte loop device when bs is 4096.
on_disk() {
	img=$1 bs=$2
	shift 2
	if [ "$bs" = 512 ]; then
		sgdisk "$@" "$img" >"$work/sgdisk.log" 2>&1
		return
	fi
	dev=$(losetup -f --show -b 4096 "$img" 2>"$work/losetup.log") || return 3
	loops="$loops $dev"
	sgdisk "$@" "$dev" >"$work/sgdisk.log" 2>&1
	rc=$?
	losetup -d "$dev"
	loops=$(echo "$loops" | sed "s#$dev##")
	return $rc
}

total=0 failed=0
layouts=${*:-ws2019 ws2022 two-recovery 4kn-ws2019 4kn-two-recovery grown \
	repair-primary repair-backup}
for name in $layouts; do
	case $name in 4kn-*) bs=4096 ;; *) bs=512 ;; esac
	base=$work/$name.img expect=$work/$name.new.img
	rm -f "$base" "$expect"
	# Layouts with the same partitions share one sgdisk run (each costs a
	# sync(2), up to a second on a busy machine).
	src=$work/src-$bs-$(parts $name | cksum | cut -d' ' -f1).img
	rc=0
	if [ ! -f "$src" ]; then
		truncate -s 64M "$src.tmp"
		# shellcheck disable=SC2046 # word splitting of the partition list
		on_disk "$src.tmp" $bs $(parts $name) && mv "$src.tmp" "$src"
		rc=$?
	fi
	[ $rc = 0 ] && cp --sparse=always "$src" "$base"
	if [ $rc = 3 ]; then
		echo "SKIP: $name (no 4096-byte loop device: $(head -c 200 "$work/losetup.log"))"
		continue
	elif [ $rc != 0 ]; then
		echo "FAIL: $name: sgdisk could not make the layout"
		sed 's/^/# /' "$work/sgdisk.log"
		failed=$((failed + 1))
		continue
	fi
	[ $name = grown ] && truncate -s 96M "$base"
	# One bad copy, repaired by the same commit (cutter --repair): the
	# primary header (the primary is rebuilt first) or the backup header.
	repair=""
	case $name in
	repair-primary) repair=--repair seek=1 ;;
	repair-backup) repair=--repair seek=$(($(stat -c %s "$base") / bs - 1)) ;;
	esac
	[ -n "$repair" ] && dd if=/dev/zero of="$base" bs=$bs seek=$seek count=1 \
		conv=notrunc status=none
	cp --sparse=always "$base" "$expect"
	# shellcheck disable=SC2046
	if ! on_disk "$expect" $bs $(removed $name); then
		echo "FAIL: $name: sgdisk could not make the expected result"
		sed 's/^/# /' "$work/sgdisk.log"
		failed=$((failed + 1))
		continue
	fi
	"$PYTHON" "$here/judge.py" --name "$name" --sector-size $bs \
		--base "$base" --expect "$expect" --cutter "$work/cutter" \
		--gptrim "$work/gptrim" --work "$work" $repair >"$work/judge.out" 2>&1
	rc=$?
	cat "$work/judge.out"
	n=$(sed -n 's/^# tried \([0-9]*\) states$/\1/p' "$work/judge.out")
	total=$((total + ${n:-0}))
	if [ $rc != 0 ]; then
		failed=$((failed + 1))
		grep -qE '^(PASS|FAIL): ' "$work/judge.out" ||
			echo "FAIL: $name: judge.py exited $rc"
	fi
	rm -f "$base" "$expect"
done
if [ $failed = 0 ]; then
	echo "# cuts and tears tried: $total, all consistent"
else
	echo "# cuts and tears tried: $total, $failed layouts with failures"
fi
[ $failed = 0 ]
