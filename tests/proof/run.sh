#!/bin/sh
# Run one Eva harness and judge it: tests/proof/run.sh OUTDIR NAME SOURCES --
# FRAMA-C-OPTIONS, with WP's options in $PROOF_WP (WP then proves the
# contracts and what it can of Eva's alarms). Writes OUTDIR/NAME.log (Eva's output) and OUTDIR/NAME.csv
# (every property's status, Frama-C's report plug-in), prints the runtime
# and the number of alarms, lists them, and fails when there is any.
# An alarm is any property of the core, of include/ or of the harnesses that
# is not proven valid: Eva's run-time-error alarms, and the ACSL annotations
# and preconditions (of the libc and Eva built-ins the model calls, of the
# core's own contracts) whose status is unknown or invalid, and those no
# plug-in tried (-report-untried), in the functions the harness reaches.
# Assumed, by name: the allocator's contracts on bdev_alloc and bdev_free
# (include/blockdev.h), the adapters' precondition adapter_buffer at
# the call through dev->ops (tests/proof/model.c) and what the adapters
# write (the assigns of bdev_read and bdev_write), which the adapters meet
# and no tool here can check through the pointer; their unproven clauses
# are listed as "assumed", not counted.
set -eu
out=$1 name=$2
shift 2
srcs=""
while [ "$1" != -- ]; do srcs="$srcs $1"; shift; done
shift
mkdir -p "$out"
# WP finds its provers in why3's configuration: our own, in $out, made
# once by `why3 config detect` (a fresh machine has none, and the user's
# ~/.why3.conf is not ours to write). Written aside and renamed, as two
# harnesses may start at once.
if [ -z "${WHY3CONFIG:-}" ]; then
	WHY3CONFIG=$(cd "$out" && pwd)/why3.conf
	if [ ! -s "$WHY3CONFIG" ]; then
		WHY3CONFIG=$WHY3CONFIG.$$ why3 config detect >"$out/why3-detect.log" 2>&1 ||
			{ echo "proof $name: why3 config detect failed; see $out/why3-detect.log" >&2; exit 1; }
		mv "$WHY3CONFIG.$$" "$WHY3CONFIG"
	fi
	export WHY3CONFIG
fi
log=$out/$name.log csv=$out/$name.csv
# The functions that call through dev->ops. What they change (their
# assigns) and that they return (exits \false) are assumed, by name (the
# judge, below): no tool here follows that call. WP is not put to those
# clauses (its pass for these functions, below).
device=bdev_read,bdev_write,bdev_flush
# among [-v] SET LIST: the names of comma list LIST that are in comma
# list SET (-v: that are not), as a comma list.
among() {
	v=""
	[ "$1" = -v ] && { v=-v; shift; }
	echo "$2" | tr , '\n' | grep $v -x -F -e "$(echo "$1" | tr , '\n')" |
		paste -s -d, -
}
# What this run gives to others is written at its end: none of an
# earlier run's is left to be taken should this one fail.
rm -f "$out/$name.wp-proven" "$out/$name.bodies.csv"
from=$out/${PROOF_REUSE:-}.wp-proven
if [ -n "${PROOF_REUSE:-}" ] && [ ! -f "$from" ]; then
	echo "proof $name: no $from: run $PROOF_REUSE first" >&2
	exit 1
fi
# The Frama-C runs with WP load wp_poll.ml (WP learns sooner that a
# prover has answered). Frama-C compiles a script next to it: each
# harness has its own copy, as two may start at once.
poll=$out/$name.poll
rm -rf "$poll" && mkdir -p "$poll" && cp "$(dirname "$0")/wp_poll.ml" "$poll"/
wpload="-load-script $poll/wp_poll.ml"
start=$(date +%s)
rc=0
# WP's cache: a prover's answer (proven, or not within the time limit) kept
# by the goal's own text, so a goal another harness already put to the
# provers, identical to the character, is not put again (most of the core's
# goals are the same in every harness). Each run reads a copy of the
# shared cache taken at its start and adds its new answers to it at the
# end, a file at a time under a temporary name, so that two harnesses
# running at once never read a file being written. PROOF_WP_CACHE=none
# puts every goal to the provers.
cache=$out/wp-cache own=$out/$name.wp-cache
cacheopt=""
if [ -n "${PROOF_WP:-}" ] && [ "${PROOF_WP_CACHE:-update}" != none ]; then
	rm -rf "$own" && mkdir -p "$cache" "$own"
	find "$cache" -maxdepth 1 -name '*.json' -exec cp {} "$own"/ \;
	cacheopt="-wp-cache update -wp-cache-dir $own"
fi
# Eva first: its results saved, then every property's status after Eva
# alone (NAME.eva.csv; a run of its own, as the saved project would keep
# the option, and WP's run below would write the file again). CSV
# columns: directory, file, line, function, property kind, status,
# property.
sav=$out/$name.sav eva=$out/$name.eva.csv
# shellcheck disable=SC2086
frama-c -c11 -machdep x86_64 \
	-cpp-extra-args="-Iinclude -Icore -Itests/proof ${PROOF_CPP:-}" $srcs \
	-kernel-msg-key pp -eva -eva-no-show-progress \
	-eva-warn-key builtins:missing-spec=abort "$@" \
	-then -metrics -metrics-eva-cover -then -save "$sav" >"$log" 2>&1 || rc=$?
[ "$rc" != 0 ] || frama-c -load "$sav" -report-csv "$eva" -report-untried \
	>>"$log" 2>&1 || rc=$?
evasecs=$(( $(date +%s) - start ))
# The functions Eva reached and the statements it covered (the metrics
# plug-in: "NAME: N stmts out of M"). A harness answers for what it runs:
# a property of a function it never reaches is another harness's (make
# proof runs them all), so only the reached functions' are counted, and
# WP is put only to them.
# The core's functions Eva takes for its built-ins (-eva-builtin F:B,
# proof.mk) are not among them: Eva checks their preconditions at each
# call and never enters their code, so every property in it would read
# "dead". WP proves that code on its own, in a project without Eva's
# results: its contract, and that it has no run-time error given its
# preconditions (NAME.bodies.csv, judged below), from the sources that
# define them ($PROOF_BUILTINS_SRC: a body's proof needs its own code
# and contract, and parsing the whole list again took 3 s a harness).
# Each must be one Eva says it took.
printf '%s\n' "$@" | sed -n '/^-eva-builtin$/{n;p;}' | tr , '\n' |
	sed 's/:.*//' | sort -u >"$out/$name.builtins"
while [ "$rc" = 0 ] && read -r f; do
	grep -q "^  function $f: definition will be overridden by builtin" "$log" ||
		{ echo "proof $name: Eva did not take $f as a built-in; see $log" >&2; rc=1; }
done <"$out/$name.builtins"
sed -n '/Statements analyzed by Eva/,/^\[/s/^  \([A-Za-z_][A-Za-z0-9_]*\): [0-9]* stmts out of.*/\1/p' \
	"$log" | grep -v -x -F -f "$out/$name.builtins" >"$out/$name.reached" || true
builtins=$(paste -s -d, "$out/$name.builtins")
if [ "$rc" = 0 ] && [ -n "$builtins" ]; then
	# shellcheck disable=SC2086
	frama-c -c11 -machdep x86_64 \
		-cpp-extra-args="-Iinclude -Icore -Itests/proof ${PROOF_CPP:-}" \
		${PROOF_BUILTINS_SRC:-$srcs} -kernel-msg-key pp $wpload \
		-wp -wp-rte -wp-fct "$builtins" $cacheopt ${PROOF_WP_PROVERS:-} \
		-then -report-csv "$out/$name.bodies.csv" -report-untried \
		>>"$log" 2>&1 || rc=$?
fi
# unproven CSV: the core's, include/'s and the harnesses' properties in
# the reached functions that are not proven valid. A precondition
# "Ignored" belongs to a function the harness never calls: each call has
# its own instance of it, with its own status.
unproven() { unproven_in "$out/$name.reached" "$1"; }
unproven_in() {
	awk -F'\t' 'NR == FNR { reached[$1] = 1; next }
	FNR > 1 && ($4 in reached) && $1 ~ /(core|include|tests\/proof)$/ &&
	$6 != "Valid" && $6 != "Valid under hyp." && $6 != "Valid but dead" &&
	$6 != "Considered valid" &&
	!($5 == "precondition" && $6 == "Ignored")' "$1" "$2"
}
# A property's key: every column but its status. Two properties can
# share one (a function called twice on a line: its precondition, twice);
# a key is given to other harnesses only when WP proved every property
# that has it here.
keys() { awk -F'\t' '{ print $1 FS $2 FS $3 FS $4 FS $5 FS $7 }'; }
# The keys of what Eva left open here (NAME.eva-open), read three times
# below.
[ "$rc" != 0 ] || unproven "$eva" | keys >"$out/$name.eva-open"
# WP's proofs of another harness (PROOF_REUSE=NAME, run before with the
# same core and WP options): a property of the core that Eva leaves
# open here, and WP proved there, is not put to WP again. WP proves a
# function's properties from its own code and annotations, the
# contracts of what it calls and its preconditions, not from the harness
# (tests/proof/README.md, "One WP proof for the disk's harnesses"),
# so the proof holds here as there. Not taken: the harness's own
# functions (tests/proof), and a callee's precondition as a whole (it
# follows from each call's instance, below).
reused=$out/$name.reused
: >"$reused"
fcts=$(paste -s -d, "$out/$name.reached")
if [ "$rc" = 0 ] && [ -n "${PROOF_REUSE:-}" ]; then
	awk -F'\t' -v from="$from" '
		BEGIN { while ((getline k <from) > 0) proved[k] = 1 }
		$1 !~ /tests\/proof$/ && $5 != "precondition" && ($0 in proved)' \
		"$out/$name.eva-open" >"$reused"
	# WP then goes to the functions with a property still open.
	fcts=$(grep -v -x -F -f "$reused" "$out/$name.eva-open" |
		awk -F'\t' '$5 != "precondition" { print $4 }' | sort -u | paste -s -d, -)
fi
# PROOF_WP_LAST: a last pass of WP's options for the functions of
# PROOF_WP_SLOW among them (proof.mk).
last=""
if [ -n "${PROOF_WP_SLOW:-}" ] && [ -n "$fcts" ]; then
	slow=$(among "$PROOF_WP_SLOW" "$fcts")
	last=${slow:+-then $PROOF_WP_LAST -wp-fct $slow}
fi
# The device functions ($device) go to WP in a pass of their own before
# the rest ($main), without their assumed assigns and exits: WP, which
# cannot follow the call, would only try those to its provers' limits
# (some 15 s each, from an empty cache).
dev="" main=$fcts
if [ -n "$fcts" ]; then
	dev=$(among "$device" "$fcts")
	main=$(among -v "$device" "$fcts")
fi
if [ "$rc" = 0 ]; then
	# shellcheck disable=SC2086
	frama-c ${PROOF_WP:+$wpload} -load "$sav" \
		${PROOF_WP:+${dev:+-then -wp -wp-fct $dev $cacheopt $PROOF_WP_PROVERS -wp-prop=-@assigns,-@exits}} \
		${PROOF_WP:+${main:+-then -wp -wp-fct $main $cacheopt $PROOF_WP $last}} \
		-then -report-csv "$csv" -report-no-proven -report-untried \
		>>"$log" 2>&1 || rc=$?
fi
rm -rf "$sav" "$poll"
if [ -n "$cacheopt" ]; then
	for f in "$own"/*.json; do
		[ -e "$f" ] && [ ! -e "$cache/${f##*/}" ] || continue
		cp "$f" "$cache/.${f##*/}.$$" && mv "$cache/.${f##*/}.$$" "$cache/${f##*/}"
	done
	rm -rf "$own"
fi
secs=$(( $(date +%s) - start ))
if [ "$rc" != 0 ] || [ ! -s "$csv" ] || [ ! -s "$eva" ] ||
	{ [ -n "$builtins" ] && [ ! -s "$out/$name.bodies.csv" ]; }; then
	echo "proof $name: frama-c failed (exit $rc) after ${secs}s; see $log" >&2
	tail -20 "$log" >&2
	exit 1
fi
cover=$(sed -n 's/^  \([0-9]*\) stmts in analyzed functions, \([0-9]*\) stmts analyzed.*/\2 of \1/p' "$log" | tail -1)
# What is still unproven: not valid after WP, and not proven by the
# harness PROOF_REUSE names. A callee's precondition as a whole is
# proven when each call's instance of it ("precondition of F", with the
# same formula) is; Frama-C judges it so from the statuses of this session
# only, which do not hold the instances proven in the other.
unproven "$csv" | awk -F'\t' -v reused="$reused" '
	BEGIN { while ((getline k <reused) > 0) skip[k] = 1 }
	!(($1 FS $2 FS $3 FS $4 FS $5 FS $7) in skip)' >"$out/$name.open"
awk -F'\t' -v open="$out/$name.open" '
	BEGIN { while ((getline l <open) > 0) { split(l, c, "\t")
			if (c[5] ~ /^precondition of /) left[substr(c[5], 17) FS c[7]] = 1 } }
	FILENAME == ARGV[1] { if ($5 ~ /^precondition of /) inst[substr($5, 17) FS $7] = 1; next }
	!($5 == "precondition" && (($4 FS $7) in inst) && !(($4 FS $7) in left))' \
	"$eva" "$out/$name.open" >"$out/$name.unproven"
# The built-ins' code (above): all but their own preconditions, which are
# the hypotheses of its proof and are checked at each call.
if [ -n "$builtins" ]; then
	unproven_in "$out/$name.builtins" "$out/$name.bodies.csv" |
		awk -F'\t' '$5 != "precondition"' >>"$out/$name.unproven"
fi
# The WP proofs this harness gives to others: the keys of what Eva left
# open here and WP proved, in the core and include/, where WP proved
# every property of the key.
keys <"$out/$name.open" >"$out/$name.open-keys"
keys <"$eva" >"$out/$name.eva-keys"
awk -F'\t' -v open="$out/$name.open-keys" -v reused="$reused" \
	-v all="$out/$name.eva-keys" '
	BEGIN { while ((getline k <open) > 0) left[k] = 1
		while ((getline k <reused) > 0) other[k] = 1
		while ((getline k <all) > 0) n[k]++ }
	$1 !~ /tests\/proof$/ && $5 != "precondition" &&
	!($0 in left) && !($0 in other) { wp[$0]++ }
	END { for (k in wp) if (wp[k] == n[k]) print k }' "$out/$name.eva-open" |
	sort >"$out/$name.wp-proven"
rm -f "$out/$name.open-keys" "$out/$name.eva-keys"
# The model's assumptions, by name (tests/proof/README.md): the
# allocator's contract (bdev_alloc, bdev_free); the adapters' precondition
# adapter_buffer at the call through dev->ops, the same formula as the
# assertion just before it that WP proves; and what the adapters change
# (the assigns of $device: the blocks asked for and the reason) and that
# they return (their exits \false, which the report lists as a
# postcondition \false), which no tool here follows through dev->ops
# either.
awk -F'\t' -v device="$device" '
	BEGIN { n = split(device, d, ","); for (i = 1; i <= n; i++) isdev[d[i]] = 1 }
	(($4 == "bdev_alloc" || $4 == "bdev_free") &&
	($5 == "postcondition" || $5 == "assigns clause")) ||
	(($4 in isdev) &&
	 ($5 == "assigns clause" ||
	  ($5 == "postcondition" && $7 == "\\false"))) ||
	($5 ~ /^precondition/ && $7 ~ /^adapter_buffer:/)' \
	"$out/$name.unproven" >"$out/$name.assumed"
alarms=$(grep -v -x -F -f "$out/$name.assumed" "$out/$name.unproven" |
	tee "$out/$name.alarms" | wc -l)
gen=$(sed -n 's/^ *\([0-9][0-9]*\) alarms* generated by the analysis.*/\1/p' \
	"$log" | tail -1)
# WP's goals over its passes: proven / scheduled.
wp=$(sed -n 's/^\[wp\] Proved goals: *\([0-9]*\) \/ \([0-9]*\).*/\1 \2/p' \
	"$log" | awk '{ p += $1; g += $2 } END { if (NR) print p " / " g }')
echo "proof $name: ${alarms} alarm(s) (Eva: ${gen:-0} generated; WP: ${wp:-no} goals proven; statements covered: ${cover:-?}), ${secs}s (Eva ${evasecs}s)"
awk -F'\t' '{ printf "  assumed: %s/%s:%s %s: %s\n", $1, $2, $3, $4, $7 }' \
	"$out/$name.assumed"
if [ "$alarms" != 0 ]; then
	awk -F'\t' '{ printf "  %s/%s:%s %s: %s %s\n", $1, $2, $3, $4, $6, $7 }' \
		"$out/$name.alarms" | head -60
	exit 1
fi
