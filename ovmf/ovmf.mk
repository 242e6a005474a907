# The QEMU/OVMF harness: the end-to-end suites and `make demo`. The empty
# baseline app the suite times gptrim against is bench/'s (bench/bench.mk).
#   make check      runs ovmf/e2e.sh as the suite "ovmf-e2e"
#   make demo       boots the unattended ISO against a sample WS2019 disk

# The suite builds its ISO variants with `make iso` itself (OPTIONS differ).
CHECK_SUITES += 'ovmf-e2e:BUILD=$(BUILD) ovmf/e2e.sh'
# Hostile tables the firmware's partition driver leaves alone, refused
# under OVMF (ovmf/hostile.sh; its ISO is built in a private BUILD dir).
CHECK_SUITES += 'ovmf-hostile:BUILD=$(BUILD) ovmf/hostile.sh'
# I/O errors in firmware: blkdebug faults on GPT sectors, a read-only disk,
# a medium removed mid-write (ovmf/faults.sh; ISOs by ovmf/mkiso.sh).
CHECK_SUITES += 'ovmf-faults:BUILD=$(BUILD) ovmf/faults.sh'

# make demo: the unattended ISO against a sample WS2019 disk, live console.
demo:
	@tools/deps.sh demo
	@$(MAKE) --no-print-directory efi
	@$(MAKE) --no-print-directory iso OPTIONS="--apply --then shutdown"
	@BUILD=$(BUILD) ovmf/demo.sh

# make screenshot: docs/gptrim-console.png, QEMU's screendump of a real run
# of the interactive ISO (see ovmf/screenshot.sh).
.PHONY: screenshot
screenshot:
	@tools/deps.sh demo
	@$(MAKE) --no-print-directory efi
	@BUILD=$(BUILD) ovmf/screenshot.sh
