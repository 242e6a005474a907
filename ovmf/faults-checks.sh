# SPDX-License-Identifier: MIT
# How ovmf/faults.sh makes a disk fail and judges what gptrim did: the
# blkdebug rules and QMP commands of a case, its one boot with a trace of
# the guest's writes, and the checks of the console, of the write
# requests, of the table as Linux, EDK2 and sgdisk read it, of the bytes,
# of the ESP backup and of a repair afterwards. Sourced by ovmf/faults.sh
# after ovmf/checks.sh (whose check_end, check_exit, check_lasterror and,
# from checks-disk.sh, compare_disk and check_esp_fsck it uses).
# shellcheck shell=sh

# rules TEXT: the blkdebug rules file of this case ($C/rules.conf).
rules() { printf '%s\n' "$1" >"$C/rules.conf"; }

# eio_rule IOTYPE [SECTOR [EVENT]]: the rules of a single EIO, once, on the
# first IOTYPE request (read, write, flush) [at SECTOR] after EVENT
# (default pwritev: any request).
eio_rule() {
	rules "[inject-error]
event = \"${3:-pwritev}\"
iotype = \"$1\"
errno = \"5\"
${2:+sector = \"$2\"
}once = \"on\""
}

# hmp QEMU-IO-COMMAND: the QMP command that runs it on drive d1.
hmp() {
	printf '{"execute":"human-monitor-command","arguments":{"command-line":"qemu-io d1 \\"%s\\""}}' "$1"
}
OPEN_TRAY='{"execute":"blockdev-open-tray","arguments":{"device":"d1","force":true}}'

# fault_boot ISO DISK-FLAGS CTRL [ARGS...]: one boot ("run") against
# $C/sys.img with a trace of the guest's write requests ($C/run.trace);
# ISO "shell" boots startup.nsh in OVMF's shell instead.
fault_boot() {
	_iso=$1 _flags=$2 _ctrl=$3
	shift 3
	set -- --disk "$C/sys.img:$_ctrl:$BS${_flags:+:$_flags}" \
		--qemu-arg -trace \
		--qemu-arg enable=virtio_blk_handle_write \
		--qemu-arg -trace \
		--qemu-arg enable=scsi_disk_dma_command_WRITE \
		--qemu-arg -D --qemu-arg "$C/run.trace" "$@"
	if [ "$_iso" = shell ]; then
		shell_boot run "$@"
	else
		boot run --iso "$ISO_DIR/$_iso.iso" "$@"
	fi
}

# commit_fails ISO LINE SUMMARY [ARGS...]: one boot of ISO against the
# failing disk (blkdebug, virtio-blk; ARGS for boot.sh): the VM powered
# off, the console's LINE, the disk's summary with SUMMARY, exit status 6.
commit_fails() {
	_cf_iso=$1 _cf_line=$2 _cf_summary=$3
	shift 3
	fault_boot "$_cf_iso" "blkdebug=$C/rules.conf" virtio "$@"
	check_end run guest-shutdown
	check_line "$_cf_line"
	check_summary_has "$_cf_summary"
	check_exit run 6
}

# check_line TEXT: the console has a line with TEXT (fixed string).
check_line() {
	_l=$(grep -F -- "$1" "$C/run.txt" | head -n 1 | sed 's/^ *//')
	check_has run "$_l" "console: $_l" "console: no line with '$1'"
}

# check_summary_has TEXT: a grep-able summary line ("gptrim: disk N ...:
# ...") has TEXT.
check_summary_has() {
	_l=$(grep -aE '^ *gptrim: disk [0-9]+ ' "$C/run.txt" | grep -F -- "$1" |
		tail -n 1 | sed 's/^ *//')
	check_has run "$_l" "summary: $_l" "no summary line with '$1'"
}

# check_judged OUT PASS-TEXT FAIL-TEXT ARGS...: ovmf/faultjudge.py ARGS,
# its verdict in $C/OUT: "PASS-TEXT: " and the verdict's first line, else
# FAIL-TEXT with the verdict.
check_judged() {
	_cj_out=$C/$1 _cj_ok=$2 _cj_bad=$3
	shift 3
	if python3 "$JUDGE" "$@" >"$_cj_out" 2>&1; then
		pass "$_cj_ok: $(head -n 1 "$_cj_out")"
	else
		fail "$_cj_bad"
		detail <"$_cj_out"
	fi
}

# check_writes WHAT JUDGE-ARGS...: the guest's write requests.
check_writes() {
	_what=$1
	shift
	check_judged writes "$_what" "$_what" \
		writes "$C/run.trace" "$W/ws2019.img" "$BS" "$@"
}

# check_state old|new|either: Linux, EDK2 and sgdisk -v on the image.
check_state() {
	check_judged state "reads as the $1 table" "does not read as the $1 table" \
		state "$W/ws2019.img" "$C/sys.img" "$BS" --expect "$1"
}

# check_bytes [whole|esp]: every byte outside the GPT areas and the ESP is
# as before; with "whole", every byte of the disk; with "esp", every byte
# outside the GPT areas, the ESP included.
check_bytes() {
	if [ "${1:-}" = whole ]; then
		_skip="" _what="every byte of the disk (ESP and GPT included) unchanged"
	elif [ "${1:-}" = esp ]; then
		_skip="--skip-gpt" _what="every byte outside the GPT areas unchanged, the ESP included"
	else
		_skip="--skip-gpt --skip $ESP_START:$ESP_END"
		_what="every byte outside the GPT areas and the ESP unchanged"
	fi
	judge "$C/cmp" "$_what" "bytes changed: $_what" \
		compare_disk sys "$W/ws2019.img" $_skip
}

# check_fsck: the ESP is a clean FAT (fsck.fat -n).
check_fsck() { check_esp_fsck sys "$ESP_START" "$ESP_END"; }

# undo_with GUID: the backup \EFI\gptrim\GUID.gpt on the ESP, put back with
# sgdisk --load-backup on a copy ($C/undo.img), gives the original disk
# (ESP aside) byte for byte.
undo_with() {
	mcopy -n -i "$C/sys.img@@$ESP_START" "::/EFI/gptrim/$1.gpt" "$C/saved.gpt" &&
		sgdisk --load-backup="$C/saved.gpt" "$C/undo.img" &&
		python3 "$OVMF/gpttool.py" compare "$W/ws2019.img" "$C/undo.img" \
			"$BS" --skip "$ESP_START:$ESP_END"
}

# check_undo: the backup gptrim saved on the ESP before its first write
# undoes what it did (undo_with).
check_undo() {
	_guid=$(python3 -c 'import sys; sys.path.insert(0, sys.argv[1]); import gptread; print(gptread.table_of(sys.argv[2], int(sys.argv[3]))["disk_guid"])' \
		"$top/tests/lib" "$W/ws2019.img" "$BS")
	cp --sparse=always "$C/sys.img" "$C/undo.img"
	judge "$C/undo.log" \
		"sgdisk --load-backup of \\EFI\\gptrim\\$_guid.gpt gives back the original disk (ESP aside)" \
		"undo with the ESP backup" undo_with "$_guid"
	rm -f "$C/undo.img"
}

# check_converges: gptrim --apply --repair (host tool, same core) on a copy
# ends with the new table in both copies.
check_converges() {
	if [ ! -x "$BUILD/gptrim" ]; then
		skip "convergence ($BUILD/gptrim not built)"
		return
	fi
	cp --sparse=always "$C/sys.img" "$C/again.img"
	_rc=0
	"$BUILD/gptrim" --apply --repair --no-backup "$C/again.img" \
		>"$C/again.out" 2>&1 || _rc=$?
	if [ "$_rc" = 0 ] && python3 "$JUDGE" state "$W/ws2019.img" \
		"$C/again.img" "$BS" --expect new >"$C/again.state" 2>&1 &&
		head -n 1 "$C/again.state" | grep -q '^clean:'; then
		pass "gptrim --apply --repair afterwards: $(grep 'gptrim: disk 1' "$C/again.out" | sed 's/.*: //'), the new table, sgdisk -v clean"
	else
		fail "gptrim --apply --repair afterwards (exit $_rc)"
		{ tail -n 5 "$C/again.out"; cat "$C/again.state"; } | detail
	fi
	rm -f "$C/again.img"
}

# check_commit_undone: after a failed commit, the old table is read, no
# byte outside the GPT and the ESP changed, the ESP is clean, its backup
# undoes the change and a repair converges.
check_commit_undone() {
	check_state old
	check_bytes
	check_fsck
	check_undo
	check_converges
}
