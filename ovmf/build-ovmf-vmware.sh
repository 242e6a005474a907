#!/bin/sh
# SPDX-License-Identifier: MIT
# OVMF with the storage drivers of VMware's controllers (issue 6): VMware
# quiesces Windows Server only on a boot disk behind LSI Logic SAS or
# PVSCSI, QEMU emulates both (mptsas1068, pvscsi), and Debian's OVMF has
# no driver for either. Debian's own edk2 source package builds one that
# has: its vendored submodules (openssl for Secure Boot, brotli) and
# patches, with the drivers switched on.
#
# Usage: ovmf/build-ovmf-vmware.sh OUT-DIR     (make ovmf-vmware)
# Writes OUT-DIR/OVMF_CODE.fd and OUT-DIR/OVMF_VARS.fd (4 MB, X64, no SMM:
# Secure Boot with SMM would need -DSMM_REQUIRE=TRUE), the whole build's
# output in OUT-DIR/build.log, and one summary line on stdout. The source
# (OUT-DIR/src) and BaseTools are kept and reused by a later run; make
# runs this only when the firmware is missing or older than this script.
#
# The source comes from Debian's archive through apt, without touching the
# machine's apt configuration: a private deb822 sources list with deb-src
# for each archive the machine's apt uses (ovmf/apt-deb-src.py), a private
# lists and cache directory (OUT-DIR/apt).
set -eu

[ $# = 1 ] || { echo "usage: $0 OUT-DIR" >&2; exit 2; }
mkdir -p "$1"
out=$(cd "$1" && pwd)
src=$out/src
log=$out/build.log
start=$(date +%s)
: >"$log"

# step WHAT: the step in progress, for the failure message.
step=""
step() { step=$1; echo "== $1" >>"$log"; }
failed() {
	echo "ovmf-vmware: FAILED: $step after $(( $(date +%s) - start )) s (log: $log)" >&2
	tail -n 30 "$log" | sed 's/^/ovmf-vmware:   /' >&2
	exit 1
}

# The archives as this machine's apt uses them (a mirror or a proxy
# included), with the source indexes too: ovmf/apt-deb-src.py.
apt_sources() {
	python3 "$(dirname "$0")/apt-deb-src.py"
}

# apt_private ARGS...: apt-get with the private sources list (apt reads a
# file ending in .sources as deb822), lists and cache; as root, downloads
# are not handed to the _apt user (it cannot write to OUT-DIR).
apt_private() {
	apt-get -q -o Dir::Etc::sourcelist="$out/apt/edk2.sources" \
		-o Dir::Etc::sourceparts=- -o Dir::State::Lists="$out/apt/lists" \
		-o Dir::Cache="$out/apt/cache" -o APT::Sandbox::User=root "$@"
}

# fetch: Debian's edk2 source, unpacked with its patches, into $src/edk2-*.
fetch() {
	rm -rf "$out/apt" "$src"
	mkdir -p "$out/apt/lists/partial" "$out/apt/cache" "$src"
	step "deriving deb-src entries from this machine's apt sources"
	apt_sources >"$out/apt/edk2.sources" 2>>"$log" || failed
	step "apt-get update (private sources list with deb-src)"
	apt_private update >>"$log" 2>&1 || failed
	step "apt-get source edk2"
	(cd "$src" && apt_private source edk2) >>"$log" 2>&1 || failed
}

tree=$(ls -d "$src"/edk2-*/ 2>/dev/null | head -n 1)
if [ -z "$tree" ] || ! [ -r "$tree/edksetup.sh" ]; then
	fetch
	tree=$(ls -d "$src"/edk2-*/ 2>/dev/null | head -n 1)
	[ -n "$tree" ] || { step "finding the unpacked source in $src"; failed; }
fi
tree=${tree%/}
version=$(cd "$src" && ls edk2_*.dsc 2>/dev/null | sed 's/^edk2_\(.*\)\.dsc$/\1/')

# As debian/rules builds it: GCC5, Python 3, edk2's variables cleared.
# Debian's python3 (python3-distutils), whatever python3 comes first on PATH.
unset WORKSPACE EDK_TOOLS_PATH CONF_PATH PACKAGES_PATH ECP_SOURCE EDK_SOURCE \
	EFI_SOURCE
export PYTHON3_ENABLE=TRUE PYTHON_COMMAND=/usr/bin/python3

if ! [ -x "$tree/BaseTools/Source/C/bin/GenFw" ]; then
	step "make -C BaseTools"
	make -C "$tree/BaseTools" ARCH=X64 >>"$log" 2>&1 || failed
fi

flags="-DFD_SIZE_4MB -DSECURE_BOOT_ENABLE=TRUE -DPVSCSI_ENABLE=TRUE"
flags="$flags -DMPT_SCSI_ENABLE=TRUE -DLSI_SCSI_ENABLE=TRUE"
step "build -a X64 -p OvmfPkg/OvmfPkgX64.dsc $flags -b RELEASE -t GCC5 -n 2"
# edksetup.sh is bash (it finds itself through BASH_SOURCE) and takes any
# arguments as its own: the flags go through the environment.
(cd "$tree" && OVMF_FLAGS=$flags bash -c '. ./edksetup.sh && build -a X64 \
	-p OvmfPkg/OvmfPkgX64.dsc $OVMF_FLAGS -b RELEASE -t GCC5 -n 2') \
	>>"$log" 2>&1 || failed

step "copying the firmware"
fv=$tree/Build/OvmfX64/RELEASE_GCC5/FV
for _f in OVMF_CODE.fd OVMF_VARS.fd; do
	cp "$fv/$_f" "$out/$_f.new" >>"$log" 2>&1 || failed
done
# Both, or neither: make trusts OVMF_CODE.fd's time for the pair.
mv "$out/OVMF_VARS.fd.new" "$out/OVMF_VARS.fd"
mv "$out/OVMF_CODE.fd.new" "$out/OVMF_CODE.fd"
echo "ovmf-vmware: built $out/OVMF_CODE.fd and OVMF_VARS.fd (Debian edk2 ${version:-?}, PVSCSI, MPT SCSI, LSI SCSI, Secure Boot without SMM) in $(( $(date +%s) - start )) s (log: $log)"
