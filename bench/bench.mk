# Benchmarks (not part of make check): boot-to-fixed time, I/O, size and
# scale of gptrim against an empty app and a Linux peer (bench/README.md).
#   make bench          every part; table on stdout and in build/bench/results.md
#   make bench-fleet    the fleet part alone (BENCH_PARTS=fleet; root)
#   make ovmf-empty     build/bench/empty.iso (also used by ovmf/e2e.sh)
# The baseline apps are built exactly like gptrim.efi (efi/efi.mk's flags,
# link line and section list; no --gc-sections: it drops crt0's .reloc),
# so the timing compares like with like.
BENCH_DIR  := $(BUILD)/bench
BENCH_APPS := empty connect

$(BENCH_DIR)/%.o: bench/%.c bench/bench.mk
	@mkdir -p $(@D)
	$(CC) -std=gnu11 $(WARN) $(EFI_ARCH_CFLAGS) -isystem $(EFI_INC) \
		-isystem $(EFI_INC)/x86_64 -c $< -o $@
$(BENCH_DIR)/%.so: $(BENCH_DIR)/%.o
	$(EFI_LINK)
$(BENCH_DIR)/%.efi: $(BENCH_DIR)/%.so
	objcopy $(EFI_SECTIONS) --output-target=efi-app-x86_64 $< $@
$(BENCH_DIR)/%.iso: $(BENCH_DIR)/%.efi tools/mkiso.sh
	tools/mkiso.sh $< $@
.SECONDARY: $(BENCH_APPS:%=$(BENCH_DIR)/%.o) $(BENCH_APPS:%=$(BENCH_DIR)/%.so) \
	$(BENCH_APPS:%=$(BENCH_DIR)/%.efi)

# gptrim with TSC-stamped console lines (EFI_PROFILE=1), in its own BUILD.
.PHONY: bench-profile-efi
bench-profile-efi:
	@$(MAKE) --no-print-directory BUILD=$(BENCH_DIR)/profile EFI_PROFILE=1 \
		$(BENCH_DIR)/profile/gptrim.efi

.PHONY: bench bench-fleet ovmf-empty
ovmf-empty: $(BENCH_DIR)/empty.iso
check-build: $(BENCH_DIR)/empty.iso

bench:
	@tools/deps.sh bench
	@$(MAKE) --no-print-directory all $(BENCH_APPS:%=$(BENCH_DIR)/%.iso) \
		bench-profile-efi
	@BUILD=$(BUILD) bench/bench.sh $(BENCH_ARGS)

bench-fleet:
	@$(MAKE) --no-print-directory bench BENCH_PARTS=fleet
