#!/bin/sh
# Run every suite given as "name:command" and print the grand total last.
# A suite prints "PASS: what", "FAIL: what" or "SKIP: what (reason)" lines,
# or TAP ("ok N - what" / "not ok N - what", as cmocka's TAP output does).
# A suite that exits non-zero without printing a FAIL counts one failure.
# The suites named in $CHECK_BESIDE (make check: "proof") start first, in
# the background, and run beside the others, one at a time: each touches
# only its own files, and the others leave a core idle much of the time.
# Their lines come after the others', once they have ended.
set -u
pass=0 fail=0 skip=0
log_dir=${CHECK_LOG_DIR:-build/check-logs}
mkdir -p "$log_dir"
beside=" ${CHECK_BESIDE:-} "

is_beside() { case $beside in *" $1 "*) return 0 ;; esac; return 1; }

# Print a suite's lines from its log (after its "== name") and add them to the totals.
judge() {
	name=$1 rc=$2 log=$log_dir/$1.log
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
}

: >"$log_dir/beside.done"
for spec in "$@"; do
	name=${spec%%:*}
	is_beside "$name" || continue
	sh -c "${spec#*:}" >"$log_dir/$name.log" 2>&1
	echo "$name $?" >>"$log_dir/beside.done"
done &
bgpid=$!
for spec in "$@"; do
	name=${spec%%:*}
	is_beside "$name" && continue
	echo "== $name"
	sh -c "${spec#*:}" >"$log_dir/$name.log" 2>&1
	judge "$name" $?
done
wait "$bgpid"
while read -r name rc; do echo "== $name"; judge "$name" "$rc"; done <"$log_dir/beside.done"
[ "$skip" != 0 ] && echo "($skip skipped, each with its reason above)"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
