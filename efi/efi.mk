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
	-isystem $(EFI_INC)/x86_64 -Iinclude -Iefi -I$(BUILD)/gen

$(BUILD)/efi/core/%.o: core/%.c $(wildcard include/*.h) $(wildcard core/*.h) efi/efi.mk
	@mkdir -p $(@D)
	$(CC) $(EFI_CORE_CFLAGS) -c $< -o $@
$(BUILD)/efi/app/%.o: efi/%.c $(wildcard include/*.h) $(wildcard efi/*.h) efi/efi.mk \
		$(VERSION_H)
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
# build/gptrim.iso, made by tools/mkiso.sh (the one ISO builder; reproducible:
# docs/release.md): BOOTX64.EFI, signed when SIGN_KEY and SIGN_CERT are given,
# and \gptrim.cfg when OPTIONS is. A stamp holds the settings, so a change of
# OPTIONS or of the signing key rebuilds the ISO.
ISO_DIR   := $(BUILD)/iso
ISO_STAMP := $(ISO_DIR)/settings.stamp
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

# efi_sign IN OUT: sbsign with SIGN_KEY/SIGN_CERT; an encrypted key is
# decrypted with SIGN_PASS into a file only root can read, removed at once.
ifdef SIGN_PASS
efi_sign = umask 077 && openssl pkey -in $(SIGN_KEY) -passin env:SIGN_PASS \
		-out $(ISO_DIR)/sign-key.pem && \
	sbsign --key $(ISO_DIR)/sign-key.pem --cert $(SIGN_CERT) \
		--output $(2) $(1); rc=$$?; rm -f $(ISO_DIR)/sign-key.pem; exit $$rc
else
efi_sign = sbsign --key $(SIGN_KEY) --cert $(SIGN_CERT) --output $(2) $(1)
endif

$(ISO_DIR)/BOOTX64.EFI: $(BUILD)/gptrim.efi $(ISO_STAMP) $(SIGN_KEY) $(SIGN_CERT)
	@mkdir -p $(@D)
ifdef ISO_SIGN
	$(call efi_sign,$(BUILD)/gptrim.efi,$@)
else
	cp $(BUILD)/gptrim.efi $@
endif

# With OPTIONS, \gptrim.cfg holds them (tools/mkiso.sh adds a comment line).
$(BUILD)/gptrim.iso: $(ISO_DIR)/BOOTX64.EFI $(ISO_STAMP) tools/mkiso.sh
ifneq ($(strip $(OPTIONS)),)
	$(file >$(ISO_DIR)/options,$(OPTIONS))
	tools/mkiso.sh --options-file $(ISO_DIR)/options $< $@
else
	tools/mkiso.sh $< $@
endif
	@size=$$(stat -c %s $@); \
	echo "efi.mk: $@ is $$size bytes (limit 2 MiB)$(if $(strip $(OPTIONS)),; options: $(OPTIONS))"; \
	if [ $$size -gt 2097152 ]; then echo "efi.mk: $@ exceeds 2 MiB" >&2; \
		rm -f $@; exit 1; fi

iso: $(BUILD)/gptrim.iso
