#!/bin/sh
# The suite "proof" of make check: the harnesses of proof.mk that have
# reached 0 alarms (PROOF_CHECKED; all of them with --all), in two lanes
# that run at once (PROOF_LANE_A, PROOF_LANE_B: about as long each). In a
# lane the harnesses run one after the other, so that each finds in WP's
# cache the goals of those before it (load-1024 the ones load-512 proved:
# most of its goals are the same text). One "PASS: proof NAME" or "FAIL:
# proof NAME" line each, with the runtime, the alarm count and WP's goals,
# then a summary line. Harnesses outside both lanes are named on a comment
# line: make proof runs them all.
set -u
build=${BUILD:-build}
lane_a=$(make -s --no-print-directory proof-lane-a)
lane_b=$(make -s --no-print-directory proof-lane-b)
others=$(make -s --no-print-directory proof-list | tr ' ' '\n' |
	grep -v -x -F "$(echo "$lane_a $lane_b" | tr ' ' '\n')" | tr '\n' ' ')
if [ "${1:-}" = --all ]; then
	lane_b="$lane_b $others"
elif [ -n "$others" ]; then
	echo "# not in make check (alarms left: tests/proof/README.md): ${others}(make proof)"
fi
tools/deps.sh proof || { echo "FAIL: proof (tools/deps.sh proof)"; exit 1; }

# run_lane NAME...: each harness in turn, its verdict line and, on a
# failure, the alarms as comment lines.
run_lane() {
	for n in "$@"; do
		rm -f "$build/proof/$n.ok"
		if res=$(make -s --no-print-directory "$build/proof/$n.ok" 2>&1); then
			echo "PASS: $(echo "$res" | sed -n "s/^proof //p" | head -1)"
		else
			echo "FAIL: $(echo "$res" | sed -n "s/^proof //p" | head -1)"
			echo "$res" | sed -n "s/^  /# /p" | head -20
		fi
	done
}

start=$(date +%s)
mkdir -p "$build/proof"
tmp=$(mktemp -d "$build/proof/lanes.XXXXXX")
# shellcheck disable=SC2086
run_lane $lane_a >"$tmp/a" 2>&1 &
pid=$!
# shellcheck disable=SC2086
run_lane $lane_b >"$tmp/b" 2>&1
wait "$pid"
out=$(cat "$tmp/a" "$tmp/b")
rm -rf "$tmp"
echo "$out"
pass=$(echo "$out" | grep -c '^PASS: ')
fail=$(echo "$out" | grep -c '^FAIL: ')
echo "proof: $pass of $((pass + fail)) harnesses without alarm, $(( $(date +%s) - start ))s"
[ "$fail" = 0 ]
