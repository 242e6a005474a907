#!/bin/sh
# Install the Debian packages a target needs, only those missing.
# Usage: tools/deps.sh [--list] build|check|demo|bench|proof
#   --list prints the package names (for .ci/run) instead of installing.
set -eu
list=false
[ "${1:-}" = --list ] && { list=true; shift; }
base="make gcc binutils gnu-efi python3"
case "${1:-build}" in
build) pkgs="$base mtools xorriso dosfstools" ;;
check|demo) pkgs="$base mtools xorriso dosfstools gdisk fdisk util-linux \
  libcmocka-dev clang libclang-rt-14-dev llvm ovmf qemu-system-x86 \
  qemu-utils qemu-system-common sbsigntool openssl u-boot-qemu \
  ansible python3-pyvmomi golang-go golang-github-vmware-govmomi-dev" ;;
bench) pkgs="$base mtools xorriso dosfstools gdisk fdisk util-linux ovmf \
  qemu-system-x86 qemu-utils valgrind \
  ansible python3-pyvmomi golang-go golang-github-vmware-govmomi-dev" ;;
# make proof (tests/proof/): Frama-C's Eva and WP, WP's provers, and
# ocamlfind, with which Frama-C compiles tests/proof/wp_poll.ml.
proof) pkgs="$base frama-c-base ocaml-findlib why3 z3 cvc4" ;;
*) echo "deps.sh: unknown set '$1'" >&2; exit 2 ;;
esac
# make check also builds OVMF with VMware's storage drivers from Debian's
# edk2 source (ovmf/build-ovmf-vmware.sh): apt-get source unpacks with
# dpkg-dev; edk2 builds with g++ (BaseTools), nasm, iasl and libuuid.
# Its suite "proof" needs what make proof does.
[ "${1:-build}" = check ] && pkgs="$pkgs dpkg-dev g++ nasm acpica-tools uuid-dev \
  frama-c-base ocaml-findlib why3 z3 cvc4"
if $list; then echo $pkgs; exit 0; fi
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "deps.sh: missing Debian packages:$missing (run as root or install them)" >&2
	exit 1
fi
echo "deps.sh: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing >/dev/null
