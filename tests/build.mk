# Checks of the build itself: tools/check-no-fpu.sh, which every EFI link
# runs, finds what it must and passes what it must (tests/build/no-fpu.sh).
CHECK_SUITES += 'efi-no-fpu:BUILD=$(BUILD) tests/build/no-fpu.sh'
check-build: $(BUILD)/efi/gptrim.so $(BUILD)/bench/empty.so \
	$(BUILD)/bench/connect.so
# The OVMF build's private apt sources come from the machine's own.
CHECK_SUITES += 'apt-deb-src:BUILD=$(BUILD) tests/build/apt-deb-src.sh'
# Two builds of the same source in different places, time zones and umasks
# give the same release files, byte for byte (docs/release.md).
CHECK_SUITES += 'reproducible:BUILD=$(BUILD) tests/build/reproducible.sh'
