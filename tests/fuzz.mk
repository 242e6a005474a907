# Fuzz targets: libFuzzer with ASan+UBSan (Debian clang 14), each linked
# with its own build of the core (same flags; never the gcc-built libraries).
#   make fuzz [FUZZ_SECONDS=600] [FUZZ_TARGETS="fuzz-gpt-load ..."]
#                     long runs, one target after the other; prints execs
#   make fuzz-seeds   the seed corpora (sgdisk fixtures) in build/fuzz/
#   make check        suite "fuzz": the regression inputs of
#                     tests/fuzz/regress/, then FUZZ_RUNS runs per target
#                     (run-short.sh; its default target list is FUZZ_ALL)
# Details and the input formats: tests/fuzz/README.md.
FUZZ_CC      ?= clang
FUZZ_DIR     := $(BUILD)/fuzz
FUZZ_SAN     := -fsanitize=fuzzer,address,undefined \
                -fno-sanitize-recover=undefined -fno-omit-frame-pointer -g -O1
# Objects are instrumented for coverage but do not pull in libFuzzer's main;
# the core's byte loops are left out of the coverage hooks (speed).
FUZZ_OBJ_SAN := $(subst fuzzer,fuzzer-no-link,$(FUZZ_SAN)) \
                -fsanitize-coverage-ignorelist=tests/fuzz/coverage-ignore.txt
# The fuzz-gpt-* targets read one input format (tests/fuzz/gptinput.h), one
# property each; they share gptinput.o (and its custom mutator), the seeds
# corpus-gpt and the regression inputs of tests/fuzz/regress/fuzz-gpt/.
FUZZ_GPT     := fuzz-gpt-load fuzz-gpt-backup fuzz-gpt-commit fuzz-gpt-faults \
                fuzz-gpt-driver
FUZZ_ALL     := $(FUZZ_GPT) fuzz-backup-decode fuzz-options
FUZZ_TARGETS ?= $(FUZZ_ALL)
FUZZ_SECONDS ?= 600
FUZZ_BINS    := $(FUZZ_ALL:%=$(FUZZ_DIR)/%)
FUZZ_CORE_OBJS := $(CORE_SRCS:core/%.c=$(FUZZ_DIR)/core/%.o)
# The memory disk is the tests' own (tests/memdisk.c), built with these flags.
FUZZ_MEMDISK := $(FUZZ_DIR)/obj/memdisk.o $(FUZZ_DIR)/obj/memstore.o
FUZZ_COMMON  := $(FUZZ_DIR)/obj/fuzzcheck.o $(FUZZ_DIR)/obj/fuzzfix.o \
                $(FUZZ_MEMDISK)
FUZZ_GPT_OBJ := $(FUZZ_DIR)/obj/gptinput.o
FUZZ_OBJS    := $(FUZZ_ALL:%=$(FUZZ_DIR)/obj/%.o) $(FUZZ_COMMON) $(FUZZ_GPT_OBJ)
FUZZ_CORE_DEPS := $(wildcard include/*.h) $(wildcard core/*.h) \
                tests/fuzz/coverage-ignore.txt
FUZZ_DEPS    := $(FUZZ_CORE_DEPS) tests/fuzz/fuzzcheck.h tests/fuzz/fuzzfix.h \
                tests/fuzz/gptinput.h tests/memdisk.h

# run-short.sh and run-long.sh find the binaries and corpora here.
export GPTRIM_FUZZ_DIR := $(FUZZ_DIR)

# The report's per-character formatting loops: edge coverage only, no
# comparison hooks (they took half of every loader execution).
$(FUZZ_DIR)/core/report.o $(FUZZ_DIR)/core/strbuf.o: \
	FUZZ_NOCMP := -fno-sanitize-coverage=trace-cmp
$(FUZZ_DIR)/core/%.o: core/%.c $(FUZZ_CORE_DEPS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(CORE_CFLAGS) $(FUZZ_OBJ_SAN) $(FUZZ_NOCMP) -c $< -o $@
FUZZ_TEST_CFLAGS := -std=c11 $(WARN) -D_GNU_SOURCE -Iinclude -Itests \
                -Itests/fuzz $(FUZZ_OBJ_SAN)
$(FUZZ_DIR)/obj/%.o: tests/fuzz/%.c $(FUZZ_DEPS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_TEST_CFLAGS) -c $< -o $@
$(FUZZ_MEMDISK): $(FUZZ_DIR)/obj/%.o: tests/%.c $(FUZZ_DEPS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_TEST_CFLAGS) -c $< -o $@
$(FUZZ_DIR)/fuzz-gpt-%: $(FUZZ_DIR)/obj/fuzz-gpt-%.o $(FUZZ_GPT_OBJ) \
		$(FUZZ_COMMON) $(FUZZ_CORE_OBJS)
	$(FUZZ_CC) $(FUZZ_SAN) -o $@ $^
$(FUZZ_DIR)/fuzz-%: $(FUZZ_DIR)/obj/fuzz-%.o $(FUZZ_COMMON) $(FUZZ_CORE_OBJS)
	$(FUZZ_CC) $(FUZZ_SAN) -o $@ $^

# Keep the objects (pattern-rule intermediates) between builds.
.SECONDARY: $(FUZZ_CORE_OBJS) $(FUZZ_OBJS)

$(FUZZ_DIR)/seeds.stamp: tests/fuzz/seeds.sh
	tests/fuzz/seeds.sh $(FUZZ_DIR)
	@touch $@

.PHONY: fuzz fuzz-build fuzz-seeds
fuzz-build: $(FUZZ_BINS)
fuzz-seeds: $(FUZZ_DIR)/seeds.stamp
fuzz: $(FUZZ_BINS) $(FUZZ_DIR)/seeds.stamp
	@FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run-long.sh $(FUZZ_TARGETS)

check-build: $(FUZZ_BINS)
CHECK_SUITES += 'fuzz:tests/fuzz/run-short.sh $(FUZZ_ALL)'
