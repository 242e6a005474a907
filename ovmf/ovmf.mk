# The QEMU/OVMF harness: the end-to-end suites, OVMF with VMware's storage
# drivers, and `make demo`. The empty baseline app e2e times gptrim against
# is bench/'s (bench/bench.mk).
#   make check      runs ovmf/e2e.sh as the suite "ovmf-e2e", and others
#   make ovmf-vmware build/ovmf-vmware/OVMF_{CODE,VARS}.fd (issue 6)
#   make demo       boots the unattended ISO against a sample WS2019 disk

# make ovmf-vmware: OVMF with the PVSCSI and LSI SAS (MPT SCSI) drivers,
# built from Debian's edk2 source (ovmf/build-ovmf-vmware.sh: about 450
# CPU seconds, 4 minutes on 2 idle cores; the log in
# $(OVMF_VMWARE)/build.log). Rebuilt only when the script changes; the
# fetched source and BaseTools are reused (rm -rf $(OVMF_VMWARE) fetches
# the source again).
OVMF_VMWARE := $(BUILD)/ovmf-vmware
$(OVMF_VMWARE)/OVMF_CODE.fd $(OVMF_VMWARE)/OVMF_VARS.fd &: ovmf/build-ovmf-vmware.sh
	ovmf/build-ovmf-vmware.sh $(OVMF_VMWARE)
.PHONY: ovmf-vmware
ovmf-vmware: $(OVMF_VMWARE)/OVMF_CODE.fd $(OVMF_VMWARE)/OVMF_VARS.fd

# The suite builds its ISO variants with `make iso` itself (OPTIONS differ).
CHECK_SUITES += 'ovmf-e2e:BUILD=$(BUILD) ovmf/e2e.sh'
# Hostile tables the firmware's partition driver leaves alone, refused
# under OVMF (ovmf/hostile.sh; its ISO is built in a private BUILD dir).
CHECK_SUITES += 'ovmf-hostile:BUILD=$(BUILD) ovmf/hostile.sh'
# I/O errors in firmware: blkdebug faults on GPT sectors, a read-only disk,
# a medium removed mid-write (ovmf/faults.sh; ISOs by tools/mkiso.sh).
CHECK_SUITES += 'ovmf-faults:BUILD=$(BUILD) ovmf/faults.sh'
# --undo in firmware: fix, undo from each disk's ESP, undo again (refused),
# on the WS2019, WS2022 4Kn, two-recovery, grown and two-disk layouts.
CHECK_SUITES += 'ovmf-undo:BUILD=$(BUILD) ovmf/undo.sh'
# A second firmware: U-Boot's UEFI (Debian's u-boot-qemu) on AHCI, NVMe and
# virtio-blk (ovmf/uboot.sh; its ISOs by tools/mkiso.sh).
CHECK_SUITES += 'uboot:BUILD=$(BUILD) ovmf/uboot.sh'
# VMware's controllers (issue 6): the disks on pvscsi and mptsas1068 under
# make ovmf-vmware's firmware, which the suite builds first (ovmf/vmware.sh).
CHECK_SUITES += 'ovmf-vmware:BUILD=$(BUILD) ovmf/vmware.sh'

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
