#!/bin/sh
# SPDX-License-Identifier: MIT
# Long fuzzing runs (make fuzz): each target in turn for FUZZ_SECONDS, from
# its seed corpus plus what earlier long runs found (kept in
# GPTRIM_FUZZ_DIR/work-NAME/), with its dictionary. Crashing inputs go to
# GPTRIM_FUZZ_DIR/crashes/TARGET/. Prints one line per target:
#   fuzz-gpt-load: 1234567 executions in 600 s (2057/s), corpus 812, 0 crashes
# Environment: GPTRIM_FUZZ_DIR (default build/fuzz), FUZZ_SECONDS (600),
# FUZZ_JOBS (0: one process that stops at the first crash; N: libFuzzer
# -fork=N -ignore_crashes=1, which keeps going and collects every crash),
# FUZZ_ARGS (more libFuzzer flags), GPTRIM_FUZZ_KNOWN (see fuzzcheck.h).
set -u
dir=${GPTRIM_FUZZ_DIR:-build/fuzz}
secs=${FUZZ_SECONDS:-600}
jobs=${FUZZ_JOBS:-0}
here=$(cd "$(dirname "$0")" && pwd)
targets=${*:-fuzz-gpt-load fuzz-gpt-backup fuzz-gpt-commit fuzz-gpt-faults \
	fuzz-gpt-driver fuzz-backup-decode fuzz-options}
status=0

for t in $targets; do
	name=${t#fuzz-}
	corpus=$dir/corpus-$name
	case $t in fuzz-gpt-*) corpus=$dir/corpus-gpt ;; esac
	bin=$dir/$t
	work=$dir/work-$name
	art=$dir/crashes/$t
	log=$dir/long-$t.log
	dict=""
	case $t in
	fuzz-gpt-*|fuzz-backup-decode) dict=-dict=$here/gpt.dict ;;
	fuzz-options) dict=-dict=$here/options.dict ;;
	esac
	fork=""
	[ "$jobs" -gt 0 ] && fork="-fork=$jobs -ignore_crashes=1"
	mkdir -p "$work" "$art"
	before=$(ls "$art" | wc -l)
	echo "$t: fuzzing for $secs s (log: $log)"
	start=$(date +%s)
	# shellcheck disable=SC2086
	"$bin" -max_total_time="$secs" -timeout=30 -print_final_stats=1 \
		-artifact_prefix="$art/" $dict $fork ${FUZZ_ARGS:-} \
		"$work" "$corpus" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	[ -n "$execs" ] ||
		execs=$(sed -n 's/^#\([0-9][0-9]*\).*/\1/p' "$log" | tail -n 1)
	took=$(( $(date +%s) - start ))
	crashes=$(( $(ls "$art" | wc -l) - before ))
	echo "$t: ${execs:-?} executions in ${took} s" \
		"($(( ${execs:-0} / (took > 0 ? took : 1) ))/s)," \
		"corpus $(ls "$work" | wc -l) + $(ls "$corpus" | wc -l) seeds," \
		"$crashes new crash input(s) in $art (exit $rc)"
	if [ "$rc" != 0 ] || [ "$crashes" != 0 ]; then
		grep -E 'fuzz invariant|ERROR: (Address|Undefined|libFuzzer)|runtime error|^     ' \
			"$log" | sort | uniq -c | sort -rn | head -n 10
		status=1
	fi
done
exit $status
