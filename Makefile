# gptrim build. See docs/design.md "Build contract".
#   make            build/gptrim.efi and build/gptrim (host tool)
#   make iso        build/gptrim.iso [OPTIONS="..."] [SIGN_KEY=.. SIGN_CERT=..]
#   make check      every test suite; last line "N passed, N failed"
#   make demo       boot the ISO against a sample WS2019 disk under QEMU/OVMF
.DEFAULT_GOAL := all
BUILD     ?= build
CC        ?= cc
HOST_CC   ?= $(CC)
PYTHON    ?= python3

CORE_SRCS := $(sort $(wildcard core/*.c))
WARN      := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
             -Wvla -Wpointer-arith -Werror=implicit-function-declaration \
             -Wformat=2 -Werror=format
# The core is freestanding: no libc headers besides the compiler's own.
CORE_CFLAGS := -std=c11 $(WARN) -ffreestanding -Iinclude

# The core built for the host, plain and with ASan+UBSan (tests, host tool).
HOST_OPT     := -O2 -g
ASAN_FLAGS   := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
                -fno-sanitize-recover=all
CORE_OBJS      := $(CORE_SRCS:core/%.c=$(BUILD)/host/core/%.o)
CORE_ASAN_OBJS := $(CORE_SRCS:core/%.c=$(BUILD)/asan/core/%.o)
CORE_LIB       := $(BUILD)/host/libgptrim-core.a
CORE_ASAN_LIB  := $(BUILD)/asan/libgptrim-core.a

$(BUILD)/host/core/%.o: core/%.c $(wildcard include/*.h) $(wildcard core/*.h)
	@mkdir -p $(@D)
	$(HOST_CC) $(CORE_CFLAGS) $(HOST_OPT) -MMD -c $< -o $@
$(BUILD)/asan/core/%.o: core/%.c $(wildcard include/*.h) $(wildcard core/*.h)
	@mkdir -p $(@D)
	$(HOST_CC) $(CORE_CFLAGS) $(ASAN_FLAGS) -c $< -o $@
$(CORE_LIB): $(CORE_OBJS)
	rm -f $@ && ar rcs $@ $^
$(CORE_ASAN_LIB): $(CORE_ASAN_OBJS)
	rm -f $@ && ar rcs $@ $^

include host/host.mk
include efi/efi.mk
include tests/tests.mk
include ovmf/ovmf.mk
include bench/bench.mk
include fleet/fleet.mk

.PHONY: all deps check demo clean
all: host efi

deps:
	@tools/deps.sh build

clean:
	rm -rf $(BUILD)

$(BUILD):
	mkdir -p $@
