#!/bin/sh
# SPDX-License-Identifier: MIT
# Run one cmocka unit test binary with TAP output ("ok N - name"), after
# making the fixtures when they are missing or older than their scripts.
# Usage: tests/unit/run.sh test-NAME [TEST-FILTER]   (from the tree's top)
#        tests/unit/run.sh --fixtures                (only the fixtures)
set -u
build=${BUILD:-build}
fx=${GPTRIM_FIXTURES:-$build/fixtures}
export GPTRIM_FIXTURES="$fx"

make_fixtures() {
	mkdir -p "$(dirname "$fx")"
	# Other suites (and other people's make check) may run at once.
	flock "$fx.lock" sh -c '
		fx=$1 stamp=$1/.stamp
		if [ -e "$stamp" ] &&
		   [ -z "$(find tests/fixtures -newer "$stamp")" ]; then
			exit 0
		fi
		rm -rf "$fx"
		if ! tests/fixtures/mkfixtures.sh "$fx" >"$fx.log" 2>&1; then
			sed "s/^/# /" "$fx.log"
			exit 1
		fi
		touch "$stamp"
	' sh "$fx"
}

if ! make_fixtures; then
	echo "FAIL: fixtures: tests/fixtures/mkfixtures.sh $fx failed"
	exit 1
fi
[ "${1:-}" = --fixtures ] && exit 0
bin=$build/asan/tests/$1
[ -x "$bin" ] || { echo "FAIL: $1: $bin not built"; exit 1; }
# Optional cmocka filter on test names, e.g. "*4k*".
[ $# -ge 2 ] && export UNIT_FILTER="$2"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
CMOCKA_MESSAGE_OUTPUT=TAP "$bin" >"$out" 2>&1
rc=$?
cat "$out"
# A sanitizer report, a leak or a signal can end the binary without a
# "not ok" line: name it, so the failure is counted where it belongs.
if [ $rc != 0 ] && ! grep -q '^not ok' "$out"; then
	echo "FAIL: $1 exited with status $rc (sanitizer, leak or crash)"
fi
exit $rc
