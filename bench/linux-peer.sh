#!/bin/sh
# SPDX-License-Identifier: MIT
# The Linux peer of the boot-to-fixed benchmark: Debian's own kernel with a
# tiny initramfs (busybox-static, sgdisk) whose /init (bench/linux-init.sh)
# deletes the Windows RE partitions (code 2700) of /dev/vda with one
# `sgdisk -d` and powers off. Booted with -kernel/-initrd under the same
# OVMF as gptrim.
#
# Usage: bench/linux-peer.sh OUTDIR
# Writes OUTDIR/vmlinuz, OUTDIR/initrd.img and OUTDIR/linux-peer.env
# (sourceable: KERNEL_VERSION, KERNEL_PACKAGE, MODULES, INITRD_FORMAT,
# APPEND, MEM_MIB, PEER_LINE), keeps the downloaded packages in OUTDIR/debs,
# and does nothing when the outputs are newer than this script and
# linux-init.sh. INITRD_COMPRESS=none in the environment packs an
# uncompressed cpio instead of gzip (a rebuild). Needs Debian 12:
# apt-get download (the package archive only, no install of the kernel),
# dpkg-deb, ldd; installs gdisk when sgdisk is missing (root).
#
# Boot it (the benchmark's QEMU arguments; OVMF pflash as in ovmf/boot.sh):
#   qemu-system-x86_64 -machine q35,accel=tcg -m "$MEM_MIB" -no-reboot ...
#     -kernel OUTDIR/vmlinuz -initrd OUTDIR/initrd.img -append "$APPEND"
#     -drive if=none,id=d1,format=raw,file=IMG -device virtio-blk-pci,drive=d1
#     -serial ...
# and look for the line "linux-peer: removed N partition(s): ..." (or
# "linux-peer: nothing to remove", "linux-peer: error: ...") on ttyS0.
set -eu

# Under TCG neither the console nor the initramfs compression made a
# difference we could measure (a verbose boot is 25 KB on ttyS0; gzip saves
# 4.5 MB of fw_cfg load and costs about as much in the kernel's inflate), so
# the peer boots as an administrator would: console on ttyS0, quiet (errors
# and a panic still show; a normal run prints only the init's line and
# "reboot: Power down"), gzip. panic=-1: should the init die, the kernel
# reboots, i.e. QEMU (-no-reboot) exits instead of waiting for a timeout.
APPEND="console=ttyS0 quiet panic=-1"
# As gptrim's boots. OVMF cannot start this kernel with 128 MiB; 160 works.
MEM_MIB=256
# gzip or none (uncompressed newc cpio)
INITRD_COMPRESS=${INITRD_COMPRESS:-gzip}
# The modules virtio-blk needs on q35 (virtio-pci transport); their
# dependencies are added from each module's own depends= list.
MODULES="virtio virtio_ring virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci virtio_blk"
# busybox applets linux-init.sh uses
APPLETS="sh mount insmod usleep sleep sync poweroff awk grep cat"

die() {
	echo "linux-peer.sh: $*" >&2
	exit 1
}
[ $# -eq 1 ] || die "usage: bench/linux-peer.sh OUTDIR"
here=$(cd "$(dirname "$0")" && pwd)
init_src=$here/linux-init.sh
[ -r "$init_src" ] || die "no $init_src"
mkdir -p "$1"
out=$(cd "$1" && pwd)

summary() {
	# shellcheck disable=SC1091
	. "$out/linux-peer.env"
	size=$(wc -c <"$out/initrd.img")
	echo "linux-peer: kernel $KERNEL_VERSION ($KERNEL_PACKAGE)," \
		"initrd.img $((size / 1024)) KiB ($INITRD_FORMAT)," \
		"append '$APPEND', -m $MEM_MIB -> $out"
}

# Up to date: every output newer than both scripts.
fresh=1
for f in vmlinuz initrd.img linux-peer.env; do
	for s in "$here/linux-peer.sh" "$init_src"; do
		[ -f "$out/$f" ] && [ -n "$(find "$out/$f" -prune -newer "$s")" ] ||
			fresh=0
	done
done
[ "$fresh" = 0 ] ||
	grep -qx "INITRD_FORMAT='$INITRD_COMPRESS'" "$out/linux-peer.env" || fresh=0
if [ "$fresh" = 1 ]; then
	summary
	exit 0
fi

# --- Debian packages -------------------------------------------------------
export DEBIAN_FRONTEND=noninteractive
updated=0
# apt_retry CMD...: run CMD; if it fails, `apt-get update` once (a fresh
# machine has no package lists, old lists name versions the archive dropped)
# and run it again.
apt_retry() {
	"$@" && return 0
	[ "$updated" = 0 ] || return 1
	updated=1
	echo "linux-peer.sh: '$*' failed: apt-get update, then again" >&2
	apt-get update -q >&2 || return 1
	"$@"
}

# kpkg: the versioned kernel package linux-image-amd64 depends on.
resolve_kernel() {
	kpkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '
		$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }')
	[ -n "$kpkg" ]
}
apt_retry resolve_kernel ||
	die "cannot resolve linux-image-amd64's kernel package (apt-cache depends)"

debs=$out/debs
mkdir -p "$debs"
# deb PKG: the path of PKG's candidate version in $debs (apt-get download's
# name: an epoch's ':' as %3a).
deb() {
	_v=$(apt-cache show --no-all-versions "$1" 2>/dev/null |
		sed -n 's/^Version: //p' | head -n 1)
	[ -n "$_v" ] || return 1
	_a=$(apt-cache show --no-all-versions "$1" | sed -n 's/^Architecture: //p' | head -n 1)
	echo "$debs/${1}_$(echo "$_v" | sed 's/:/%3a/g')_$_a.deb"
}
download() {
	# apt-get download writes to the cwd; as root the _apt sandbox user
	# could not write there, hence Sandbox::User=root.
	(cd "$debs" && apt-get download -q -o APT::Sandbox::User=root "$@")
}
get() {
	_f=$(deb "$1") && [ -s "$_f" ] && return 0
	download "$1" && _f=$(deb "$1") && [ -s "$_f" ]
}
for p in "$kpkg" busybox-static; do
	apt_retry get "$p" || die "apt-get download $p failed"
done
kdeb=$(deb "$kpkg")
bdeb=$(deb busybox-static)

# sgdisk from the host's gdisk package.
SGDISK=$(command -v sgdisk || echo /usr/sbin/sgdisk)
if [ ! -x "$SGDISK" ]; then
	[ "$(id -u)" = 0 ] || die "sgdisk missing: apt-get install gdisk (as root)"
	apt_retry apt-get install -y -q gdisk >&2 || die "apt-get install gdisk failed"
	SGDISK=/usr/sbin/sgdisk
fi

# --- Build in a scratch directory, then move into place ---------------------
work=$(mktemp -d "$out/.build.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
k=$work/kernel
root=$work/root
dpkg-deb -x "$kdeb" "$k"
dpkg-deb -x "$bdeb" "$work/bb"
busybox=$work/bb/bin/busybox
[ -x "$busybox" ] || die "no bin/busybox in $bdeb"

# Debian 12 ships lib/modules; later releases usr/lib/modules.
mods=$k/lib/modules
[ -d "$mods" ] || mods=$k/usr/lib/modules
kver=$(ls "$mods")
if [ -z "$kver" ] || [ "$(echo "$kver" | wc -l)" != 1 ]; then
	die "not one kernel in $kdeb: $kver"
fi
kmod=$mods/$kver
[ -f "$k/boot/vmlinuz-$kver" ] || die "no boot/vmlinuz-$kver in $kdeb"
kpkgver=$(dpkg-deb -f "$kdeb" Version)

mkdir -p "$root/bin" "$root/dev" "$root/proc" "$root/sys" "$root/tmp" \
	"$root/etc" "$root/lib/modules/$kver"
cp "$busybox" "$root/bin/busybox"
for a in $APPLETS; do
	ln -s busybox "$root/bin/$a"
done
cp "$init_src" "$root/init"
chmod 755 "$root/init"

# sgdisk and what ldd lists for it (the loader too), at their own paths.
copy_host() {
	mkdir -p "$root$(dirname "$1")"
	cp -L "$1" "$root$1"
}
copy_host "$SGDISK"
libs=$(ldd "$SGDISK" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }')
[ -n "$libs" ] || die "ldd $SGDISK lists no libraries"
for l in $libs; do
	copy_host "$l"
done

# Modules. Debian's package ships no modules.dep (its postinst runs depmod),
# so the dependencies come from each module's .modinfo "depends=" (what
# depmod's modules.dep says too). Modules built in (modules.builtin) are
# skipped. Debian 12's are plain .ko; .ko.xz/.zst/.gz (newer kernels) are
# decompressed here, as busybox insmod may not read them.
find "$kmod/kernel" -name '*.ko*' >"$work/ko.list"
modfile() { # NAME: its file, "-" and "_" alike
	_n=$(echo "$1" | sed 's/[-_]/[-_]/g')
	grep -E "/$_n\\.ko(\\.(xz|zst|gz))?\$" "$work/ko.list" | head -n 1
}
modcat() { # FILE: the uncompressed module on stdout
	case "$1" in
	*.ko.xz) xz -dc "$1" ;;
	*.ko.zst) zstd -qdc "$1" ;;
	*.ko.gz) gzip -dc "$1" ;;
	*) cat "$1" ;;
	esac
}
order=""
add_module() { # NAME: its dependencies first, then it (post-order)
	case " $order " in *" $1 "*) return 0 ;; esac
	_f=$(modfile "$1")
	if [ -z "$_f" ]; then
		_n=$(echo "$1" | sed 's/[-_]/[-_]/g')
		grep -Eq "/$_n\\.ko\$" "$kmod/modules.builtin" ||
			die "module $1: neither built into $kver nor in its package"
		return 0
	fi
	modcat "$_f" >"$work/$1.ko"
	_deps=$(tr '\0' '\n' <"$work/$1.ko" | grep -a -o 'depends=[A-Za-z0-9_,-]*' |
		head -n 1 | sed 's/^depends=//; s/,/ /g')
	for _d in $_deps; do
		add_module "$_d"
	done
	order="$order $1"
}
for m in $MODULES; do
	add_module "$m"
done
: >"$root/etc/linux-peer.modules"
for m in $order; do
	cp "$work/$m.ko" "$root/lib/modules/$kver/$m.ko"
	echo "/lib/modules/$kver/$m.ko" >>"$root/etc/linux-peer.modules"
done

# newc cpio, owned by root, reproducible inode numbers.
(cd "$root" && find . | sort | "$busybox" cpio -o -H newc -R 0:0 \
	--renumber-inodes --ignore-devno 2>/dev/null) >"$work/initrd.cpio"
case "$INITRD_COMPRESS" in
gzip) gzip -9n <"$work/initrd.cpio" >"$work/initrd.img" ;;
none) mv "$work/initrd.cpio" "$work/initrd.img" ;;
*) die "INITRD_COMPRESS must be gzip or none" ;;
esac

cat >"$work/linux-peer.env" <<EOF
KERNEL_VERSION='$kver'
KERNEL_PACKAGE='$kpkg $kpkgver'
MODULES='${order# }'
INITRD_FORMAT='$INITRD_COMPRESS'
APPEND='$APPEND'
MEM_MIB=$MEM_MIB
PEER_LINE='linux-peer: '
EOF
cp "$k/boot/vmlinuz-$kver" "$work/vmlinuz"
# The env file last: the outputs are complete only when it is in place.
rm -f "$out/linux-peer.env"
mv "$work/vmlinuz" "$out/vmlinuz"
mv "$work/initrd.img" "$out/initrd.img"
mv "$work/linux-peer.env" "$out/linux-peer.env"
summary
