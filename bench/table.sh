#!/bin/sh
# SPDX-License-Identifier: MIT
# Host micro-benchmark of load + validate + plan + commit on GPT arrays of
# 128, 1024 and 16384 entries: valgrind --tool=callgrind instruction counts
# (Ir) of the host tool, which stay the same on a busy machine where times
# do not. Part of `make bench`.
#
#   bench/table.sh OUTDIR
#
# For each N an sgdisk-made 1 GiB sparse image with 512-byte sectors and the
# WS2019 Setup layout (Recovery, ESP, MSR, C:, as ovmf/fixtures.sh fx_ws2019)
# whose arrays hold N entries. Each run is
#     build/gptrim --apply --no-backup --sector-size 512 DISK
# on a fresh copy; the baseline is the same command line on a blank 1 GiB
# image (no GPT: same process start-up, option parsing, open, size probe,
# LBA 0/1/last reads and summary line, but no array to read, check or
# write), so Ir minus baseline is the GPT work. --version is measured too,
# for reference only: it leaves out opening and reading the disk, so
# subtracting it would charge the per-disk set-up to the GPT.
# Every result is checked with sgdisk (-v clean, the recovery entry gone,
# the others where they were), so only real successes are measured.
#
# Writes OUTDIR/table.md (the table and the top functions), keeps the
# fixtures in OUTDIR/fixtures (remade when older than this script) and the
# callgrind files in OUTDIR/callgrind. Needs: valgrind, gdisk (sgdisk).
# GPTRIM=path overrides build/gptrim. sgdisk -v on 16384 entries takes ~10 s
# (its overlap check is quadratic): most of the run time is sgdisk's.
set -eu
[ $# = 1 ] || { echo "usage: $0 OUTDIR" >&2; exit 2; }
export LC_ALL=C
here=$(cd "$(dirname "$0")" && pwd)
script=$here/$(basename "$0")
root=$(dirname "$here")
gptrim=${GPTRIM:-$root/build/gptrim}
sizes="128 1024 16384"

for tool in sgdisk valgrind callgrind_annotate; do
	command -v "$tool" >/dev/null 2>&1 || {
		echo "bench/table.sh: $tool not found (Debian: apt-get install" \
			"valgrind gdisk)" >&2
		exit 1
	}
done
[ -x "$gptrim" ] || { echo "bench/table.sh: no $gptrim: run make" >&2; exit 1; }

mkdir -p "$1"
out=$(cd "$1" && pwd)
fx=$out/fixtures
cg=$out/callgrind
run=$out/run
mkdir -p "$fx" "$cg" "$run"

die() { echo "bench/table.sh: $*" >&2; exit 1; }

# fresh FILE: FILE exists and is newer than this script.
fresh() {
	[ -e "$1" ] && [ -n "$(find "$1" -newer "$script" 2>/dev/null)" ]
}

# sgdisk -p's "Number Start End Code" rows.
parts() {
	sgdisk -p "$1" | awk 'f && NF >= 6 { print $1, $2, $3, $6 }
		/^Number/ { f = 1 }'
}

# sgdisk -v clean, or die with its output.
verify() {
	_v=$(sgdisk -v "$1" 2>&1) || die "sgdisk -v $1 failed: $_v"
	case $_v in
	*"No problems found"*) ;;
	*) die "sgdisk -v $1: $_v" ;;
	esac
}

# mkfixture N IMG: the WS2019 layout with N-entry arrays, fixed GUIDs.
# The table is resized before the partitions are made, so FirstUsableLBA
# moves past a large array and the 1 MiB alignment puts partition 1 after it.
mkfixture() {
	_n=$1 _img=$2
	rm -f "$_img.tmp" "$_img.ok"
	truncate -s 1G "$_img.tmp"
	sgdisk -o --resize-table="$_n" -U 5753F019-0000-4000-8000-00000000BE4C \
		-n 1:0:+499M -t 1:2700 -c "1:Basic data partition" \
		-A 1:set:0 -A 1:set:63 -u 1:5753F019-0001-4000-8000-000000000001 \
		-n 2:0:+99M -t 2:ef00 -c "2:EFI system partition" -A 2:set:63 \
		-u 2:5753F019-0001-4000-8000-000000000002 \
		-n 3:0:+16M -t 3:0c01 -c "3:Microsoft reserved partition" \
		-u 3:5753F019-0001-4000-8000-000000000003 \
		-n 4:0:0 -t 4:0700 -c "4:Basic data partition" \
		-u 4:5753F019-0001-4000-8000-000000000004 \
		"$_img.tmp" >"$_img.log" 2>&1 ||
		die "sgdisk failed on $_img.tmp: $(cat "$_img.log")"
	mv "$_img.tmp" "$_img"
}

# check_fixture N IMG: sgdisk -v clean (cached in IMG.ok while IMG is not
# newer), N entries, FirstUsableLBA past the array, 4 partitions inside.
check_fixture() {
	_n=$1 _img=$2
	if ! [ -e "$_img.ok" ] || [ -n "$(find "$_img" -newer "$_img.ok")" ]; then
		verify "$_img"
		: >"$_img.ok"
	fi
	sgdisk -p "$_img" | awk -v n="$_n" '
		/^Partition table holds up to/ { held = $6 }
		/^First usable sector is/ {
			first = $5 + 0; last = $10 + 0 }
		f && NF >= 6 { np++; if (np == 1) s1 = $2; e = $3 }
		/^Number/ { f = 1 }
		END {
			want = 2 + int((n * 128 + 511) / 512)
			if (held != n || first != want || np != 4 || s1 < first ||
			    e > last) {
				printf "fixture %d: %s entries, first usable %s " \
					"(want %d), %d partitions, %s-%s\n", n, held,
					first, want, np, s1, e > "/dev/stderr"
				exit 1
			}
		}' || die "bad fixture $_img"
}

# callgrind NAME IMG|- ARGS...: Ir of one gptrim run on a fresh copy of
# IMG (always at the same path, so all runs look alike); sets $ir and $rc.
callgrind() {
	_name=$1 _img=$2
	shift 2
	rm -f "$run/disk.img" "$cg/$_name.out"
	[ "$_img" = - ] || cp --sparse=always "$_img" "$run/disk.img"
	rc=0
	(cd "$run" && valgrind --tool=callgrind \
		--callgrind-out-file="$cg/$_name.out" --log-file="$cg/$_name.log" \
		"$gptrim" "$@") >"$cg/$_name.stdout" 2>&1 || rc=$?
	ir=$(awk '/^totals:/ { t = $2 } /^summary:/ { s = $2 }
		END { print t != "" ? t : s }' "$cg/$_name.out")
	[ -n "$ir" ] || die "no Ir total in $cg/$_name.out"
}

run_args="--apply --no-backup --sector-size 512 disk.img"

# Fixtures.
if ! fresh "$fx/blank.img"; then
	rm -f "$fx/blank.img"
	truncate -s 1G "$fx/blank.img"
fi
for n in $sizes; do
	img=$fx/ws2019-$n.img
	if ! fresh "$img"; then
		echo "bench/table.sh: making $img"
		mkfixture "$n" "$img"
	fi
	check_fixture "$n" "$img"
done

# Baselines.
callgrind version - --version
[ "$rc" = 0 ] || die "gptrim --version: status $rc"
ir_version=$ir
# shellcheck disable=SC2086
callgrind baseline "$fx/blank.img" $run_args
if [ "$rc" != 3 ] || ! grep -q "not GPT" "$cg/baseline.stdout"; then
	die "baseline run: status $rc, not 3 (no GPT): $(cat "$cg/baseline.stdout")"
fi
base=$ir

# The measured runs, each checked with sgdisk.
results=""
for n in $sizes; do
	img=$fx/ws2019-$n.img
	# shellcheck disable=SC2086
	callgrind "ws2019-$n" "$img" $run_args
	if [ "$rc" != 0 ] ||
	   ! grep -q "removed 1, healthy" "$cg/ws2019-$n.stdout"; then
		die "N=$n: status $rc: $(cat "$cg/ws2019-$n.stdout")"
	fi
	verify "$run/disk.img"
	want=$(parts "$img" | grep -v '^1 ')
	got=$(parts "$run/disk.img")
	[ "$want" = "$got" ] ||
		die "N=$n: after the run sgdisk lists \"$got\", not \"$want\""
	sgdisk -p "$run/disk.img" | grep -q "holds up to $n entries" ||
		die "N=$n: the array size changed"
	results="$results$n $ir
"
done
rm -f "$run/disk.img"

# The table: Ir minus baseline, per entry, the per-entry ratio to the size
# before, and the marginal cost per added entry between sizes (the fixed
# per-table work cancels out there: it is the linearity test).
printf '%s' "$results" | awk -v base="$base" -v ver="$ir_version" '
	function c(x,   s, r) {        # 1234567 -> 1,234,567
		s = sprintf("%.0f", x); r = ""
		while (length(s) > 3) {
			r = "," substr(s, length(s) - 2) r
			s = substr(s, 1, length(s) - 3)
		}
		return s r
	}
	{
		n[NR] = $1; d[NR] = $2 - base; pe[NR] = d[NR] / $1
		if (NR > 1) {
			ratio[NR] = sprintf("%.3f", pe[NR] / pe[NR - 1])
			m[NR] = (d[NR] - d[NR - 1]) / (n[NR] - n[NR - 1])
			marg[NR] = sprintf("%.1f", m[NR])
			if (NR > 2)
				mr[NR] = sprintf("%.3f", m[NR] / m[NR - 1])
		} else {
			ratio[NR] = marg[NR] = "-"
		}
		if (mr[NR] == "") mr[NR] = "-"
	}
	END {
		printf "| entries | Ir (minus baseline) | Ir/entry | " \
			"Ir/entry ratio to previous | marginal Ir/entry | " \
			"marginal ratio |\n"
		printf "|---:|---:|---:|---:|---:|---:|\n"
		for (i = 1; i <= NR; i++)
			printf "| %d | %s | %.1f | %s | %s | %s |\n", n[i],
				c(d[i]), pe[i], ratio[i], marg[i], mr[i]
		printf "\nBaseline (subtracted): `gptrim --apply --no-backup " \
			"--sector-size 512` on a blank 1 GiB image (no GPT): " \
			"%s Ir. For reference, `gptrim --version`: %s Ir.\n",
			c(base), c(ver)
		if (NR >= 3) {
			q = m[NR] / m[NR - 1]
			verdict = "linear"
			if (q > 1.10)
				verdict = "SUPERLINEAR: look at the top functions"
			printf "\nMarginal cost per entry %d..%d vs %d..%d: " \
				"x%.3f (%s).\n", n[NR - 1], n[NR], n[NR - 2],
				n[NR - 1], q, verdict
		}
	}' >"$out/table.md.tmp"

# Where the instructions go at the largest size (self cost, callgrind_annotate).
big=${sizes##* }
{
	printf '\nTop 5 functions by Ir (self), %s entries, whole run:\n\n' "$big"
	printf '| Ir | share | function | file |\n|---:|---:|---|---|\n'
	callgrind_annotate --inclusive=no "$cg/ws2019-$big.out" |
		awk -v root="$root/" '
		/file:function/ { f = 1; next }
		f && /^ *[0-9,]+ +\( *[0-9.]+%\) / && $0 !~ /PROGRAM TOTALS/ {
			ir = $1
			match($0, /\( *[0-9.]+%\)/)
			pct = substr($0, RSTART + 1, RLENGTH - 2)
			sub(/^ +/, "", pct)
			sub(/^ *[0-9,]+ +\( *[0-9.]+%\) +/, "")
			sub(/ \[[^]]*\]$/, "")
			k = index($0, ":"); file = substr($0, 1, k - 1)
			fn = substr($0, k + 1)
			if (index(file, root) == 1)
				file = substr(file, length(root) + 1)
			printf "| %s | %s | %s | %s |\n", ir, pct, fn, file
			if (++k5 == 5) exit
		}'
} >>"$out/table.md.tmp"
mv "$out/table.md.tmp" "$out/table.md"
cat "$out/table.md"
