#!/bin/sh
# The proof as a make check suite (not registered yet; see README.md):
# every harness of proof.mk, two at a time, one "PASS: proof NAME" or
# "FAIL: proof NAME" line each, with the runtime, the alarm count and
# WP's goals, then a summary line.
set -u
build=${BUILD:-build}
names=$(make -s --no-print-directory proof-list)
tools/deps.sh proof || { echo "FAIL: proof (tools/deps.sh proof)"; exit 1; }
start=$(date +%s)
out=$(for n in $names; do echo "$n"; done | xargs -P 2 -I{} sh -c '
	rm -f "$1/proof/$2.ok"
	if out=$(make -s --no-print-directory "$1/proof/$2.ok" 2>&1); then
		echo "PASS: $(echo "$out" | sed -n "s/^proof //p" | head -1)"
	else
		echo "FAIL: $(echo "$out" | sed -n "s/^proof //p" | head -1)"
		echo "$out" | sed -n "s/^  /# /p" | head -20
	fi' sh "$build" {})
echo "$out"
pass=$(echo "$out" | grep -c '^PASS: ')
fail=$(echo "$out" | grep -c '^FAIL: ')
echo "proof: $pass of $((pass + fail)) harnesses without alarm, $(( $(date +%s) - start ))s"
[ "$fail" = 0 ]
