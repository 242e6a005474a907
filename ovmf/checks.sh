# SPDX-License-Identifier: MIT
# The disk checks of the end-to-end suites, after a boot: untouched (byte
# for byte), or fixed (sgdisk -v, the table, the bytes outside the GPT
# copies and the ESP, the ESP's backup, log and file system). Sourced by sh
# after ovmf/fixtures.sh and ovmf/lib.sh, with OVMF set to the ovmf/
# directory; each disk NAME is $C/NAME.img beside its pristine copy
# NAME.orig, NAME.orig.json (sfdisk --json of it) and NAME.bs (its sector
# size). Used by ovmf/e2e.sh and fleet/test/fleet.sh.
# shellcheck shell=sh

bs_of() { cat "$C/$1.bs"; }

# check_untouched NAME...: byte-identical to the original, ESP included.
check_untouched() {
	for _n in "$@"; do
		if python3 "$OVMF/gpttool.py" compare "$C/$_n.orig" "$C/$_n.img" \
			"$(bs_of "$_n")" >"$C/$_n.cmp" 2>&1; then
			pass "disk $_n: not one byte changed"
		else
			fail "disk $_n: changed"
			detail <"$C/$_n.cmp"
		fi
	done
}

# same_as NAME FILE: the image is byte-identical to FILE (a saved state).
same_as() {
	python3 "$OVMF/gpttool.py" compare "$2" "$C/$1.img" "$(bs_of "$1")" \
		>"$C/$1.cmp2" 2>&1
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
	if python3 "$OVMF/gpttool.py" tables "$C/$_n.orig.json" "$C/$_n.json" \
		--removed "$_k" $_t >"$C/$_n.tables" 2>&1; then
		pass "disk $_n: $_k recovery entr$( [ "$_k" = 1 ] && echo y || echo ies) removed, every other entry unchanged at its index"
	else
		fail "disk $_n: table after the run"
		detail <"$C/$_n.tables"
	fi
	# 3. Every byte outside the GPT copies and the ESP.
	set -- $(fx_esp "$_orig" "$_bs")
	_esp_start=$1 _esp_end=$2
	_skip="--skip-gpt --skip $_esp_start:$_esp_end"
	# A grown disk's protective MBR may get its size corrected.
	[ -n "$_grown" ] && _skip="$_skip --skip-mbr"
	if python3 "$OVMF/gpttool.py" compare "$_orig" "$_img" "$_bs" $_skip \
		>"$C/$_n.cmp" 2>&1; then
		pass "disk $_n: every byte outside the GPT copies and the ESP unchanged"
	else
		fail "disk $_n: bytes changed outside the GPT copies and the ESP"
		detail <"$C/$_n.cmp"
	fi
	# 4. The ESP: consistent, BCD intact, backup and log present.
	check_esp "$_n" "$_esp_start" "$_esp_end" "$_grown"
}

# check_esp NAME START END [grown]
check_esp() {
	_n=$1 _s=$2 _e=$3 _grown=$4
	_bs=$(bs_of "$_n")
	_img=$C/$_n.img
	dd if="$_img" of="$C/$_n.espimg" bs=1M skip="$_s" count=$(( (_e - _s) ))\
		iflag=skip_bytes,count_bytes status=none
	if fsck.fat -n "$C/$_n.espimg" >"$C/$_n.fsck" 2>&1; then
		pass "disk $_n: ESP file system clean (fsck.fat -n)"
	else
		fail "disk $_n: ESP file system (fsck.fat -n)"
		detail <"$C/$_n.fsck"
	fi
	_at="$_img@@$_s"
	mcopy -n -i "$C/$_n.orig@@$_s" ::/EFI/Microsoft/Boot/BCD "$C/$_n.bcd.orig" 2>/dev/null
	if mcopy -n -i "$_at" ::/EFI/Microsoft/Boot/BCD "$C/$_n.bcd" 2>"$C/$_n.mt" &&
		cmp -s "$C/$_n.bcd" "$C/$_n.bcd.orig"; then
		pass "disk $_n: ESP: \\EFI\\Microsoft\\Boot\\BCD intact"
	else
		fail "disk $_n: ESP: \\EFI\\Microsoft\\Boot\\BCD damaged"
		detail <"$C/$_n.mt"
	fi
	_guid=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["partitiontable"]["id"])' \
		"$C/$_n.orig.json")
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
	rm -f "$C/$_n.restored" "$C/$_n.espimg"
	if mtype -i "$_at" ::/EFI/gptrim/gptrim.log >"$C/$_n.gptrimlog" 2>&1 &&
		grep -q 'removed' "$C/$_n.gptrimlog"; then
		pass "disk $_n: ESP: gptrim.log: $(tail -n 1 "$C/$_n.gptrimlog" | tr -d '\r' | cut -c1-100)"
	else
		fail "disk $_n: ESP: no line in \\EFI\\gptrim\\gptrim.log"
		detail <"$C/$_n.gptrimlog"
	fi
}
