#!/bin/bash
# SPDX-License-Identifier: MIT
# The command line: --help and --version, and every bad command line exits
# 2 before any disk is touched.
# shellcheck source=tests/host/lib.sh
. "$(dirname "$0")/lib.sh"

d0=$WORK/cli0; mkdir -p "$d0"
mk_ws2019 "$d0/a.img" || echo "FAIL: fixture"

begin "--help: usage in 79 columns with every exit status; exit 0"
run_gptrim 0 --help
out_has "Usage: gptrim [options] IMAGE|DEVICE..."
for code in 0 1 2 3 4 5 6; do
	printf '%s\n' "$OUT" | grep -qE "^  $code  " ||
		flunk "exit status $code not documented"
done
for opt in --apply --repair --disk --type --no-backup --restore --then \
	--sector-size --backup-dir --help --version; do
	out_has "$opt"
done
w=$(printf '%s\n' "$OUT" | awk '{ if (length($0) > m) m = length($0) } END { print m }')
[ "$w" -le 79 ] || flunk "a usage line has $w columns"
end

begin "-h is --help"
run_gptrim 0 -h
out_has "Usage: gptrim [options] IMAGE|DEVICE..."
end

begin "--then and --removable: firmware only, alike: accepted, named as ignored"
s=$(sum_of "$d0/a.img")
for opt in "--then shutdown" --removable; do
	# shellcheck disable=SC2086
	run_gptrim 1 $opt "$d0/a.img"
	out_has "note: ${opt%% *} is a firmware option; the host tool ignores it"
done
unchanged "$d0/a.img" "$s"
end

begin "--version"
run_gptrim 0 --version
# The version of tools/version.sh (a tag's, or the VERSION file's) and the
# commit the binary was built from.
[[ $OUT =~ ^gptrim\ ([0-9]+\.[0-9]+\.[0-9]+(-[0-9]+-g[0-9a-f]+)?)\ \(commit\ ([0-9a-f]{12}(-dirty)?|unknown)\)$ ]] ||
	flunk "'$OUT'"
[ "${BASH_REMATCH[1]}" = "$("$ROOT/tools/version.sh")" ] ||
	flunk "version ${BASH_REMATCH[1]}, tools/version.sh says $("$ROOT/tools/version.sh")"
end

d=$WORK/cli; mkdir -p "$d"
mk_ws2019 "$d/a.img" && mk_ws2019 "$d/b.img" || echo "FAIL: fixture"
sa=$(sum_of "$d/a.img") sb=$(sum_of "$d/b.img")

# bad NAME WORD ARGS...: exit 2, WORD in the message, nothing written.
bad() {
	local name=$1 word=$2
	shift 2
	begin "bad command line: $name"
	run_gptrim 2 "$@"
	out_has "$word"
	unchanged "$d/a.img" "$sa"
	unchanged "$d/b.img" "$sb"
	no_backup_saved "$d"
	end
}
bad "unknown option" "'--frobnicate'" --apply --frobnicate "$d/a.img"
bad "single-dash option" "'-a'" -a "$d/a.img"
bad "missing value at the end" "--disk: missing value" "$d/a.img" --disk
bad "missing value before an option" "--type: missing value" \
	--type --apply "$d/a.img"
bad "value for a flag" "--apply takes no value" --apply=yes "$d/a.img"
bad "malformed GUID" "--type 'DE94BBA4-06D1-4D40-A16A-BFD50179D6A'" \
	--apply --type DE94BBA4-06D1-4D40-A16A-BFD50179D6A "$d/a.img"
bad "GUID with a bad digit" "expected a GUID" \
	--apply --type DE94BBA4-06D1-4D40-A16A-BFD50179D6AG "$d/a.img"
bad "nine types" "at most 8" --apply \
	--type 00000000-0000-0000-0000-000000000001 \
	--type 00000000-0000-0000-0000-000000000002 \
	--type 00000000-0000-0000-0000-000000000003 \
	--type 00000000-0000-0000-0000-000000000004 \
	--type 00000000-0000-0000-0000-000000000005 \
	--type 00000000-0000-0000-0000-000000000006 \
	--type 00000000-0000-0000-0000-000000000007 \
	--type 00000000-0000-0000-0000-000000000008 \
	--type 00000000-0000-0000-0000-000000000009 "$d/a.img"
bad "--disk 9 of two disks" "--disk 9" --apply --disk 9 "$d/a.img" "$d/b.img"
bad "--disk 0" "--disk '0'" --apply --disk 0 "$d/a.img"
bad "--disk twice" "given twice" --apply --disk 1 --disk=1 "$d/a.img"
bad "--disk not a number" "--disk '1x'" --apply --disk 1x "$d/a.img"
bad "--sector-size 3000" "--sector-size '3000'" --sector-size 3000 "$d/a.img"
bad "--then sideways" "--then 'sideways'" --then sideways "$d/a.img"
for t in C12A7328-F81F-11D2-BA4B-00A0C93EC93B \
	e3c9e316-0b5c-4db8-817d-f92df00215ae \
	"{EBD0A0A2-B9E5-4433-87C0-68B6B72699C7}"; do
	bad "--type $t (protected)" "never removes" --apply --type "$t" "$d/a.img"
done
bad "no disk given" "no image or device" --apply
bad "nonexistent file (the first disk stays untouched)" "nope.img" \
	--apply "$d/a.img" "$d/nope.img"
bad "a directory" "Is a directory" --apply "$d"
bad "a directory (report only)" "neither an image file nor a block device" "$d"
bad "a character device" "neither an image file nor a block device" /dev/null
bad "the same image twice" "same disk" --apply "$d/a.img" "$d/../cli/a.img"
bad "--restore without --apply" "add --apply" --restore "$d/x.gpt" "$d/a.img"
bad "--restore to two disks" "exactly one disk" \
	--apply --restore "$d/x.gpt" "$d/a.img" "$d/b.img"
bad "--restore with --type" "cannot be combined" \
	--apply --restore "$d/x.gpt" --type "$RE" "$d/a.img"
bad "--backup-dir that does not exist" "not a directory" \
	--apply --backup-dir "$d/none" "$d/a.img"

begin "-- ends the options; --opt=value and --opt value both work"
cp --sparse=always "$d/a.img" "$d/-weird.img"
run_gptrim 1 --type="$RE" --disk 1 -- "$d/-weird.img"
run_gptrim 1 --type "$RE" --disk=1 "$d/a.img"
end

finish
