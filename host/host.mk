# The host tool: build/gptrim, and build/asan/gptrim (ASan+UBSan) for tests.
HOST_SRCS   := $(sort $(wildcard host/*.c))
HOST_CFLAGS := -std=c11 $(WARN) -D_GNU_SOURCE -Iinclude -Ihost -I$(BUILD)/gen
HOST_OBJS      := $(HOST_SRCS:host/%.c=$(BUILD)/host/tool/%.o)
HOST_ASAN_OBJS := $(HOST_SRCS:host/%.c=$(BUILD)/asan/tool/%.o)
HOST_DEPS   := $(wildcard include/*.h) $(wildcard host/*.h) $(VERSION_H)

$(BUILD)/host/tool/%.o: host/%.c $(HOST_DEPS)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) $(HOST_OPT) -c $< -o $@
$(BUILD)/asan/tool/%.o: host/%.c $(HOST_DEPS)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) $(ASAN_FLAGS) -c $< -o $@

$(BUILD)/gptrim: $(HOST_OBJS) $(CORE_LIB)
	$(HOST_CC) $(HOST_OPT) -o $@ $(HOST_OBJS) $(CORE_LIB)
$(BUILD)/asan/gptrim: $(HOST_ASAN_OBJS) $(CORE_ASAN_LIB)
	$(HOST_CC) $(ASAN_FLAGS) -o $@ $(HOST_ASAN_OBJS) $(CORE_ASAN_LIB)

.PHONY: host
host: $(BUILD)/gptrim
check-build: $(BUILD)/asan/gptrim
