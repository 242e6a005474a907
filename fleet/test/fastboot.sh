#!/bin/sh
# SPDX-License-Identifier: MIT
# The bridge's fast mode: fleet/test/bridge.py runs its --boot program
# with sh, as it runs ovmf/boot.sh; this hands the same arguments to
# fastboot.py (the host tool instead of QEMU, see there).
exec /usr/bin/python3 "$(dirname "$0")/fastboot.py" "$@"
