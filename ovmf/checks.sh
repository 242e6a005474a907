# SPDX-License-Identifier: MIT
# How the end-to-end suites (e2e.sh, undo.sh, uboot.sh, vmware.sh,
# hostile.sh, faults.sh) boot gptrim against fixture disks and judge the
# result: the fixtures of a case, one boot, and the checks of the console,
# of a fixed disk (sgdisk -v, sfdisk, bytes outside the GPT, the ESP's
# backup and log), of a disk undone and of untouched disks. Sourced
# by sh after fixtures.sh and lib.sh; the suite sets here (ovmf/), BUILD,
# BOOT_TIMEOUT and, where this machine has no loop devices with 4096-byte
# blocks, NO_LOOP4K (why not: 4Kn fixtures are then skipped).
# fleet/test/fleet.sh sources it too, with OVMF set to the ovmf/ directory
# (its own "here" is elsewhere); the OVMF suites leave OVMF to default.
# shellcheck shell=sh
OVMF=${OVMF:-$here}

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

# compare_disk NAME SAVED [gpttool.py compare options]: $C/NAME.img
# against SAVED (an earlier state of it), with NAME's block size.
compare_disk() {
	_cn=$1 _cs=$2
	shift 2
	python3 "$OVMF/gpttool.py" compare "$_cs" "$C/$_cn.img" "$(bs_of "$_cn")" "$@"
}

# check_untouched NAME...: byte-identical to the original, ESP included.
check_untouched() {
	for _n in "$@"; do
		judge "$C/$_n.cmp" "disk $_n: not one byte changed" "disk $_n: changed" \
			compare_disk "$_n" "$C/$_n.orig"
	done
}

# check_original NAME [grown]: after an undo the disk is the original
# again: every byte but the ESP's (a grown disk: also the 33 end blocks
# where the fix had moved the backup copy, which must hold no GPT header
# now), and sgdisk -v says of it exactly what it says of the original.
check_original() {
	_n=$1 _grown=${2:-}
	_bs=$(bs_of "$_n")
	set -- $(fx_esp "$C/$_n.orig" "$_bs")
	_skip="--skip $1:$2"
	_what="every byte as the original's, both GPT copies included (ESP aside)"
	if [ -n "$_grown" ]; then
		_size=$(stat -c %s "$C/$_n.img")
		_skip="$_skip --skip $((_size - 33 * _bs)):$_size"
		_what="every byte as the original's, both GPT copies included (ESP and the moved copy's 33 end blocks aside)"
		if [ "$(dd if="$C/$_n.img" bs="$_bs" skip=$((_size / _bs - 1)) count=1 status=none | head -c 8)" = "EFI PART" ]; then
			fail "disk $_n: a GPT header is left at the last LBA"
		else
			pass "disk $_n: no GPT header left at the last LBA"
		fi
	fi
	judge "$C/$_n.cmp" "disk $_n: $_what" "disk $_n: not the original" \
		compare_disk "$_n" "$C/$_n.orig" $_skip
	fx_sgdisk "$C/$_n.img" "$_bs" -v 2>&1 | sed 's|/[^ ]*||g' >"$C/$_n.verify"
	fx_sgdisk "$C/$_n.orig" "$_bs" -v 2>&1 | sed 's|/[^ ]*||g' >"$C/$_n.orig.verify"
	judge "$C/$_n.vdiff" \
		"disk $_n: sgdisk -v: $(grep -m 1 -E '^(No problems found|Identified)' "$C/$_n.verify"), as of the original" \
		"disk $_n: sgdisk -v differs from the original's" \
		diff "$C/$_n.orig.verify" "$C/$_n.verify"
}

# check_fixed NAME K [grown]: the K recovery entries are gone and nothing
# else changed; the backup and log on the ESP are right.
check_fixed() {
	_n=$1 _k=$2 _grown=${3:-}
	_bs=$(bs_of "$_n")
	_img=$C/$_n.img _orig=$C/$_n.orig
	# 1. gdisk's own verification.
	fx_sgdisk "$_img" "$_bs" -v >"$C/$_n.verify" 2>&1
	if grep -q '^No problems found' "$C/$_n.verify"; then
		pass "disk $_n: sgdisk -v: no problems found"
	else
		fail "disk $_n: sgdisk -v"
		detail <"$C/$_n.verify"
	fi
	# 2. The table: K Windows RE entries gone, the rest unchanged in place.
	fx_sfdisk_json "$_img" "$_bs" >"$C/$_n.json" 2>"$C/$_n.json.err"
	_t=""
	[ -n "$_grown" ] && _t=--grown
	judge "$C/$_n.tables" \
		"disk $_n: $_k recovery entr$( [ "$_k" = 1 ] && echo y || echo ies) removed, every other entry unchanged at its index" \
		"disk $_n: table after the run" \
		python3 "$OVMF/gpttool.py" tables "$C/$_n.orig.json" "$C/$_n.json" \
		--removed "$_k" $_t
	# 3. Every byte outside the GPT copies and the ESP.
	set -- $(fx_esp "$_orig" "$_bs")
	_esp_start=$1 _esp_end=$2
	_skip="--skip-gpt --skip $_esp_start:$_esp_end"
	# A grown disk's protective MBR may get its size corrected.
	[ -n "$_grown" ] && _skip="$_skip --skip-mbr"
	judge "$C/$_n.cmp" \
		"disk $_n: every byte outside the GPT copies and the ESP unchanged" \
		"disk $_n: bytes changed outside the GPT copies and the ESP" \
		compare_disk "$_n" "$_orig" $_skip
	# 4. The ESP: consistent, BCD intact, backup and log present.
	check_esp "$_n" "$_esp_start" "$_esp_end" "$_grown"
}

# fsinfo_hint_only FSCK-LOG: fsck.fat -n found nothing but a wrong free
# cluster count, which is FAT32's FSInfo hint (Microsoft's FAT
# specification: "not necessarily correct"; drivers recount it).
fsinfo_hint_only() {
	grep -q '^Free cluster summary wrong' "$1" &&
		! grep -vE '^(fsck\.fat [0-9.]+ \(|Free cluster summary wrong|  Auto-correcting\.$|Leaving filesystem unchanged\.$|.*: [0-9]+ files, [0-9]+/[0-9]+ clusters$|$)' "$1" |
		grep -q .
}

# check_esp_fsck NAME START END: fsck.fat -n of the ESP at bytes
# START..END of $C/NAME.img finds nothing (ESP_FSINFO_STALE: but the
# FSInfo hint).
check_esp_fsck() {
	dd if="$C/$1.img" of="$C/$1.espimg" bs=1M skip="$2" count=$(($3 - $2)) \
		iflag=skip_bytes,count_bytes status=none
	if fsck.fat -n "$C/$1.espimg" >"$C/$1.fsck" 2>&1; then
		pass "disk $1: ESP file system clean (fsck.fat -n)"
	elif [ -n "${ESP_FSINFO_STALE:-}" ] && fsinfo_hint_only "$C/$1.fsck"; then
		pass "disk $1: ESP file system clean (fsck.fat -n) but for the FAT32 FSInfo free-cluster hint ($ESP_FSINFO_STALE)"
	else
		fail "disk $1: ESP file system (fsck.fat -n)"
		detail <"$C/$1.fsck"
	fi
	rm -f "$C/$1.espimg"
}

# check_esp NAME START END [grown]
# ESP_FSINFO_STALE (a reason): accept a stale FSInfo free count, which some
# firmware's FAT driver leaves (ovmf/uboot.sh).
check_esp() {
	_n=$1 _s=$2 _e=$3 _grown=$4
	_bs=$(bs_of "$_n")
	_img=$C/$_n.img
	check_esp_fsck "$_n" "$_s" "$_e"
	_at="$_img@@$_s"
	mcopy -n -i "$C/$_n.orig@@$_s" ::/EFI/Microsoft/Boot/BCD "$C/$_n.bcd.orig" 2>/dev/null
	if mcopy -n -i "$_at" ::/EFI/Microsoft/Boot/BCD "$C/$_n.bcd" 2>"$C/$_n.mt" &&
		cmp -s "$C/$_n.bcd" "$C/$_n.bcd.orig"; then
		pass "disk $_n: ESP: \\EFI\\Microsoft\\Boot\\BCD intact"
	else
		fail "disk $_n: ESP: \\EFI\\Microsoft\\Boot\\BCD damaged"
		detail <"$C/$_n.mt"
	fi
	_guid=$(guid_of "$_n")
	mdir -b -i "$_at" ::/EFI/gptrim >"$C/$_n.mdir" 2>&1
	_file=$(grep -i "/$_guid\.gpt\$" "$C/$_n.mdir" | head -n 1)
	if [ -z "$_file" ]; then
		fail "disk $_n: ESP: no \\EFI\\gptrim\\$_guid.gpt"
		detail <"$C/$_n.mdir"
		return
	fi
	mcopy -n -i "$_at" "$_file" "$C/$_n.backup.gpt"
	fx_sgdisk "$C/$_n.orig" "$_bs" -b "$C/$_n.sgdisk.gpt" >/dev/null 2>&1
	if cmp "$C/$_n.backup.gpt" "$C/$_n.sgdisk.gpt" >"$C/$_n.bcmp" 2>&1; then
		pass "disk $_n: ESP: ${_file#::/} is byte-identical to sgdisk --backup of the original"
	else
		fail "disk $_n: ESP: ${_file#::/} differs from sgdisk --backup of the original"
		{ cat "$C/$_n.bcmp"; ls -l "$C/$_n.backup.gpt" "$C/$_n.sgdisk.gpt"; } | detail
	fi
	# Undo on a copy with gdisk alone: the original disk comes back.
	cp --sparse=always "$_img" "$C/$_n.restored"
	fx_sgdisk "$C/$_n.restored" "$_bs" --load-backup="$C/$_n.backup.gpt" \
		>"$C/$_n.load" 2>&1
	_skip="--skip $_s:$_e"
	[ -n "$_grown" ] && _skip="$_skip --skip-gpt --skip-mbr"
	if python3 "$OVMF/gpttool.py" compare "$C/$_n.orig" "$C/$_n.restored" \
		"$_bs" $_skip >>"$C/$_n.load" 2>&1; then
		pass "disk $_n: sgdisk --load-backup of it restores the original disk byte for byte (ESP aside)"
	else
		fail "disk $_n: sgdisk --load-backup of the backup does not give back the original"
		detail <"$C/$_n.load"
	fi
	rm -f "$C/$_n.restored"
	if mtype -i "$_at" ::/EFI/gptrim/gptrim.log >"$C/$_n.gptrimlog" 2>&1 &&
		grep -q 'removed' "$C/$_n.gptrimlog"; then
		pass "disk $_n: ESP: gptrim.log: $(tail -n 1 "$C/$_n.gptrimlog" | tr -d '\r' | cut -c1-100)"
	else
		fail "disk $_n: ESP: no line in \\EFI\\gptrim\\gptrim.log"
		detail <"$C/$_n.gptrimlog"
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
