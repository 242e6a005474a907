#!/bin/sh
# SPDX-License-Identifier: MIT
# /init of the Linux peer's initramfs (built by bench/linux-peer.sh; runs
# under busybox sh as PID 1). It removes the Windows RE entries (sgdisk code
# 2700) of /dev/vda with one `sgdisk -d N [-d N...]`, prints one line on
# /dev/ttyS0 and powers the machine off:
#   linux-peer: removed 1 partition(s): 1
#   linux-peer: nothing to remove
#   linux-peer: error: ...
# The line goes to ttyS0 itself, not to /dev/console, so it is there
# whatever the kernel's console= says. No `set -e`: PID 1 must reach the
# power-off whatever fails (if it exited, the kernel would panic).
PATH=/usr/sbin:/sbin:/bin
export PATH

say() {
	echo "linux-peer: $*" >/dev/ttyS0 2>/dev/null || echo "linux-peer: $*"
}
off() {
	sync
	poweroff -f
	sleep 5 # not reached
}
fail() {
	say "error: $*"
	off
}

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

# virtio-blk and what it depends on, in dependency order (one path a line,
# written by linux-peer.sh).
while read -r ko; do
	insmod "$ko" || fail "insmod $ko failed"
done </etc/linux-peer.modules

# virtio_blk's probe creates the disk before insmod returns (no poll seen
# in practice); allow devtmpfs some 10 s all the same.
n=0
while [ ! -b /dev/vda ]; do
	n=$((n + 1))
	[ "$n" -le 200 ] || fail "no /dev/vda after 10 s"
	usleep 50000
done

sgdisk -p /dev/vda >/tmp/table 2>&1 || {
	cat /tmp/table >/dev/ttyS0 2>/dev/null
	fail "sgdisk -p /dev/vda failed"
}
# sgdisk converts an MBR (type 0x27 reads as code 2700) or a blank disk to
# GPT in memory and would write that: leave such disks alone.
if grep -q 'in memory' /tmp/table; then
	say "nothing to remove (no GPT on /dev/vda)"
	off
fi
# Number  Start (sector)  End (sector)  Size  Unit  Code  Name
nums=$(awk '$1 ~ /^[0-9]+$/ && $6 == "2700" { print $1 }' /tmp/table)
if [ -z "$nums" ]; then
	say "nothing to remove"
	off
fi

args="" count=0
for n in $nums; do
	args="$args -d $n"
	count=$((count + 1))
done
# shellcheck disable=SC2086 # $args is the -d list
if sgdisk $args /dev/vda >/tmp/delete 2>&1; then
	say "removed $count partition(s):" $nums
else
	cat /tmp/delete >/dev/ttyS0 2>/dev/null
	fail "sgdisk$args /dev/vda failed"
fi
off
