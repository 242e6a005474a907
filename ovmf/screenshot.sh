#!/bin/sh
# SPDX-License-Identifier: MIT
# The README's screenshot: the interactive ISO (no \gptrim.cfg) booted under
# QEMU/OVMF against a WS2019 system disk and a data disk; "y" is answered on
# the serial console, and QEMU's screendump of the graphical console is taken
# (through QMP) at the final reboot/shutdown/exit question, then "s".
# Usage: BUILD=build ovmf/screenshot.sh [OUT.png]   (default docs/gptrim-console.png)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$top/$BUILD ;; esac
out=${1:-$top/docs/gptrim-console.png}
dir=$BUILD/screenshot
FX_LOCK=$dir/fx.lock
. "$here/fixtures.sh"
mkdir -p "$dir" "$(dirname "$out")"
make -s --no-print-directory -C "$top" BUILD="$BUILD" iso OPTIONS= >/dev/null
cp "$BUILD/gptrim.iso" "$dir/interactive.iso"
fx_ws2019 "$dir/sys.img" 512
fx_data "$dir/data.img" 512
rm -f "$dir/screen.ppm"
"$here/boot.sh" --iso "$dir/interactive.iso" --log "$dir/console.log" \
	--disk "$dir/sys.img:virtio" --disk "$dir/data.img:virtio" \
	--expect "[y/N]" --send "y" \
	--screendump "[r]eboot, [s]hutdown or [e]xit?" "$dir/screen.ppm" \
	--expect "[r]eboot, [s]hutdown or [e]xit?" --send "s" --timeout 300
python3 "$here/ppm2png.py" "$dir/screen.ppm" "$out"
echo "screenshot: $out ($(stat -c %s "$out") bytes)"
