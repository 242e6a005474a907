#!/bin/bash
# SPDX-License-Identifier: MIT
# The host adapter's I/O paths under an LD_PRELOAD shim (failio.c): short
# transfers and EINTR are resumed; a failed write or flush is reported with
# the blocks involved, exits 6, and the saved backup puts the disk back.
# shellcheck source=tests/host/lib.sh
. "$(dirname "$0")/lib.sh"

SHIM=$WORK/failio.so
if ! ${HOST_CC:-cc} -shared -fPIC -O1 -o "$SHIM" "$HERE/failio.c" -ldl \
	>&2; then
	echo "FAIL: cannot build the failio.c shim"
	exit 1
fi
# The shim goes before the ASan runtime in the library list.
export ASAN_OPTIONS="$ASAN_OPTIONS:verify_asan_link_order=0"

fresh() {
	D=$WORK/$1
	mkdir -p "$D"
	IMG=$D/disk.img
	mk_ws2019 "$IMG" || flunk "fixture"
	$CHECK marks "$IMG" --bs 512 >&2 || flunk "marks"
	cp --sparse=always "$IMG" "$D/orig.img"
}

# Run gptrim under the shim with FAILIO_* settings $1 (space separated).
under_shim() {
	local settings=$1 want=$2
	shift 2
	# shellcheck disable=SC2086
	OUT=$(env LD_PRELOAD="$SHIM" FAILIO_PATH="$IMG" $settings \
		"$GPTRIM" "$@" 2>&1)
	local rc=$?
	printf '%s\n' "$ [$settings] gptrim $*" "$OUT" "(exit $rc)" >&2
	[ "$rc" = "$want" ] || flunk "[$settings] gptrim $* exited $rc, expected $want"
	case $OUT in
	*AddressSanitizer* | *"runtime error"*) flunk "sanitizer report" ;;
	esac
}

begin "short transfers and EINTR are resumed"
fresh short
under_shim "FAILIO_SHORT=1 FAILIO_EINTR=1" 0 --apply "$IMG"
out_has "removed 1, healthy"
judge_removed "$D/orig.img" "$IMG" 512 1
end

begin "first write fails: exit 6, reason names the blocks, nothing changed"
fresh w1
s=$(sum_of "$IMG")
under_shim "FAILIO_WRITE=1" 6 --apply "$IMG"
out_has "write of 1 block at LBA 2097119 failed: Input/output error"
[ "$($CHECK digest "$IMG")" = "${s%% *}" ] || flunk "the image changed"
end

# A failure after the first write leaves the disk with one copy new and
# one old (refused from then on) or, after the last write, new; either way
# the backup saved before the first write restores the original.
# cut_case NAME DIR SETTINGS WORD EXIT-AFTERWARDS
cut_case() {
	begin "$1: exit 6, then exit $5, the saved backup restores it"
	fresh "$2"
	under_shim "$3" 6 --apply "$IMG"
	out_has "$4"
	run_gptrim "$5" --apply --no-backup "$IMG"
	f=$(ls "$D"/disk.img.*.gpt 2>/dev/null)
	[ -n "$f" ] || flunk "no backup saved before the first write"
	run_gptrim 0 --apply --no-backup --restore "$f" "$IMG"
	[ "$($CHECK digest "$IMG")" = "$($CHECK digest "$D/orig.img")" ] ||
		flunk "the restore does not give back the original"
	end
}
cut_case "primary array write fails" w3 "FAILIO_WRITE=3" \
	"write of 1 block at LBA 2 failed: Input/output error" 4
cut_case "first flush fails" f1 "FAILIO_FSYNC=1" \
	"flush of $WORK/f1/disk.img failed: Input/output error" 4
cut_case "second flush fails" f2 "FAILIO_FSYNC=2" "Input/output error" 0

finish
