# gptrim build. See DESIGN.md "Build contract".
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
             -Wvla -Wpointer-arith -Werror=implicit-function-declaration
# The core is freestanding: no libc headers besides the compiler's own.
CORE_CFLAGS := -std=c11 $(WARN) -ffreestanding -Iinclude

include host/host.mk
include efi/efi.mk
include tests/tests.mk
include ovmf/ovmf.mk

.PHONY: all deps check demo clean
all: host efi

deps:
	@tools/deps.sh build

clean:
	rm -rf $(BUILD)

$(BUILD):
	mkdir -p $@
