#!/bin/sh
# The suite "proof" of make check: the harnesses of proof.mk that have
# reached 0 alarms and fit its runtime (PROOF_CHECKED; all of them with
# --all), one at a time in that order, so that each finds in WP's cache
# the goals of those before it (load-1024 the ones load-512 proved: most
# of its goals are the same text), and the suite keeps one core busy
# beside the others (tests/check.sh), not two;
# one "PASS: proof NAME" or "FAIL: proof NAME" line each, with the
# runtime, the alarm count and WP's goals, then a summary line. The others
# are named on a comment line: make proof runs them all.
set -u
build=${BUILD:-build}
if [ "${1:-}" = --all ]; then
	names=$(make -s --no-print-directory proof-list)
else
	names=$(make -s --no-print-directory proof-check-list)
	others=$(make -s --no-print-directory proof-list | tr ' ' '\n' |
		grep -v -x -F "$(echo "$names" | tr ' ' '\n')" | tr '\n' ' ')
	echo "# not in make check (alarms left, or at 0 and waiting for the suite's runtime: tests/proof/README.md): ${others}(make proof)"
fi
tools/deps.sh proof || { echo "FAIL: proof (tools/deps.sh proof)"; exit 1; }
start=$(date +%s)
out=$(for n in $names; do
	rm -f "$build/proof/$n.ok"
	if res=$(make -s --no-print-directory "$build/proof/$n.ok" 2>&1); then
		echo "PASS: $(echo "$res" | sed -n "s/^proof //p" | head -1)"
	else
		echo "FAIL: $(echo "$res" | sed -n "s/^proof //p" | head -1)"
		echo "$res" | sed -n "s/^  /# /p" | head -20
	fi
done)
echo "$out"
pass=$(echo "$out" | grep -c '^PASS: ')
fail=$(echo "$out" | grep -c '^FAIL: ')
echo "proof: $pass of $((pass + fail)) harnesses without alarm, $(( $(date +%s) - start ))s"
[ "$fail" = 0 ]
