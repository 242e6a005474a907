#!/bin/sh
# SPDX-License-Identifier: MIT
# The "fuzz" suite of make check: for each target, replay its regression
# inputs (crashes found before: tests/fuzz/regress/TARGET/; for the
# fuzz-gpt-* targets, which share one input format, every input of
# regress/fuzz-gpt/ against each), then run it for a fixed number of
# mutations from the seed corpus, with a fixed seed so a run is
# reproducible. One line per target:
#   PASS: fuzz-gpt-load 20000 runs
#   FAIL: fuzz-gpt-load regression repair-cut-after-backup-array
#   FAIL: fuzz-gpt-load crash after N runs (input saved as FILE)
# Environment: GPTRIM_FUZZ_DIR (binaries, corpora; default build/fuzz),
# FUZZ_RUNS (default 20000), FUZZ_SEED (default 1).
set -u
dir=${GPTRIM_FUZZ_DIR:-build/fuzz}
runs=${FUZZ_RUNS:-20000}
seed=${FUZZ_SEED:-1}
here=$(cd "$(dirname "$0")" && pwd)
regress=$here/regress
targets=${*:-fuzz-gpt-load fuzz-gpt-backup fuzz-gpt-commit fuzz-gpt-faults \
	fuzz-gpt-driver fuzz-backup-decode fuzz-options}
stamp=$dir/seeds.stamp
status=0

if [ ! -e "$stamp" ] || [ "$here/seeds.sh" -nt "$stamp" ]; then
	if "$here/seeds.sh" "$dir"; then
		touch "$stamp"
	else
		echo "FAIL: fuzz seeds (tests/fuzz/seeds.sh $dir)"
		exit 1
	fi
fi

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

for t in $targets; do
	bin=$dir/$t
	case $t in
	fuzz-gpt-*) name=gpt ;;
	*) name=${t#fuzz-} ;;
	esac
	corpus=$dir/corpus-$name
	log=$scratch/$t.log
	if [ ! -x "$bin" ]; then
		echo "FAIL: $t not built ($bin)"
		status=1
		continue
	fi
	failed=false
	for f in "$regress/fuzz-$name"/*; do
		[ -f "$f" ] || continue
		case $f in *.md|*.txt) continue ;; esac
		if ! "$bin" -runs=1 "$f" >"$log" 2>&1; then
			echo "FAIL: $t regression $(basename "$f")"
			grep -E 'fuzz invariant|ERROR: (Address|Undefined|libFuzzer)|runtime error' \
				"$log" | head -n 3 | sed 's/^/#   /'
			failed=true
		fi
	done
	if $failed; then
		status=1
		continue
	fi
	dict=$here/gpt.dict
	[ "$t" = fuzz-options ] && dict=$here/options.dict
	# New coverage goes to a scratch directory: the seeds stay as made.
	mkdir -p "$scratch/new-$t" "$scratch/art-$t"
	start=$(date +%s)
	if "$bin" -runs="$runs" -seed="$seed" -timeout=30 -dict="$dict" \
		-artifact_prefix="$scratch/art-$t/" "$scratch/new-$t" "$corpus" \
		>"$log" 2>&1; then
		echo "PASS: $t $runs runs ($(( $(date +%s) - start )) s)"
	else
		art=$(ls "$scratch/art-$t" 2>/dev/null | head -n 1)
		saved=""
		if [ -n "$art" ]; then
			mkdir -p "$dir/crashes/$t"
			cp "$scratch/art-$t/$art" "$dir/crashes/$t/$art"
			saved=" (input saved as $dir/crashes/$t/$art)"
		fi
		echo "FAIL: $t crashed$saved"
		grep -E 'fuzz invariant|ERROR: (Address|Undefined|libFuzzer)|runtime error|^     ' \
			"$log" | head -n 4 | sed 's/^/#   /'
		status=1
	fi
done
exit $status
