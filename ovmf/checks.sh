# SPDX-License-Identifier: MIT
# How the end-to-end suites (e2e.sh, undo.sh, uboot.sh, vmware.sh,
# hostile.sh, faults.sh) boot gptrim against fixture disks and judge the
# result: the fixtures of a case, one boot, and the checks of the console;
# those of the disks (fixed, undone, untouched, the ESP) are in
# ovmf/checks-disk.sh, which this file sources. Sourced
# by sh after fixtures.sh and lib.sh; the suite sets here (ovmf/), BUILD,
# BOOT_TIMEOUT and, where this machine has no loop devices with 4096-byte
# blocks, NO_LOOP4K (why not: 4Kn fixtures are then skipped).
# fleet/test/fleet.sh sources it too, with OVMF set to the ovmf/ directory
# (its own "here" is elsewhere); the OVMF suites leave OVMF to default.
# shellcheck shell=sh
OVMF=${OVMF:-$here}
. "$OVMF/checks-disk.sh"

# disk NAME LAYOUT BS: a fixture $C/NAME.img and its pristine copy NAME.orig.
disk() {
	if [ "$3" = 4096 ] && [ -n "${NO_LOOP4K:-}" ]; then
		skip "the case needs a 4Kn fixture ($NO_LOOP4K)"
		return 1
	fi
	"fx_$2" "$C/$1.img" "$3" || { fail "making fixture $1 ($2, $3)"; return 1; }
	echo "$3" >"$C/$1.bs"
	cp --sparse=always "$C/$1.img" "$C/$1.orig"
	fx_sfdisk_json "$C/$1.orig" "$3" >"$C/$1.orig.json" 2>/dev/null || true
}

bs_of() { cat "$C/$1.bs"; }

# guid_of NAME: the original disk's GUID, as sfdisk read it.
guid_of() {
	python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["partitiontable"]["id"])' \
		"$C/$1.orig.json"
}

# boot LOGNAME ARGS...: one boot; sets BOOT_RC, BOOT_END, BOOT_SECS.
boot() {
	_log=$1
	shift
	BOOT_RC=0
	"$OVMF/boot.sh" --log "$C/$_log.log" --timeout "$BOOT_TIMEOUT" "$@" \
		2>"$C/$_log.err" || BOOT_RC=$?
	# BOOT_END, BOOT_SECS; a plain-text copy of the console for grep.
	boot_end "$_log"
	# When the firmware started the first boot option (with --mark).
	_mark=$(sed -n 's/^console.py: mark .* at \([0-9.]*\) s$/\1/p' "$C/$_log.err" | head -n 1)
	echo "$BOOT_END $BOOT_SECS ${_mark:-}" >"$C/$_log.end"
}

# check_end LOGNAME WANT: QEMU ended as WANT (guest-shutdown, host-qmp-quit).
check_end() {
	if [ "$BOOT_RC" = 0 ] && [ "$BOOT_END" = "$2" ]; then
		pass "$1: QEMU ended by $2 after $BOOT_SECS s"
	else
		fail "$1: QEMU exit $BOOT_RC ($BOOT_END after $BOOT_SECS s), expected $2"
		{ grep 'console.py' "$C/$1.err"; tail -n 15 "$C/$1.txt"; } | detail
	fi
}

# check_both_seen LOGNAME WHAT: the app looked at two disks ("2 disk(s) to
# look at").
check_both_seen() {
	if grep -q '^2 disk(s) to look at' "$C/$1.txt"; then
		pass "$1: both $2 seen"
	else
		fail "$1: not both $2 seen"
		{ grep 'disk(s) to look at' "$C/$1.txt"; tail -n 15 "$C/$1.txt"; } |
			detail
	fi
}

# disk_args NAME:CTRL...: --disk arguments for boot.sh.
disk_args() {
	for _s in "$@"; do
		_n=${_s%%:*} _c=${_s#*:}
		printf ' --disk %s:%s:%s' "$C/$_n.img" "$_c" "$(bs_of "$_n")"
	done
}

# summaries LOGNAME: the grep-able per-disk lines.
summaries() {
	grep -aE '^ *gptrim: disk [0-9]+ .*: ' "$C/$1.txt" | sed 's/^ *//'
}

drop_report() {
	if [ "$1" = 1 ]; then grep -v '(report only)$'; else cat; fi
}

# check_summary LOGNAME [--report-first] K...: one "removed K, healthy" line
# per system disk (K in any order), nothing else removed, no refusals or
# errors. With --report-first (interactive mode) the report before the question
# has its own "would remove K (report only)" line per disk first.
check_summary() {
	_log=$1
	shift
	_rfirst=0
	if [ "${1:-}" = --report-first ]; then
		shift
		_rf=$(summaries "$_log" | sed -n 's/.*: would remove \([1-9][0-9]*\) (report only)$/\1/p' |
			sort | tr '\n' ' ')
		_want=$(printf '%s\n' "$@" | sort | tr '\n' ' ')
		if [ "$_rf" = "$_want" ]; then
			pass "$_log: console: the report before the question: would remove ${_want% }"
		else
			fail "$_log: console: the report before the question (expected would remove ${_want% })"
			summaries "$_log" | detail
		fi
		_rfirst=1
	fi
	_want=$(printf '%s\n' "$@" | sort | tr '\n' ' ')
	_got=$(summaries "$_log" | sed -n 's/.*: removed \([1-9][0-9]*\), healthy$/\1/p' |
		sort | tr '\n' ' ')
	_bad=$(summaries "$_log" | drop_report "$_rfirst" | grep -vE ': (removed [0-9]+, healthy|nothing to remove, healthy|no GPT, skipped)$')
	if [ "$_got" = "$_want" ] && [ -z "$_bad" ]; then
		pass "$_log: console summary: removed ${_want% } and healthy"
	else
		fail "$_log: console summaries (expected removals: ${_want% })"
		{ summaries "$_log"; [ -n "$(summaries "$_log")" ] ||
			tail -n 20 "$C/$_log.txt"; } | detail
	fi
	# A firmware that does not re-read partitions (FW_REREADS=no, set by
	# ovmf/uboot.sh) has no view to check: its suite checks the warning.
	[ "${FW_REREADS:-yes}" = no ] || check_fw_view "$_log" "$_want"
}

# check_summaries LOGNAME WANT ALLOWED FAIL-TEXT: a disk's summary line
# matches the ERE WANT (the first such line passes) and every one matches
# the ERE ALLOWED; else FAIL-TEXT with the summaries.
check_summaries() {
	_want_line=$(summaries "$1" | grep -E "$2" | head -n 1)
	if [ -n "$_want_line" ] && ! summaries "$1" | grep -qvE "$3"; then
		pass "$1: console: $_want_line"
	else
		fail "$4"
		summaries "$1" | detail
	fi
}

# check_fw_view LOGNAME "K...": after each commit the firmware re-read the
# disk and its partition handles were compared: one line per changed disk
# with exactly K partitions gone and some present ("none" on either side
# means the firmware's view was not found, and it was not compared).
check_fw_view() {
	_fw=$(grep -aoE 'Firmware re-read the disk: partitions gone: [0-9,]+; present: [0-9,]+$' "$C/$1.txt" |
		sed 's/.*gone: \([0-9,]*\);.*/\1/' | awk -F, '{ print NF }' |
		sort | tr '\n' ' ')
	if [ "$_fw" = "$2" ]; then
		pass "$1: console: the firmware's re-read shows ${2% } partition(s) gone, the others present"
	else
		fail "$1: console: the firmware's re-read (expected ${2% } gone)"
		grep -a 'Firmware re-read' "$C/$1.txt" | detail
	fi
}

# check_has LOGNAME FOUND PASS-TEXT FAIL-TEXT: FOUND (what the caller found
# on LOGNAME's console) is not empty; else FAIL-TEXT with the console's end.
check_has() {
	if [ -n "$2" ]; then
		pass "$3"
	else
		fail "$4"
		tail -n 15 "$C/$1.txt" | detail
	fi
}

# check_exit LOGNAME N: the last "gptrim: exit status ..." line is N's.
check_exit() {
	_line=$(grep -a '^gptrim: exit status ' "$C/$1.txt" | tail -n 1)
	case $_line in
	"gptrim: exit status $2 "*) pass "$1: console: $_line" ;;
	*)
		fail "$1: console: '${_line:-no exit status line}', expected exit status $2"
		tail -n 10 "$C/$1.txt" | detail ;;
	esac
}

# check_outcome LOGNAME STATUS TEXT RESULT: the console's exit status and
# error TEXT, and what the fleet playbook's filter makes of the console
# (fleet/filter_plugins/gptrim.py): RESULT with a reason.
check_outcome() {
	if grep -q "^gptrim: exit status $2 " "$C/$1.txt" &&
		tr '\n' ' ' <"$C/$1.txt" | sed 's/  */ /g' | grep -q "$3"; then
		pass "$1: console: '$3', exit status $2"
	else
		fail "$1: console: expected '$3' and exit status $2"
		tail -n 12 "$C/$1.txt" | detail
	fi
	_r=$(python3 -c 'import sys; sys.path.insert(0, sys.argv[1])
import gptrim
r = gptrim.gptrim_console_result(open(sys.argv[2], errors="replace").read())
print(r["result"] + ": " + r["detail"])' "$OVMF/../fleet/filter_plugins" "$C/$1.log")
	case "$_r" in
	"$4: "*) pass "$1: the fleet filter reads the VM as $_r" ;;
	*) fail "$1: the fleet filter reads '$_r', expected $4"; ;;
	esac
}

# check_lasterror LOGNAME WANT: the startup.nsh line "gptrim-exit X";
# WANT is a number or "nonzero".
check_lasterror() {
	_v=$(sed -n 's/^.*gptrim-exit \([^ ]*\).*$/\1/p' "$C/$1.txt" | tail -n 1)
	case "$_v" in
	0x*|[0-9]*) _n=$(printf '%d' "$_v" 2>/dev/null || echo x) ;;
	*) _n=x ;;
	esac
	if [ "$2" != nonzero ] && [ "$_n" = "$2" ]; then
		pass "$1: startup.nsh: %lasterror% $_v"
	elif [ "$2" = nonzero ] && [ "$_n" != x ] && [ "$_n" != 0 ]; then
		pass "$1: startup.nsh: %lasterror% $_v (non-zero)"
	else
		fail "$1: startup.nsh: %lasterror% '$_v', expected $2"
		tail -n 15 "$C/$1.txt" | detail
	fi
}

# shell_boot LOGNAME ARGS...: one boot of startup.nsh as shipped ("--apply
# --then exit") in OVMF's shell from $C/startup.fat, made on first use.
shell_boot() {
	[ -f "$C/startup.fat" ] || fat_with startup "--apply --then exit"
	_sb=$1
	shift
	boot "$_sb" --fat "$C/startup.fat" --skip-countdown "$@"
}

# fat_with NAME OPTIONS: a FAT disk image with gptrim.efi and a startup.nsh
# (the shipped one, its gptrim.efi options replaced by OPTIONS).
fat_with() {
	_f=$C/$1.fat
	rm -f "$_f"
	mformat -i "$_f" -C -T 16384 -h 16 -s 32 -v STARTUP ::
	sed "s|gptrim.efi --apply --then exit|gptrim.efi $2|" \
		"$OVMF/startup.nsh" >"$C/startup.nsh"
	mcopy -i "$_f" "$C/startup.nsh" ::/startup.nsh
	mcopy -i "$_f" "$BUILD/gptrim.efi" ::/gptrim.efi
}
