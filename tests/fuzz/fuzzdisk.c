// SPDX-License-Identifier: MIT
/* The fuzz targets' memory disk, report sink and assertion. */
#include "fuzzdisk.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void fuzz_fail(const char *file, int line, const char *cond, const char *fmt,
	       ...)
{
	va_list ap;

	fprintf(stderr, "\n==== fuzz invariant failed at %s:%d: %s\n     ", file,
		line, cond);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n", stderr);
	abort();
}

bool fuzz_known(const char *tag)
{
	const char *s = getenv("GPTRIM_FUZZ_KNOWN");
	size_t n = strlen(tag);

	while (s && *s) {
		size_t len = strcspn(s, ",");

		if (len == n && strncmp(s, tag, n) == 0)
			return true;
		s += len + (s[len] == ',');
	}
	return false;
}

static struct fuzzdisk *to_fd(struct blockdev *dev)
{
	return dev->ctx;
}

static size_t slot_index(const struct fuzzdisk *d, uint64_t lba)
{
	/* Fibonacci hashing of the LBA into a power-of-two table. */
	size_t i = (size_t)((lba * 0x9E3779B97F4A7C15ull) >> 32);

	for (i &= d->slot_cap - 1;; i = (i + 1) & (d->slot_cap - 1))
		if (!d->slots[i].data || d->slots[i].lba == lba)
			return i;
}

static const uint8_t *written_block(const struct fuzzdisk *d, uint64_t lba)
{
	return d->slot_cap ? d->slots[slot_index(d, lba)].data : NULL;
}

static void grow_slots(struct fuzzdisk *d)
{
	struct fd_slot *old = d->slots;
	size_t old_cap = d->slot_cap;

	d->slot_cap = old_cap ? old_cap * 2 : 64;
	d->slots = calloc(d->slot_cap, sizeof(*d->slots));
	FUZZ_CHECK(d->slots, "out of memory for %zu slots", d->slot_cap);
	for (size_t i = 0; i < old_cap; i++)
		if (old[i].data)
			d->slots[slot_index(d, old[i].lba)] = old[i];
	free(old);
}

static void store_block(struct fuzzdisk *d, uint64_t lba, const uint8_t *src)
{
	size_t i;

	if (2 * (d->nslots + 1) > d->slot_cap)
		grow_slots(d);
	i = slot_index(d, lba);
	if (!d->slots[i].data) {
		d->slots[i].data = malloc(d->dev.block_size);
		FUZZ_CHECK(d->slots[i].data, "out of memory for a block");
		d->slots[i].lba = lba;
		d->nslots++;
	}
	memcpy(d->slots[i].data, src, d->dev.block_size);
}

void fuzzdisk_peek(const struct fuzzdisk *d, uint64_t lba, uint8_t *out)
{
	uint32_t bs = d->dev.block_size;
	const uint8_t *w = written_block(d, lba);
	uint64_t off;

	if (w) {
		memcpy(out, w, bs);
		return;
	}
	memset(out, 0, bs);
	/* Blocks past the input (or past what a size_t can address) are
	 * zero. */
	if (lba > (uint64_t)SIZE_MAX / bs)
		return;
	off = lba * bs;
	if (off < d->base_len)
		memcpy(out, d->base + off,
		       d->base_len - off < bs ? d->base_len - off : bs);
}

/* Count the call; true when it is the one to fail. */
static bool injected(struct fuzzdisk *d, enum fd_op op)
{
	d->calls[op]++;
	if (d->fault_op == op && d->calls[op] == d->fault_k) {
		d->fault_fired = true;
		return true;
	}
	return false;
}

/* A transfer must lie on the disk (bdev_* check that before the adapter is
 * called) and in one live allocation. */
static void check_transfer(struct fuzzdisk *d, const char *what, uint64_t lba,
			   uint32_t count, const void *buf)
{
	const uint8_t *p = buf;
	size_t len;

	FUZZ_CHECK(count > 0 && lba <= d->dev.last_lba &&
			   count - 1 <= d->dev.last_lba - lba,
		   "%s of %u blocks at LBA %llu reached the adapter; last LBA "
		   "%llu", what, count, (unsigned long long)lba,
		   (unsigned long long)d->dev.last_lba);
	FUZZ_CHECK(count <= SIZE_MAX / d->dev.block_size, "%s of %u blocks",
		   what, count);
	len = (size_t)count * d->dev.block_size;
	for (uint32_t i = 0; i < d->live_allocs; i++) {
		const uint8_t *a = d->allocs[i].ptr;

		if (p >= a && len <= d->allocs[i].size &&
		    (size_t)(p - a) <= d->allocs[i].size - len)
			return;
	}
	fuzz_fail(__FILE__, __LINE__, "buffer from alloc",
		  "%s of %u blocks at LBA %llu into a buffer that is not "
		  "(wholly) from the device's alloc", what, count,
		  (unsigned long long)lba);
}

static enum gpt_status fd_read(struct blockdev *dev, uint64_t lba,
			       uint32_t count, void *buf,
			       struct gpt_reason *why)
{
	struct fuzzdisk *d = to_fd(dev);
	uint8_t *out = buf;

	check_transfer(d, "read", lba, count, buf);
	if (injected(d, FD_READ))
		return gpt_fail(why, GPT_E_IO, "fuzzdisk: injected read "
				"failure at LBA %llu", (unsigned long long)lba);
	for (uint32_t i = 0; i < count; i++)
		fuzzdisk_peek(d, lba + i, out + (size_t)i * dev->block_size);
	return GPT_OK;
}

static enum gpt_status fd_write(struct blockdev *dev, uint64_t lba,
				uint32_t count, const void *buf,
				struct gpt_reason *why)
{
	struct fuzzdisk *d = to_fd(dev);
	const uint8_t *in = buf;

	check_transfer(d, "write", lba, count, buf);
	if (injected(d, FD_WRITE))
		return gpt_fail(why, GPT_E_IO, "fuzzdisk: injected write "
				"failure at LBA %llu", (unsigned long long)lba);
	for (uint32_t i = 0; i < count; i++)
		store_block(d, lba + i, in + (size_t)i * dev->block_size);
	d->blocks_written += count;
	return GPT_OK;
}

static enum gpt_status fd_flush(struct blockdev *dev, struct gpt_reason *why)
{
	struct fuzzdisk *d = to_fd(dev);

	if (injected(d, FD_FLUSH))
		return gpt_fail(why, GPT_E_IO, "fuzzdisk: injected flush "
				"failure");
	return GPT_OK;
}

static void *fd_alloc(struct blockdev *dev, size_t size)
{
	struct fuzzdisk *d = to_fd(dev);
	void *p;

	if (injected(d, FD_ALLOC) || size == 0)
		return NULL;
	FUZZ_CHECK(d->live_allocs < FD_MAX_ALLOCS,
		   "more than %d live allocations: a leak?", FD_MAX_ALLOCS);
	/* Exactly size bytes, so that ASan sees any overrun. */
	p = calloc(1, size);
	if (p) {
		d->allocs[d->live_allocs].ptr = p;
		d->allocs[d->live_allocs].size = size;
		d->live_allocs++;
	}
	return p;
}

static void fd_free(struct blockdev *dev, void *buf, size_t size)
{
	struct fuzzdisk *d = to_fd(dev);

	for (uint32_t i = 0; i < d->live_allocs; i++) {
		if (d->allocs[i].ptr != buf)
			continue;
		FUZZ_CHECK(d->allocs[i].size == size,
			   "free of %zu bytes for an allocation of %zu", size,
			   d->allocs[i].size);
		d->allocs[i] = d->allocs[--d->live_allocs];
		free(buf);
		return;
	}
	fuzz_fail(__FILE__, __LINE__, "free of a live allocation",
		  "free of %p (%zu bytes): not allocated, or freed twice", buf,
		  size);
}

static const struct blockdev_ops fd_ops = {
	.read = fd_read,
	.write = fd_write,
	.flush = fd_flush,
	.alloc = fd_alloc,
	.free = fd_free,
};

void fuzzdisk_init(struct fuzzdisk *d, const uint8_t *base, size_t len,
		   uint32_t block_size, uint64_t last_lba)
{
	memset(d, 0, sizeof(*d));
	d->base = base;
	d->base_len = len;
	d->fault_op = FD_NONE;
	d->dev.ops = &fd_ops;
	d->dev.ctx = d;
	d->dev.block_size = block_size;
	d->dev.last_lba = last_lba;
}

void fuzzdisk_fini(struct fuzzdisk *d)
{
	uint32_t live = d->live_allocs;
	size_t first = live ? d->allocs[0].size : 0;

	for (size_t i = 0; i < d->slot_cap; i++)
		free(d->slots[i].data);
	free(d->slots);
	while (d->live_allocs)
		free(d->allocs[--d->live_allocs].ptr);
	d->slots = NULL;
	d->slot_cap = d->nslots = 0;
	FUZZ_CHECK(live == 0, "%u allocation(s) of the core still live "
		   "(first: %zu bytes)", live, first);
}

void fuzzdisk_fault(struct fuzzdisk *d, enum fd_op op, uint32_t k)
{
	d->fault_op = k ? op : FD_NONE;
	d->fault_k = op < FD_OPS ? d->calls[op] + k : 0;
	d->fault_fired = false;
}

static void sink_line(void *ctx, enum report_level level, const char *text)
{
	size_t len;

	(void)ctx;
	FUZZ_CHECK(level >= REPORT_INFO && level <= REPORT_ERROR,
		   "report level %d", (int)level);
	FUZZ_CHECK(text, "report line is NULL");
	len = strnlen(text, REPORT_LINE_MAX);
	FUZZ_CHECK(len < REPORT_LINE_MAX,
		   "report line not NUL-terminated within %d bytes",
		   REPORT_LINE_MAX);
	for (size_t i = 0; i < len; i++)
		FUZZ_CHECK((unsigned char)text[i] >= 0x20 && text[i] != 0x7F,
			   "control character 0x%02x at %zu in report line "
			   "\"%s\"", (unsigned char)text[i], i, text);
}

const struct report_sink fuzz_sink = { sink_line, NULL };
