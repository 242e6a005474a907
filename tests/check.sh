#!/bin/sh
# Run every suite given as "name:command" and print the grand total last.
# A suite prints "PASS: what", "FAIL: what" or "SKIP: what (reason)" lines,
# or TAP ("ok N - what" / "not ok N - what", as cmocka's TAP output does).
# A suite that exits non-zero without printing a FAIL counts one failure.
set -u
pass=0 fail=0 skip=0
log_dir=${CHECK_LOG_DIR:-build/check-logs}
mkdir -p "$log_dir"
for spec in "$@"; do
	name=${spec%%:*} cmd=${spec#*:}
	log="$log_dir/$name.log"
	echo "== $name"
	sh -c "$cmd" >"$log" 2>&1
	rc=$?
	grep -E '^(PASS|FAIL|SKIP): |^(not )?ok [0-9]' "$log" | sed 's/^/   /'
	p=$(grep -cE '^PASS: |^ok [0-9]' "$log")
	f=$(grep -cE '^FAIL: |^not ok [0-9]' "$log")
	s=$(grep -cE '^SKIP: ' "$log")
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		echo "   FAIL: $name exited $rc without naming a failure (see $log)"
		tail -n 20 "$log" | sed 's/^/      /'
		f=1
	elif [ "$f" != 0 ]; then
		echo "   (details: $log)"
	fi
	echo "   $name: $p passed, $f failed, $s skipped"
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
done
[ "$skip" != 0 ] && echo "($skip skipped, each with its reason above)"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
