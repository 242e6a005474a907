#!/bin/sh
# The suite "proof" of make check: the harnesses of proof.mk that have
# reached 0 alarms (PROOF_CHECKED; all of them with --all), in two lanes
# that run at once (PROOF_LANE_A, PROOF_LANE_B). In a lane the harnesses
# run one after the other, and at a "|" each lane waits for the other:
# what follows it may take load-512's WP proofs (PROOF_WP_REUSERS), and
# finds in WP's cache the answers of both lanes' parts before.
# One "PASS: proof NAME" or "FAIL: proof NAME" line each, with the
# runtime, the alarm count and WP's goals, then a summary line.
# Harnesses outside both lanes are named on a comment line: make proof
# runs them all.
set -u
build=${BUILD:-build}
lane_a=$(make -s --no-print-directory proof-lane-a)
lane_b=$(make -s --no-print-directory proof-lane-b)
others=$(make -s --no-print-directory proof-list | tr ' ' '\n' |
	grep -v -x -F "$(make -s --no-print-directory proof-checked | tr ' ' '\n')" |
	tr '\n' ' ')
if [ "${1:-}" = --all ]; then
	lane_b="$lane_b $others"
elif [ -n "$others" ]; then
	echo "# not in make check (alarms left: tests/proof/README.md): ${others}(make proof)"
fi
tools/deps.sh proof || { echo "FAIL: proof (tools/deps.sh proof)"; exit 1; }

# run_lane NAME...: each harness in turn, its verdict line and, on a
# failure, the alarms as comment lines. make is told not to run again a
# harness of an earlier part ($ran) that one of these needs
# (PROOF_WP_FIRST): the other lane would run it at the same time.
run_lane() {
	for n in "$@"; do
		rm -f "$build/proof/$n.ok"
		# shellcheck disable=SC2086
		if res=$(make -s --no-print-directory $ran "$build/proof/$n.ok" 2>&1); then
			echo "PASS: $(echo "$res" | sed -n "s/^proof //p" | head -1)"
		else
			echo "FAIL: $(echo "$res" | sed -n "s/^proof //p" | head -1)"
			echo "$res" | sed -n "s/^  /# /p" | head -20
		fi
	done
}

# part LANE K: the K-th part of a lane, between its "|" (empty past the
# last).
part() {
	printf '%s\n' "$1" | awk -F'|' -v k="$2" '{ print $k }'
}

start=$(date +%s)
mkdir -p "$build/proof"
tmp=$(mktemp -d "$build/proof/lanes.XXXXXX")
: >"$tmp/a"
: >"$tmp/b"
parts=$(printf '%s\n%s\n' "$lane_a" "$lane_b" |
	awk -F'|' 'NF > n { n = NF } END { print n }')
k=1
ran=""
while [ "$k" -le "$parts" ]; do
	# shellcheck disable=SC2046
	run_lane $(part "$lane_a" "$k") >>"$tmp/a" 2>&1 &
	pid=$!
	# shellcheck disable=SC2046
	run_lane $(part "$lane_b" "$k") >>"$tmp/b" 2>&1
	wait "$pid"
	for n in $(part "$lane_a" "$k") $(part "$lane_b" "$k"); do
		ran="$ran -o $build/proof/$n.ok"
	done
	k=$((k + 1))
done
out=$(cat "$tmp/a" "$tmp/b")
rm -rf "$tmp"
echo "$out"
pass=$(echo "$out" | grep -c '^PASS: ')
fail=$(echo "$out" | grep -c '^FAIL: ')
echo "proof: $pass of $((pass + fail)) harnesses without alarm, $(( $(date +%s) - start ))s"
[ "$fail" = 0 ]
