# make release: dist/gptrim-VERSION/ (tools/release.sh, docs/release.md).
# The ISOs carry $(ISO_DIR)/BOOTX64.EFI: gptrim.efi, signed when SIGN_KEY
# and SIGN_CERT are given (as for make iso).
DIST_DIR := dist/gptrim-$(VERSION)

.PHONY: release
release: $(ISO_DIR)/BOOTX64.EFI $(BUILD)/gptrim
	tools/release.sh $(ISO_DIR)/BOOTX64.EFI $(BUILD)/gptrim $(VERSION) \
		$(DIST_DIR)
