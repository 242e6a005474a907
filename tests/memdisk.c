// SPDX-License-Identifier: MIT
/* The in-memory block device of the unit tests, the cutter and the fuzz
 * targets (see memdisk.h). */
#include "memdisk.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gpt_status.h"

#define MD_ALIGN 64 /* like a demanding controller's IoAlign */

static const char *const op_names[MD_OPS] = { "read", "write", "flush",
					      "alloc" };

const char *memdisk_op_name(enum md_op op)
{
	return op < MD_OPS ? op_names[op] : "?";
}

static struct memdisk *to_md(struct blockdev *dev)
{
	return dev->ctx;
}

static void *must_alloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		abort();
	return p;
}

/* Count a stray buffer, bad free, call beyond the disk or leak (*counter)
 * and tell the trap. */
__attribute__((format(printf, 3, 4)))
static void violation(struct memdisk *md, uint32_t *counter,
		      const char *fmt, ...)
{
	char what[200];
	va_list ap;

	if (counter)
		(*counter)++;
	if (!md->trap)
		return;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	md->trap(md, what);
}

static void md_record(struct memdisk *md, enum md_op op, uint64_t lba,
		      uint32_t count, enum gpt_status st, const void *data)
{
	struct md_call *c;

	if (md->nlog == md->log_cap) {
		md->log_cap = md->log_cap ? md->log_cap * 2 : 64;
		md->log = realloc(md->log, md->log_cap * sizeof(*md->log));
		if (!md->log)
			abort();
	}
	c = &md->log[md->nlog++];
	*c = (struct md_call){ op, lba, count, st, NULL };
	if (data && md->keep_writes) {
		size_t n = (size_t)count * md->dev.block_size;

		c->data = memcpy(must_alloc(n), data, n);
	}
}

/* Count the call; returns true when this one is to fail. */
static bool md_injected(struct memdisk *md, enum md_op op)
{
	md->done[op]++;
	if (!md->fail_at[op] || md->done[op] != md->fail_at[op])
		return false;
	md->fault_fired = true;
	return true;
}

static bool md_buffer_ok(struct memdisk *md, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	for (uint32_t i = 0; i < md->live_allocs; i++) {
		const uint8_t *a = md->allocs[i].ptr;

		if (p >= a && len <= md->allocs[i].size &&
		    (size_t)(p - a) <= md->allocs[i].size - len)
			return true;
	}
	return false;
}

/* Checks shared by read and write; returns GPT_OK to go on. */
static enum gpt_status md_check(struct memdisk *md, enum md_op op,
				uint64_t lba, uint32_t count, const void *buf,
				struct gpt_reason *why)
{
	uint64_t last = md->last_block;

	if (count == 0 || lba > last || count - 1 > last - lba ||
	    count > SIZE_MAX / md->dev.block_size) {
		violation(md, &md->out_of_range, "%s of %u blocks at LBA %llu "
			  "reached the device; last LBA %llu", op_names[op],
			  count, (unsigned long long)lba,
			  (unsigned long long)last);
		return gpt_fail(why, GPT_E_IO, "memdisk: %s %llu+%u beyond %llu",
				op_names[op], (unsigned long long)lba, count,
				(unsigned long long)last + 1);
	}
	if (!md_buffer_ok(md, buf, (size_t)count * md->dev.block_size)) {
		violation(md, &md->bad_buffers, "%s of %u blocks at LBA %llu "
			  "into a buffer that is not (wholly) from the "
			  "device's alloc", op_names[op], count,
			  (unsigned long long)lba);
		return gpt_fail(why, GPT_E_IO, "memdisk: %s buffer not from alloc",
				op_names[op]);
	}
	if (md_injected(md, op))
		return gpt_fail(why, GPT_E_IO, "memdisk: injected %s failure at %llu",
				op_names[op], (unsigned long long)lba);
	return GPT_OK;
}

static enum gpt_status md_read(struct blockdev *dev, uint64_t lba,
			       uint32_t count, void *buf,
			       struct gpt_reason *why)
{
	struct memdisk *md = to_md(dev);
	uint32_t bs = dev->block_size;
	uint8_t *out = buf;
	enum gpt_status st = md_check(md, MD_READ, lba, count, buf, why);

	for (uint32_t i = 0; st == GPT_OK && i < count; i++) {
		memdisk_peek(md, lba + i, out + (size_t)i * bs);
		if (md->readback == MD_RB_FLIP && md->written &&
		    md->written[lba + i])
			out[(size_t)i * bs + 20] ^= 0x01;
	}
	md_record(md, MD_READ, lba, count, st, NULL);
	return st;
}

static enum gpt_status md_write(struct blockdev *dev, uint64_t lba,
				uint32_t count, const void *buf,
				struct gpt_reason *why)
{
	struct memdisk *md = to_md(dev);
	uint32_t bs = dev->block_size;
	const uint8_t *in = buf;
	enum gpt_status st = md_check(md, MD_WRITE, lba, count, buf, why);

	for (uint32_t i = 0; st == GPT_OK && i < count; i++) {
		if (md->readback == MD_RB_DROP && md->written)
			md->written[lba + i] = 1;
		else
			memdisk_store(md, lba + i, in + (size_t)i * bs);
	}
	md_record(md, MD_WRITE, lba, count, st, st == GPT_OK ? buf : NULL);
	return st;
}

static enum gpt_status md_flush(struct blockdev *dev, struct gpt_reason *why)
{
	struct memdisk *md = to_md(dev);
	enum gpt_status st = GPT_OK;

	if (md_injected(md, MD_FLUSH))
		st = gpt_fail(why, GPT_E_IO, "memdisk: injected flush failure");
	md_record(md, MD_FLUSH, 0, 0, st, NULL);
	return st;
}

static void *md_alloc(struct blockdev *dev, size_t size)
{
	struct memdisk *md = to_md(dev);
	void *p = NULL;

	if (md_injected(md, MD_ALLOC) || size == 0)
		return NULL;
	if (md->live_allocs == MD_MAX_ALLOCS) {
		violation(md, NULL, "more than %d live allocations: a leak?",
			  MD_MAX_ALLOCS);
		return NULL;
	}
	/* Exactly size bytes (ASan sees any overrun), aligned. */
	if (posix_memalign(&p, MD_ALIGN, size) != 0)
		return NULL;
	memset(p, 0, size);
	md->allocs[md->live_allocs++] = (struct md_alloc){ p, size };
	return p;
}

static void md_free(struct blockdev *dev, void *buf, size_t size)
{
	struct memdisk *md = to_md(dev);

	if (!buf)
		return;
	for (uint32_t i = 0; i < md->live_allocs; i++) {
		if (md->allocs[i].ptr != buf)
			continue;
		if (md->allocs[i].size != size)
			violation(md, &md->bad_buffers, "free of %zu bytes for "
				  "an allocation of %zu", size,
				  md->allocs[i].size);
		md->allocs[i] = md->allocs[--md->live_allocs];
		free(buf);
		return;
	}
	/* Not ours, or freed twice: leave it alone. */
	violation(md, &md->bad_buffers, "free of %p (%zu bytes): not "
		  "allocated, or freed twice", buf, size);
}

static const struct blockdev_ops md_ops = {
	.read = md_read,
	.write = md_write,
	.flush = md_flush,
	.alloc = md_alloc,
	.free = md_free,
};

static int md_init(struct memdisk *md, uint32_t block_size, uint64_t last_lba)
{
	memset(md, 0, sizeof(*md));
	if (block_size < 512 || block_size > 4096 ||
	    (block_size & (block_size - 1))) {
		errno = EINVAL;
		return -1;
	}
	md->dev.ops = &md_ops;
	md->dev.ctx = md;
	md->dev.block_size = block_size;
	md->dev.last_lba = last_lba;
	md->last_block = last_lba;
	return 0;
}

/* A flat disk of size bytes: the geometry and the written map. */
static int md_init_flat(struct memdisk *md, size_t size, uint32_t block_size)
{
	if (md_init(md, block_size, size / block_size - 1) != 0)
		return -1;
	if (size < block_size || size % block_size) {
		errno = EINVAL;
		return -1;
	}
	md->written = calloc(size / block_size, 1);
	if (!md->written)
		return -1;
	md->size = size;
	return 0;
}

int memdisk_open_file(struct memdisk *md, const char *path,
		      uint32_t block_size)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) != 0 || md_init_flat(md, (size_t)st.st_size,
						block_size) != 0) {
		close(fd);
		return -1;
	}
	md->data = mmap(NULL, md->size, PROT_READ | PROT_WRITE, MAP_PRIVATE,
			fd, 0);
	close(fd);
	if (md->data == MAP_FAILED) {
		md->data = NULL;
		memdisk_close(md);
		return -1;
	}
	return 0;
}

int memdisk_open_buffer(struct memdisk *md, const void *buf, size_t len,
			size_t size, uint32_t block_size)
{
	if (len > size || md_init_flat(md, size, block_size) != 0) {
		errno = EINVAL;
		return -1;
	}
	md->data = mmap(NULL, size, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (md->data == MAP_FAILED) {
		md->data = NULL;
		memdisk_close(md);
		return -1;
	}
	if (len)
		memcpy(md->data, buf, len);
	return 0;
}

int memdisk_open_overlay(struct memdisk *md, const uint8_t *base, size_t len,
			 uint32_t block_size, uint64_t last_lba)
{
	if (md_init(md, block_size, last_lba) != 0)
		return -1;
	md->base = base;
	md->base_len = len;
	return 0;
}

void memdisk_close(struct memdisk *md)
{
	if (md->live_allocs)
		violation(md, NULL, "%u allocation(s) of the core still live "
			  "(first: %zu bytes)", md->live_allocs,
			  md->allocs[0].size);
	if (md->data)
		munmap(md->data, md->size);
	for (size_t i = 0; i < md->slot_cap; i++)
		free(md->slots[i].data);
	while (md->live_allocs)
		free(md->allocs[--md->live_allocs].ptr);
	for (size_t i = 0; i < md->nlog; i++)
		free(md->log[i].data);
	free(md->slots);
	free(md->written);
	free(md->log);
	memset(md, 0, sizeof(*md));
}

void memdisk_clear_log(struct memdisk *md)
{
	for (size_t i = 0; i < md->nlog; i++)
		free(md->log[i].data);
	md->nlog = 0;
	memset(md->done, 0, sizeof(md->done));
	memset(md->fail_at, 0, sizeof(md->fail_at));
	md->fault_fired = false;
}

void memdisk_fail(struct memdisk *md, enum md_op op, uint32_t k)
{
	md->fail_at[op] = k ? md->done[op] + k : 0;
	md->fault_fired = false;
}

uint32_t memdisk_blocks_written(const struct memdisk *md)
{
	uint32_t n = 0;

	for (size_t i = 0; i < md->nlog; i++)
		if (md->log[i].op == MD_WRITE && md->log[i].status == GPT_OK)
			n += md->log[i].count;
	return n;
}

uint32_t memdisk_calls(const struct memdisk *md, enum md_op op)
{
	uint32_t n = 0;

	for (size_t i = 0; i < md->nlog; i++)
		n += md->log[i].op == op;
	return n;
}

void memdisk_dump_log(const struct memdisk *md)
{
	for (size_t i = 0; i < md->nlog; i++) {
		const struct md_call *c = &md->log[i];

		if (c->op == MD_FLUSH)
			printf("# %s%s\n", op_names[c->op],
			       c->status ? " (failed)" : "");
		else
			printf("# %s %llu+%u%s\n", op_names[c->op],
			       (unsigned long long)c->lba, c->count,
			       c->status ? " (failed)" : "");
	}
}
