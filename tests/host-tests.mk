# End-to-end suites of the host tool (build/asan/gptrim) on images made by
# sgdisk/sfdisk/losetup/mtools and judged by them; see tests/host/lib.sh.
HOST_SUITES := cli layouts geometry backup roundtrip undo damaged faults hostile \
               containers
CHECK_SUITES += $(foreach s,$(HOST_SUITES),host-$(s):tests/host/$(s).sh)
check-build: $(BUILD)/asan/gptrim

.PHONY: check-host
check-host: $(BUILD)/asan/gptrim
	@tests/check.sh $(foreach s,$(HOST_SUITES),host-$(s):tests/host/$(s).sh)
