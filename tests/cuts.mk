# Power cuts and torn writes (issue 4): tests/cuts/cutter commits a removal
# on a journaling memory disk and writes the image a cut or tear at any
# block would leave; tests/cuts/run.sh makes layouts with sgdisk, tries
# every cut and tear and judges each image with sgdisk, tests/lib/gptread.py
# (Linux and EDK2 rules) and a second gptrim --apply --repair run.
#   make cuts        build and run just this suite
CUTS_CUTTER := $(BUILD)/asan/tests/cutter
CUTS_CFLAGS := -std=c11 $(WARN) -D_GNU_SOURCE -Iinclude -Itests $(ASAN_FLAGS)
# cutter.c: the commit and its journal; cutimage.c: the images it leaves.
CUTS_OBJS := $(BUILD)/asan/tests/obj/cutter.o $(BUILD)/asan/tests/obj/cutimage.o

$(CUTS_OBJS): $(BUILD)/asan/tests/obj/%.o: tests/cuts/%.c \
		$(wildcard include/*.h) tests/memdisk.h tests/cuts/cutter.h
	@mkdir -p $(@D)
	$(HOST_CC) $(CUTS_CFLAGS) -c $< -o $@
$(CUTS_CUTTER): $(CUTS_OBJS) $(MEMDISK_OBJS) $(CORE_ASAN_LIB)
	$(HOST_CC) $(ASAN_FLAGS) -o $@ $^

.PHONY: cuts
cuts: $(CUTS_CUTTER) $(BUILD)/asan/gptrim
	@tests/check.sh 'cuts:BUILD=$(BUILD) tests/cuts/run.sh'

check-build: $(CUTS_CUTTER)
CHECK_SUITES += 'cuts:BUILD=$(BUILD) tests/cuts/run.sh'
