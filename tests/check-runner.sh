#!/bin/sh
# The suite runner itself (tests/check.sh), on toy suites whose outcome is
# known: the order of the lines, the totals and the exit status, with and
# without suites run beside the others ($CHECK_BESIDE). Judged by comparing
# its whole output with the expected text.
set -u
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
runner=${CHECK_RUNNER:-$(dirname "$0")/check.sh}
failed=0

# expect NAME STATUS EXPECTED-OUTPUT -- runs the runner with the rest.
expect() {
	name=$1 want_rc=$2 want=$3
	shift 3
	rm -rf "$W/logs"
	got=$(CHECK_LOG_DIR=$W/logs sh "$runner" "$@")
	rc=$?
	if [ "$got" = "$want" ] && [ "$rc" = "$want_rc" ]; then
		echo "PASS: check.sh: $name"
	else
		echo "FAIL: check.sh: $name (exit $rc, want $want_rc)"
		printf 'want:\n%s\ngot:\n%s\n' "$want" "$got" | sed 's/^/# /'
		failed=1
	fi
}

expect "suites in the order given, totals, exit 1 on a failure" 1 \
"== a
   PASS: a one
   a: 1 passed, 0 failed, 0 skipped
== b
   FAIL: b two
   (details: $W/logs/b.log)
   b: 0 passed, 1 failed, 0 skipped
== c
   SKIP: c three (why)
   c: 0 passed, 0 failed, 1 skipped
(1 skipped, each with its reason above)
1 passed, 1 failed" \
	'a:echo "PASS: a one"' 'b:echo "FAIL: b two"' 'c:echo "SKIP: c three (why)"'

export CHECK_BESIDE="a c"
expect "suites beside the others: their lines last, in their order" 1 \
"== b
   PASS: b two
   b: 1 passed, 0 failed, 0 skipped
== a
   PASS: a one
   a: 1 passed, 0 failed, 0 skipped
== c
   FAIL: c exited 3 without naming a failure (see $W/logs/c.log)
   c: 0 passed, 1 failed, 0 skipped
2 passed, 1 failed" \
	'a:echo "PASS: a one"' 'b:echo "PASS: b two"' 'c:exit 3'

expect "only suites beside: exit 0 when all pass" 0 \
"== a
   PASS: a one
   a: 1 passed, 0 failed, 0 skipped
== c
   PASS: c three
   c: 1 passed, 0 failed, 0 skipped
2 passed, 0 failed" \
	'a:echo "PASS: a one"' 'c:echo "PASS: c three"'
exit $failed
