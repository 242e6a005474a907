# SPDX-License-Identifier: MIT
# How the end-to-end suites judge a disk after a boot, on the host with
# independent tools: byte for byte against an earlier state, a fixed disk
# (sgdisk -v, sfdisk, every byte outside the GPT copies and the ESP, the
# ESP's fsck, BCD, backup and log), a disk undone (the original again) and
# an untouched one. Sourced by ovmf/checks.sh (which sets OVMF); uses
# lib.sh's pass, fail, detail and judge, checks.sh's bs_of and guid_of and
# fixtures.sh's fx_sgdisk, fx_sfdisk_json and fx_esp.
# shellcheck shell=sh

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
