# The UEFI application (gnu-efi 3.0.15 as packaged by Debian 12) and the ISO.
#   make efi      build/gptrim.efi
#   make iso      build/gptrim.iso [OPTIONS="..."] [SIGN_KEY=key SIGN_CERT=cert
#                 [SIGN_PASS=passphrase of an encrypted key]]
EFI_INC    := /usr/include/efi
EFI_LIBDIR := /usr/lib
EFI_CRT0   := $(EFI_LIBDIR)/crt0-efi-x86_64.o
EFI_LDS    := $(EFI_LIBDIR)/elf_x86_64_efi.lds
EFI_MAX_KIB := 96

EFI_SRCS := $(sort $(wildcard efi/*.c))
EFI_CORE_OBJS := $(CORE_SRCS:core/%.c=$(BUILD)/efi/core/%.o)
EFI_APP_OBJS  := $(EFI_SRCS:efi/%.c=$(BUILD)/efi/app/%.o)

# Firmware calls use the MS ABI directly (GNU_EFI_USE_MS_ABI); efi_main
# itself is called by crt0 with the SysV convention. -mgeneral-regs-only:
# no SSE, x87 or MMX code, which firmware need not enable (see EFI_LINK).
EFI_ARCH_CFLAGS := -DGNU_EFI_USE_MS_ABI -fpic -fshort-wchar -mno-red-zone \
	-ffreestanding -fno-stack-protector -fno-stack-check \
	-maccumulate-outgoing-args -fno-strict-aliasing -Os -mgeneral-regs-only \
	-fvisibility=hidden
# EFI_PROFILE=1: console lines start with a TSC stamp (make bench's
# profile part builds it in a BUILD of its own).
ifeq ($(EFI_PROFILE),1)
EFI_ARCH_CFLAGS += -DGPTRIM_PROFILE
endif
EFI_CORE_CFLAGS := $(CORE_CFLAGS) $(EFI_ARCH_CFLAGS)
# gnu-efi's headers are not warning-clean: include them as system headers.
EFI_APP_CFLAGS := -std=gnu11 $(WARN) $(EFI_ARCH_CFLAGS) -isystem $(EFI_INC) \
	-isystem $(EFI_INC)/x86_64 -Iinclude -Iefi

$(BUILD)/efi/core/%.o: core/%.c $(wildcard include/*.h) $(wildcard core/*.h) efi/efi.mk
	@mkdir -p $(@D)
	$(CC) $(EFI_CORE_CFLAGS) -c $< -o $@
$(BUILD)/efi/app/%.o: efi/%.c $(wildcard include/*.h) $(wildcard efi/*.h) efi/efi.mk
	@mkdir -p $(@D)
	$(CC) $(EFI_APP_CFLAGS) -c $< -o $@

# Link as a PIC shared object with crt0 and libgnuefi's relocator only:
# not libefi, which Debian builds with SSE (efi/lib.c has what gptrim
# needs of it). Refuse undefined symbols and any SSE, x87 or MMX
# instruction (tools/check-no-fpu.sh: firmware need not enable them), then
# convert to PE32+. No --gc-sections: it would drop crt0's .reloc, the PE
# relocation directory firmware loaders look for. --strip-all drops the
# COFF symbol table (13 KiB) that nothing at run time reads.
# bench/bench.mk links its baseline apps with the same recipe.
define EFI_LINK
	ld -nostdlib -znocombreloc -T $(EFI_LDS) -shared -Bsymbolic \
		$(EFI_CRT0) $^ -L$(EFI_LIBDIR) -lgnuefi -o $@
	@undef=$$(nm -D -u $@); if [ -n "$$undef" ]; then \
		echo "undefined symbols in $@:" >&2; \
		echo "$$undef" >&2; rm -f $@; exit 1; fi
	@tools/check-no-fpu.sh $@ || { rm -f $@; exit 1; }
endef
$(BUILD)/efi/gptrim.so: $(EFI_CORE_OBJS) $(EFI_APP_OBJS)
	$(EFI_LINK)

# The sections a PE32+ image keeps (bench/bench.mk converts its baseline
# apps with the same list).
EFI_SECTIONS := -j .text -j .sdata -j .data -j .rodata -j .dynamic \
	-j .dynsym -j .rel -j .rela -j '.rel.*' -j '.rela.*' -j .reloc \
	--strip-all
$(BUILD)/gptrim.efi: $(BUILD)/efi/gptrim.so
	objcopy $(EFI_SECTIONS) --output-target=efi-app-x86_64 $< $@
	@size=$$(stat -c %s $@); \
	echo "efi.mk: $@ is $$size bytes ($$(( (size + 1023) / 1024 )) KiB, target <= $(EFI_MAX_KIB) KiB)"; \
	if [ $$size -gt $$(( $(EFI_MAX_KIB) * 1024 )) ]; then \
		echo "efi.mk: warning: $@ exceeds $(EFI_MAX_KIB) KiB" >&2; fi

.PHONY: efi iso
efi: $(BUILD)/gptrim.efi

# ---- ISO -----------------------------------------------------------------
# build/iso/efiboot.img: a FAT12 image with \EFI\BOOT\BOOTX64.EFI and, when
# OPTIONS is given, \gptrim.cfg; it is the El Torito UEFI boot image and also
# the GPT partition of the hybrid ISO. A stamp holds the settings, so a
# change of OPTIONS or of the signing key rebuilds the ISO.
ISO_DIR   := $(BUILD)/iso
ISO_STAMP := $(ISO_DIR)/settings.stamp
# The FAT image is sized to the binary plus room for FAT, directories and
# gptrim.cfg, in 16 KiB steps (2 heads x 16 sectors of 512 bytes).
ISO_FAT_SLACK_KIB := 64
ISO_SETTINGS := options=$(OPTIONS) key=$(SIGN_KEY) cert=$(SIGN_CERT)
ifeq ($(filter clean,$(MAKECMDGOALS)),)
ifneq ($(ISO_SETTINGS),$(file <$(ISO_STAMP)))
$(shell mkdir -p $(ISO_DIR))
$(file >$(ISO_STAMP),$(ISO_SETTINGS))
endif
endif
ifneq ($(and $(SIGN_KEY),$(SIGN_CERT)),)
ISO_SIGN := 1
else ifneq ($(SIGN_KEY)$(SIGN_CERT),)
$(error make iso: give both SIGN_KEY and SIGN_CERT, or neither)
endif

$(ISO_DIR)/BOOTX64.EFI: $(BUILD)/gptrim.efi $(ISO_STAMP) $(SIGN_KEY) $(SIGN_CERT)
	@mkdir -p $(@D)
ifdef ISO_SIGN
ifdef SIGN_PASS
	@umask 077 && openssl pkey -in $(SIGN_KEY) -passin env:SIGN_PASS \
		-out $(ISO_DIR)/sign-key.pem
	sbsign --key $(ISO_DIR)/sign-key.pem --cert $(SIGN_CERT) \
		--output $@ $(BUILD)/gptrim.efi; rc=$$?; \
		rm -f $(ISO_DIR)/sign-key.pem; exit $$rc
else
	sbsign --key $(SIGN_KEY) --cert $(SIGN_CERT) --output $@ $(BUILD)/gptrim.efi
endif
else
	cp $(BUILD)/gptrim.efi $@
endif

$(ISO_DIR)/efiboot.img: $(ISO_DIR)/BOOTX64.EFI $(ISO_STAMP)
	@rm -f $@
	@kib=$$(( ($$(stat -c %s $<) / 1024 + $(ISO_FAT_SLACK_KIB) + 15) / 16 * 16 )); \
	echo "mformat -i $@ -C -T $$((kib * 2)) -h 2 -s 16 -v GPTRIM ::"; \
	mformat -i $@ -C -T $$((kib * 2)) -h 2 -s 16 -v GPTRIM ::
	mmd -i $@ ::/EFI ::/EFI/BOOT
	mcopy -i $@ $(ISO_DIR)/BOOTX64.EFI ::/EFI/BOOT/BOOTX64.EFI
ifneq ($(strip $(OPTIONS)),)
	$(file >$(ISO_DIR)/gptrim.cfg,# gptrim options (make iso OPTIONS=...), as on the command line)
	$(file >>$(ISO_DIR)/gptrim.cfg,$(OPTIONS))
	mcopy -i $@ $(ISO_DIR)/gptrim.cfg ::/gptrim.cfg
endif

$(BUILD)/gptrim.iso: $(ISO_DIR)/efiboot.img
	@rm -rf $(ISO_DIR)/root && mkdir -p $(ISO_DIR)/root
	cp $< $(ISO_DIR)/root/efiboot.img
	xorriso -as mkisofs -quiet -o $@ -V GPTRIM -J -R \
		-e efiboot.img -no-emul-boot -isohybrid-gpt-basdat $(ISO_DIR)/root
	@size=$$(stat -c %s $@); \
	echo "efi.mk: $@ is $$size bytes (limit 2 MiB)"; \
	if [ $$size -gt 2097152 ]; then echo "efi.mk: $@ exceeds 2 MiB" >&2; \
		rm -f $@; exit 1; fi

iso: $(BUILD)/gptrim.iso
