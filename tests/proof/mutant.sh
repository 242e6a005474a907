#!/bin/sh
# Show that the proof catches a bug: tests/proof/mutant.sh OUTDIR PATCH
# HARNESS -- RUN.SH-ARGUMENTS. Copies core/, include/ and tests/proof/ to
# OUTDIR/mutant-NAME, applies PATCH there (a bug injected on purpose),
# runs the harness on the copy and passes when Eva reports an alarm at the
# line the patch's "Expect:" header names. The tree itself is untouched.
set -eu
out=$1 patch=$2 harness=$3
shift 3
[ "$1" = -- ] && shift
name=$(basename "$patch" .patch)
dir=$out/mutant-$name
expect=$(sed -n 's/^Expect: //p' "$patch")
rm -rf "$dir"
mkdir -p "$dir"
mkdir -p "$dir/tests"
cp -r core include "$dir"/
cp -r tests/proof "$dir/tests"/
# The Expect line is only right where the patch applies exactly: a hunk
# that lands at an offset means the code moved since the patch was made.
if ! applied=$(patch -d "$dir" -p1 <"$patch" 2>&1); then
	echo "FAIL: mutant $name: the patch does not apply:"
	echo "$applied" | sed 's/^/    /'
	exit 1
fi
if echo "$applied" | grep -q -E 'offset|fuzz'; then
	echo "FAIL: mutant $name: the code moved since the patch was made; update its hunk and Expect line:"
	echo "$applied" | sed 's/^/    /'
	exit 1
fi
cd "$dir"
tests/proof/run.sh out "$harness" "$@" >run.txt 2>&1 || true
if grep -q "^  $expect " run.txt ||
   awk -F'\t' -v e="$expect" '$1 "/" $2 ":" $3 ~ e "$"' \
	"out/$harness.alarms" | grep -q .; then
	echo "PASS: mutant $name caught at $expect"
	grep -A3 "alarm\] ${expect}:" "out/$harness.log" | head -4 | sed 's/^/    /'
else
	echo "FAIL: mutant $name: no alarm at $expect (see $dir/run.txt)"
	exit 1
fi
