# Unit tests of the core: cmocka, built with ASan+UBSan against
# $(CORE_ASAN_LIB), one binary per tests/unit/test-*.c in build/asan/tests/.
# Each is a suite "unit-NAME" of make check; tests/unit/run.sh makes the
# fixtures first (tests/fixtures/mkfixtures.sh into build/fixtures, under a
# lock, again only when its scripts change) and asks cmocka for TAP output.
#   make unit              build and run just these suites
#   tests/unit/run.sh test-gpt-commit [cmocka test filter]
UNIT_SRCS := $(sort $(wildcard tests/unit/test-*.c))
UNIT_NAMES := $(UNIT_SRCS:tests/unit/%.c=%)
UNIT_BINS := $(UNIT_NAMES:%=$(BUILD)/asan/tests/%)
# The memory disk (tests/memdisk.c, tests/memstore.c) is shared with the
# cutter (tests/cuts.mk).
MEMDISK_OBJS := $(BUILD)/asan/tests/obj/memdisk.o \
                $(BUILD)/asan/tests/obj/memstore.o
UNIT_HELPER_OBJS := $(MEMDISK_OBJS) $(BUILD)/asan/tests/obj/unit.o
UNIT_CFLAGS := -std=c11 $(WARN) -D_GNU_SOURCE -Iinclude -Itests -Itests/unit \
               $(ASAN_FLAGS)
UNIT_DEPS := $(wildcard include/*.h) tests/memdisk.h tests/unit/unit.h
# Quoted: each "name:command" must reach tests/check.sh as one argument.
UNIT_SUITES := $(foreach t,$(UNIT_NAMES),\
	'unit-$(t:test-%=%):BUILD=$(BUILD) tests/unit/run.sh $(t)')

$(MEMDISK_OBJS): $(BUILD)/asan/tests/obj/%.o: tests/%.c $(UNIT_DEPS)
	@mkdir -p $(@D)
	$(HOST_CC) $(UNIT_CFLAGS) -c $< -o $@
$(BUILD)/asan/tests/obj/%.o: tests/unit/%.c $(UNIT_DEPS)
	@mkdir -p $(@D)
	$(HOST_CC) $(UNIT_CFLAGS) -c $< -o $@
$(BUILD)/asan/tests/test-%: $(BUILD)/asan/tests/obj/test-%.o \
		$(UNIT_HELPER_OBJS) $(CORE_ASAN_LIB)
	$(HOST_CC) $(ASAN_FLAGS) -o $@ $^ -lcmocka

# test-efi-blockio: efi/blockio.c itself, built for the host against
# gnu-efi's headers (firmware calls are ms_abi function pointers, which gcc
# makes on Linux too), linked with a fake Block I/O instead of firmware.
UNIT_EFI_CFLAGS := -std=gnu11 $(WARN) -DGNU_EFI_USE_MS_ABI -fshort-wchar \
                   -isystem $(EFI_INC) -isystem $(EFI_INC)/x86_64 \
                   -Iinclude -Iefi $(ASAN_FLAGS)
UNIT_EFI_DEPS := $(wildcard include/*.h) efi/gptrim-efi.h
$(BUILD)/asan/tests/obj/efi-%.o: efi/%.c $(UNIT_EFI_DEPS)
	@mkdir -p $(@D)
	$(HOST_CC) $(UNIT_EFI_CFLAGS) -c $< -o $@
$(BUILD)/asan/tests/obj/test-efi-%.o: tests/unit/test-efi-%.c $(UNIT_EFI_DEPS)
	@mkdir -p $(@D)
	$(HOST_CC) $(UNIT_EFI_CFLAGS) -c $< -o $@
$(BUILD)/asan/tests/test-efi-%: $(BUILD)/asan/tests/obj/test-efi-%.o \
		$(BUILD)/asan/tests/obj/efi-%.o $(CORE_ASAN_LIB)
	$(HOST_CC) $(ASAN_FLAGS) -o $@ $^ -lcmocka

.SECONDARY: $(BUILD)/asan/tests/obj/efi-blockio.o
.SECONDARY: $(UNIT_HELPER_OBJS) $(UNIT_NAMES:%=$(BUILD)/asan/tests/obj/%.o)

.PHONY: unit unit-build unit-fixtures
unit-build: $(UNIT_BINS)
unit-fixtures:
	@BUILD=$(BUILD) tests/unit/run.sh --fixtures
unit: unit-build
	@tests/check.sh $(UNIT_SUITES)

check-build: $(UNIT_BINS)
CHECK_SUITES += $(UNIT_SUITES)
