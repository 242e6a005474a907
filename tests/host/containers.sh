#!/bin/bash
# SPDX-License-Identifier: MIT
# Containers: VHD (fixed, dynamic), VHDX, qcow2 and VMDK (monolithicSparse,
# twoGbMaxExtentSparse, a descriptor of a flat extent) made by qemu-img
# convert from sgdisk-made Windows layouts, 512-byte and 4Kn. After
# --apply: qemu-img check clean, the disk converted back to raw judged by
# sgdisk -v, sfdisk and gptcheck.py (only the recovery entry gone, every
# byte outside the GPT unchanged); --undo and --restore give back the
# original bytes. Refused, nothing written: streamOptimized VMDK and OVA
# (--apply), a qcow2 with a snapshot or a backing file (without
# --top-only), a VMDK parent of a delta, VMware's .lck, QEMU's lock. A
# killed or interrupted run leaves no mount and no daemon.
# shellcheck source=tests/host/lib.sh
. "$(dirname "$0")/lib.sh"

if ! command -v qemu-img >/dev/null || ! command -v qemu-storage-daemon \
	>/dev/null; then
	skip "containers" "qemu-img (qemu-utils) or qemu-storage-daemon" \
		"(qemu-system-common) not installed"
	finish
	exit
fi
if [ ! -w /dev/fuse ]; then
	skip "containers" "no /dev/fuse"
	finish
	exit
fi

SIZE=64M
# The Windows Server 2019 layout, small enough for a fast suite.
WS2019_SIZES="20M 10M 8M"
# mk_orig IMG BS: the layout with BS-byte sectors (sgdisk through a loop
# device for 4Kn), marked so that a moved or lost byte shows.
mk_orig() {
	local rc=0
	if [ "$2" = 512 ]; then
		raw_ws2019 "$1" "$SIZE" || return 1
	else
		truncate -s "$SIZE" "$1"
		loop_attach "$1" "$2" || return 1
		raw_ws2019 "$LOOP" "$SIZE" || rc=1
		loop_detach "$LOOP"
	fi
	[ $rc = 0 ] && $CHECK marks "$1" --bs "$2" >&2
}

# The formats: name, qemu-img's -O and -o, the file gptrim is given.
FORMATS=(
	"vhd-fixed|vpc|subformat=fixed,force_size=on|disk.vhd"
	"vhd-dynamic|vpc|subformat=dynamic,force_size=on|disk.vhd"
	"vhdx|vhdx||disk.vhdx"
	"qcow2|qcow2||disk.qcow2"
	"vmdk-monolithicSparse|vmdk|subformat=monolithicSparse|disk.vmdk"
	"vmdk-twoGbMaxExtentSparse|vmdk|subformat=twoGbMaxExtentSparse|disk.vmdk"
	"vmdk-flat-descriptor|vmdk|subformat=monolithicFlat|disk.vmdk"
)
# VHD has 512-byte sectors only; qemu-img cannot make a VHDX with 4096-byte
# logical sectors. The others hold any sector size.
has_4kn() { case $1 in vhd*) return 1 ;; esac; }

# to_raw FMT IMG OUT: the disk inside IMG, as qemu-img reads it.
to_raw() { qemu-img convert -f "$1" -O raw "$2" "$3" >&2; }
# qemu_check FMT IMG: qemu-img check clean (63: the format has no check).
qemu_check() {
	qemu-img check -f "$1" "$2" >&2
	case $? in 0 | 63) return 0 ;; *) return 1 ;; esac
}
same_disk() { cmp -s "$1" "$2"; }

# format_case SPEC BS: apply, judge; undo, judge; apply, restore, judge.
format_case() {
	local name fmt opts file bs=$2 d img bk
	IFS='|' read -r name fmt opts file <<<"$1"
	d=$WORK/$name-$bs img=$WORK/$name-$bs/$file bk=$WORK/$name-$bs/bk
	begin "$name ($bs-byte sectors): apply, undo, restore"
	mkdir -p "$bk"
	mk_orig "$d/orig.img" "$bs" || flunk "fixture"
	qemu-img convert -f raw -O "$fmt" ${opts:+-o "$opts"} "$d/orig.img" \
		"$img" >&2 || flunk "qemu-img convert -O $fmt"
	run_gptrim 1 --sector-size "$bs" "$img"
	out_has "would remove 1"
	run_gptrim 0 --apply --sector-size "$bs" --backup-dir "$bk" "$img"
	out_has "disk 1 $img: removed 1, healthy"
	expect "qemu-img check clean after --apply" qemu_check "$fmt" "$img"
	to_raw "$fmt" "$img" "$d/after.img" || flunk "qemu-img reads it back"
	judge_removed "$d/orig.img" "$d/after.img" "$bs" 1
	run_gptrim 0 --apply --undo --sector-size "$bs" --backup-dir "$bk" "$img"
	out_has "undone: restored 1 entry"
	to_raw "$fmt" "$img" "$d/undone.img"
	expect "--undo: the original disk byte for byte" \
		same_disk "$d/orig.img" "$d/undone.img"
	run_gptrim 0 --apply --sector-size "$bs" --backup-dir "$bk" "$img"
	run_gptrim 0 --apply --sector-size "$bs" --backup-dir "$bk" \
		--restore "$(ls "$bk"/*.2.gpt)" "$img"
	to_raw "$fmt" "$img" "$d/restored.img"
	expect "--restore: the original disk byte for byte" \
		same_disk "$d/orig.img" "$d/restored.img"
	expect "qemu-img check clean at the end" qemu_check "$fmt" "$img"
	[ -z "$(ls "$TMPDIR")" ] || flunk "left in TMPDIR: $(ls "$TMPDIR")"
	end
	rm -rf "$d"
}

# Exports go to a private TMPDIR: whatever is left there is a leak.
export TMPDIR=$WORK/tmp
mkdir -p "$TMPDIR"

for spec in "${FORMATS[@]}"; do
	format_case "$spec" 512
done
for spec in "${FORMATS[@]}"; do
	name=${spec%%|*}
	if ! has_4kn "$name"; then
		skip "$name (4096-byte sectors)" "the format or qemu-img has 512 only"
	elif have_loop; then
		format_case "$spec" 4096
	else
		skip "$name (4096-byte sectors)" "needs root and loop devices"
	fi
done

# --- refusals ---------------------------------------------------------
R=$WORK/refuse; mkdir -p "$R"
mk_orig "$R/orig.img" 512 || flunk "fixture"

# The digest of every file in DIR (a .lck directory is no file).
files_digest() { find "$1" -maxdepth 1 -type f -exec sha256sum {} + | sort; }
# refused RC WORD IMG [ARGS...]: gptrim --apply ARGS IMG exits RC, says
# WORD, and writes nothing: IMG and every file beside it as they were, no
# backup.
refused() {
	local rc=$1 word=$2 img=$3 before
	shift 3
	before=$(files_digest "$(dirname "$img")")
	run_gptrim "$rc" --apply "$@" "$img"
	out_has "$word"
	[ "$(files_digest "$(dirname "$img")")" = "$before" ] ||
		flunk "a file beside $(basename "$img") changed or appeared"
}

begin "streamOptimized VMDK: reported; --apply refused with the commands"
d=$R/so; mkdir -p "$d"
qemu-img convert -f raw -O vmdk -o subformat=streamOptimized "$R/orig.img" \
	"$d/disk.vmdk" >&2 || flunk "qemu-img convert"
run_gptrim 1 "$d/disk.vmdk"
out_has "would remove 1"
refused 2 "streamOptimized VMDK" "$d/disk.vmdk"
out_has "qemu-img convert -f vmdk -O vmdk -o subformat=monolithicSparse"
out_has "re-compression"
end

begin "OVA: its VMDK reported; --apply refused with the commands"
d=$R/ova; mkdir -p "$d/src"
printf '<?xml version="1.0"?>\n<Envelope/>\n' > "$d/src/t.ovf"
qemu-img convert -f raw -O vmdk -o subformat=streamOptimized "$R/orig.img" \
	"$d/src/t-disk1.vmdk" >&2 || flunk "qemu-img convert"
qemu-img convert -f raw -O vmdk -o subformat=streamOptimized "$R/orig.img" \
	"$d/src/t-disk2.vmdk" >&2
tar -C "$d/src" --format=ustar -cf "$d/t.ova" t.ovf t-disk1.vmdk t-disk2.vmdk
rm -rf "$d/src"
run_gptrim 1 "$d/t.ova"
out_has "would remove 1"
out_has "holds 2 disks; only the first, t-disk1.vmdk"
refused 2 "is an OVA" "$d/t.ova"
out_has "tar -xf"
end

begin "qcow2 with an internal snapshot: refused; --top-only changes the current state only"
d=$R/snap; mkdir -p "$d"
qemu-img convert -f raw -O qcow2 "$R/orig.img" "$d/disk.qcow2" >&2
qemu-img snapshot -c before "$d/disk.qcow2" >&2 || flunk "qemu-img snapshot"
refused 2 "1 internal snapshot" "$d/disk.qcow2"
run_gptrim 0 --apply --top-only "$d/disk.qcow2"
expect "qemu-img check clean" qemu_check qcow2 "$d/disk.qcow2"
to_raw qcow2 "$d/disk.qcow2" "$d/after.img"
judge_removed "$R/orig.img" "$d/after.img" 512 1
qemu-img convert -f qcow2 -O raw -l snapshot.name=before "$d/disk.qcow2" \
	"$d/snap.img" >&2 || flunk "qemu-img reads the snapshot"
expect "the snapshot still holds the original disk" \
	same_disk "$R/orig.img" "$d/snap.img"
end

begin "qcow2 with a backing file: refused, its base too; --top-only writes the top only"
d=$R/backing; mkdir -p "$d"
qemu-img convert -f raw -O qcow2 "$R/orig.img" "$d/base.qcow2" >&2
qemu-img create -q -f qcow2 -b base.qcow2 -F qcow2 "$d/top.qcow2" >&2
refused 2 "--top-only" "$d/top.qcow2"
refused 4 "parent of the snapshot delta" "$d/base.qcow2"
base=$(sha256sum < "$d/base.qcow2")
run_gptrim 0 --apply --top-only "$d/top.qcow2"
[ "$(sha256sum < "$d/base.qcow2")" = "$base" ] || flunk "the backing file changed"
expect "qemu-img check clean" qemu_check qcow2 "$d/top.qcow2"
to_raw qcow2 "$d/top.qcow2" "$d/after.img"
judge_removed "$R/orig.img" "$d/after.img" 512 1
end

begin "VMDK parent of a snapshot delta (sparse and flat): refused; the delta with --top-only"
d=$R/parent; mkdir -p "$d"
qemu-img convert -f raw -O vmdk "$R/orig.img" "$d/base.vmdk" >&2
qemu-img create -q -f vmdk -b base.vmdk -F vmdk "$d/base-000001.vmdk" >&2
grep -a -q 'parentFileNameHint="base.vmdk"' "$d/base-000001.vmdk" ||
	flunk "qemu-img wrote no parentFileNameHint"
refused 4 "parent of the snapshot delta" "$d/base.vmdk"
refused 4 "parent of the snapshot delta" "$d/base.vmdk" --top-only
refused 2 "--top-only" "$d/base-000001.vmdk"
# The delta itself, named with --top-only: the change lands in it only.
base=$(sha256sum < "$d/base.vmdk")
run_gptrim 0 --apply --top-only "$d/base-000001.vmdk"
[ "$(sha256sum < "$d/base.vmdk")" = "$base" ] || flunk "the parent changed"
to_raw vmdk "$d/base-000001.vmdk" "$d/after.img"
judge_removed "$R/orig.img" "$d/after.img" 512 1
qemu-img convert -f raw -O vmdk -o subformat=monolithicFlat "$R/orig.img" \
	"$d/flat.vmdk" >&2
qemu-img create -q -f vmdk -b flat.vmdk -F vmdk "$d/flat-000001.vmdk" >&2
refused 4 "parent of the snapshot delta" "$d/flat.vmdk"
refused 4 "parent of the snapshot delta" "$d/flat-flat.vmdk"
end

begin "differencing VHD (a dynamic VHD marked type 4): refused, also a report"
d=$R/diff; mkdir -p "$d"
qemu-img convert -f raw -O vpc -o subformat=dynamic "$R/orig.img" \
	"$d/disk.vhd" >&2
# The footer copy at byte 0 says "differencing" (disk type 4, big-endian).
printf '\0\0\0\4' | dd of="$d/disk.vhd" bs=1 seek=60 conv=notrunc 2>/dev/null
s=$(sum_of "$d/disk.vhd")
run_gptrim 4 "$d/disk.vhd"
out_has "differencing VHD"
refused 4 "differencing VHD" "$d/disk.vhd" --top-only
unchanged "$d/disk.vhd" "$s"
end

begin "in use: VMware's .lck beside the VMDK, QEMU's lock on a qcow2"
d=$R/inuse; mkdir -p "$d"
qemu-img convert -f raw -O vmdk "$R/orig.img" "$d/disk.vmdk" >&2
mkdir "$d/disk.vmdk.lck"
refused 4 "VMware's lock" "$d/disk.vmdk"
qemu-img convert -f raw -O qcow2 "$R/orig.img" "$d/disk.qcow2" >&2
qemu-storage-daemon --blockdev driver=file,node-name=f,filename="$d/disk.qcow2" \
	--blockdev driver=qcow2,node-name=q,file=f --pidfile "$d/holder.pid" &
holder=$!
# The pid file appears once the image is open and locked: poll for it,
# 10 s at most.
for _ in $(seq 200); do
	[ -s "$d/holder.pid" ] && break
	sleep 0.05
done
[ -s "$d/holder.pid" ] || flunk "the holding daemon did not start"
rm -f "$d/holder.pid"
refused 4 "in use" "$d/disk.qcow2"
kill "$holder"; wait "$holder" 2>/dev/null
end

# missing WHAT CMD...: CMD (a gptrim run) exits 2 naming WHAT.
missing() {
	local what=$1 rc
	shift
	OUT=$("$@" 2>&1)
	rc=$?
	printf '%s\n' "$ $*" "$OUT" "(exit $rc)" >&2
	[ $rc = 2 ] || flunk "$* exited $rc, expected 2"
	out_has "$what"
}
begin "what is missing is named: qemu-storage-daemon, /dev/fuse, fusermount3"
img=$R/so/disk.vmdk
missing "qemu-system-common" env PATH=/nonexistent "$GPTRIM" "$img"
if command -v unshare >/dev/null && unshare -m true 2>/dev/null; then
	# A mount namespace whose /dev is an empty tmpfs.
	# shellcheck disable=SC2016 # $0 and $1 are the inner shell's
	missing "FUSE device /dev/fuse" unshare -m sh -c \
		'mount -t tmpfs none /dev && exec "$0" "$1"' "$GPTRIM" "$img"
else
	skip "no /dev/fuse" "unshare -m not allowed here"
fi
if [ "$(id -u)" = 0 ] && ! command -v fusermount3 >/dev/null &&
	command -v setpriv >/dev/null; then
	# A user needs fusermount3 (fuse3), not installed here.
	u=$WORK/user; mkdir -p "$u"; chmod 755 "$WORK" "$u"
	cp "$img" "$GPTRIM" "$u/" && chmod 644 "$u/disk.vmdk"
	missing "Debian package fuse3" setpriv --reuid=65534 --regid=65534 \
		--clear-groups "$u/gptrim" "$u/disk.vmdk"
else
	skip "no fusermount3" "needs root, setpriv and no fusermount3 installed"
fi
end

# --- teardown ---------------------------------------------------------
# no_export MNT PID: the mount MNT is gone from the mount table, process
# PID is gone (or a zombie: exited, its mounts and files released).
no_export() {
	local state
	grep -q " $1 " /proc/self/mountinfo && { flunk "stale mount $1"; return; }
	state=$(awk '/^State:/ {print $2}' "/proc/$2/status" 2>/dev/null)
	[ -z "$state" ] || [ "$state" = Z ] ||
		flunk "stale qemu-storage-daemon $2 ($state)"
}
# wait_gone MNT PID: poll, 10 s at most, for no_export.
wait_gone() {
	local end=$((SECONDS + 10)) state
	while [ $SECONDS -lt $end ]; do
		state=$(awk '/^State:/ {print $2}' "/proc/$2/status" 2>/dev/null)
		if ! grep -q " $1 " /proc/self/mountinfo &&
			{ [ -z "$state" ] || [ "$state" = Z ]; }; then
			return
		fi
		sleep 0.05 # the poll interval, not a wait for an event
	done
}

# exits_within PID: poll, 10 s at most, for PID to exit.
exits_within() {
	local end=$((SECONDS + 10))
	while [ $SECONDS -lt $end ]; do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.05 # the poll interval, not a wait for an event
	done
	return 1
}

# killed SIGNAL: gptrim --apply stopped by SIGNAL while its export is up
# (the test hook tells where and waits). SIGTERM and SIGINT: gptrim's own
# handler stops the daemon (reaped, not left to init) and removes the
# export's directory before it dies of the signal; SIGKILL: the daemon
# gets SIGTERM from the kernel (PR_SET_PDEATHSIG) and unmounts.
killed() {
	local sig=$1 d=$R/kill-$1 gp mnt qpid rc
	begin "gptrim killed by SIG$sig with the export up: no mount, no daemon"
	mkdir -p "$d"
	qemu-img convert -f raw -O qcow2 "$R/orig.img" "$d/disk.qcow2" >&2
	mkfifo "$d/fifo"
	GPTRIM_TEST_EXPORT_FIFO=$d/fifo "$GPTRIM" --apply "$d/disk.qcow2" \
		>&2 2>&1 &
	gp=$!
	read -r mnt qpid < "$d/fifo"
	grep -q " $mnt " /proc/self/mountinfo || flunk "the export is not mounted"
	kill -0 "$qpid" || flunk "no daemon"
	kill -"$sig" "$gp"
	if ! exits_within "$gp"; then
		flunk "gptrim did not exit on SIG$sig"
		kill -KILL "$gp"
	fi
	wait "$gp"
	rc=$?
	if [ $rc -le 128 ] || [ "$(kill -l $((rc - 128)))" != "$sig" ]; then
		flunk "gptrim exited $rc, not by SIG$sig"
	fi
	if [ "$sig" = KILL ]; then
		wait_gone "$mnt" "$qpid"
	else
		[ ! -e "/proc/$qpid" ] || flunk "the daemon was not reaped by gptrim"
		[ ! -e "$(dirname "$mnt")" ] || flunk "the export's directory is left"
	fi
	no_export "$mnt" "$qpid"
	expect "qemu-img check clean" qemu_check qcow2 "$d/disk.qcow2"
	to_raw qcow2 "$d/disk.qcow2" "$d/after.img"
	expect "nothing written" same_disk "$R/orig.img" "$d/after.img"
	end
}
killed TERM
killed INT
killed KILL
rm -rf "$TMPDIR"/gptrim-export.*

finish
