#!/bin/sh
# SPDX-License-Identifier: MIT
# make demo: a sample disk laid out as Windows Server 2019 Setup leaves it
# (Recovery first), its table before, the unattended ISO booted under
# QEMU/OVMF with the firmware's serial console shown live, the table after.
# Expects $BUILD/gptrim.iso built with OPTIONS="--apply --then shutdown".
# Usage: BUILD=build ovmf/demo.sh
set -eu
here=$(cd "$(dirname "$0")" && pwd)
BUILD=${BUILD:-build}
dir=$BUILD/demo
FX_LOCK=$dir/fx.lock
. "$here/fixtures.sh"
export MTOOLS_SKIP_CHECK=1

iso=$BUILD/gptrim.iso
[ -r "$iso" ] || { echo "demo: no $iso (make iso OPTIONS=\"--apply --then shutdown\")" >&2; exit 1; }
mkdir -p "$dir"
img=$dir/ws2019.img
rule() { printf '\n==== %s\n' "$*"; }

rule "A sample system disk as Windows Server 2019 Setup makes it: $img"
echo "1 GiB sparse: Recovery 499 MiB (type 2700, Windows RE) first, ESP 99 MiB"
echo "(FAT32), MSR 16 MiB, C: the rest."
fx_ws2019 "$img" 512
sgdisk -p "$img"

rule "Booting $iso (\\gptrim.cfg: --apply --then shutdown) under QEMU + OVMF"
echo "The firmware's serial console follows; the VM powers itself off."
echo
rc=0
"$here/boot.sh" --iso "$iso" --disk "$img:virtio" --log "$dir/console.log" \
	--show --timeout 300 || rc=$?
echo
[ "$rc" = 0 ] || echo "demo: QEMU exited $rc (console: $dir/console.log)"

rule "The same disk after the run"
sgdisk -p "$img"
echo
sgdisk -v "$img"

rule "What gptrim left on the ESP (\\EFI\\gptrim)"
set -- $(fx_esp "$img" 512)
mdir -i "$img@@$1" ::/EFI/gptrim || true
mtype -i "$img@@$1" ::/EFI/gptrim/gptrim.log 2>/dev/null || true
echo
echo "Undo from the firmware: make iso OPTIONS=\"--apply --undo --then shutdown\", boot it once"
echo "Undo from Linux: build/gptrim --apply --restore <that .gpt file> $img (or sgdisk --load-backup)"
echo "Console log: $dir/console.log"
exit "$rc"
