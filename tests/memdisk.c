// SPDX-License-Identifier: MIT
/* The recording memory disk of the unit and fault-injection tests. */
#include "memdisk.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gpt_status.h"

#define MD_ALIGN 64 /* like a demanding controller's IoAlign */

static const char *const op_names[MD_OPS] = { "read", "write", "flush" };

const char *memdisk_op_name(enum md_op op)
{
	return op < MD_OPS ? op_names[op] : "?";
}

static struct memdisk *to_md(struct blockdev *dev)
{
	return dev->ctx;
}

static void md_record(struct memdisk *md, enum md_op op, uint64_t lba,
		      uint32_t count, enum gpt_status st)
{
	if (md->nlog == md->log_cap) {
		size_t cap = md->log_cap ? md->log_cap * 2 : 64;
		struct md_call *n = realloc(md->log, cap * sizeof(*n));

		if (!n)
			abort();
		md->log = n;
		md->log_cap = cap;
	}
	md->log[md->nlog++] = (struct md_call){ op, lba, count, st };
}

/* Count the call; returns true when this one is to fail. */
static bool md_injected(struct memdisk *md, enum md_op op)
{
	md->done[op]++;
	return md->fail_at[op] && md->done[op] == md->fail_at[op];
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
	md->bad_buffers++;
	return false;
}

/* Checks shared by read and write; returns GPT_OK to go on. */
static enum gpt_status md_check(struct memdisk *md, enum md_op op,
				uint64_t lba, uint32_t count, const void *buf,
				struct gpt_reason *why)
{
	uint64_t blocks = md->size / md->dev.block_size;

	if (count == 0 || lba >= blocks || count > blocks - lba) {
		md->out_of_range++;
		return gpt_fail(why, GPT_E_IO, "memdisk: %s %llu+%u beyond %llu",
				op_names[op], (unsigned long long)lba, count,
				(unsigned long long)blocks);
	}
	if (!md_buffer_ok(md, buf, (size_t)count * md->dev.block_size))
		return gpt_fail(why, GPT_E_IO, "memdisk: %s buffer not from alloc",
				op_names[op]);
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
	enum gpt_status st = md_check(md, MD_READ, lba, count, buf, why);

	if (st == GPT_OK) {
		memcpy(buf, md->data + lba * bs, (size_t)count * bs);
		for (uint32_t i = 0; md->readback == MD_RB_FLIP && i < count; i++)
			if (md->written[lba + i])
				((uint8_t *)buf)[(size_t)i * bs + 20] ^= 0x01;
	}
	md_record(md, MD_READ, lba, count, st);
	return st;
}

static enum gpt_status md_write(struct blockdev *dev, uint64_t lba,
				uint32_t count, const void *buf,
				struct gpt_reason *why)
{
	struct memdisk *md = to_md(dev);
	uint32_t bs = dev->block_size;
	enum gpt_status st = md_check(md, MD_WRITE, lba, count, buf, why);

	if (st == GPT_OK && md->readback != MD_RB_DROP)
		memcpy(md->data + lba * bs, buf, (size_t)count * bs);
	if (st == GPT_OK)
		memset(md->written + lba, 1, count);
	md_record(md, MD_WRITE, lba, count, st);
	return st;
}

static enum gpt_status md_flush(struct blockdev *dev, struct gpt_reason *why)
{
	struct memdisk *md = to_md(dev);
	enum gpt_status st = GPT_OK;

	if (md_injected(md, MD_FLUSH))
		st = gpt_fail(why, GPT_E_IO, "memdisk: injected flush failure");
	md_record(md, MD_FLUSH, 0, 0, st);
	return st;
}

static void *md_alloc(struct blockdev *dev, size_t size)
{
	struct memdisk *md = to_md(dev);
	void *p = NULL;

	if (size == 0 || md->live_allocs == MD_MAX_ALLOCS ||
	    posix_memalign(&p, MD_ALIGN, size) != 0)
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
			md->bad_buffers++;
		md->allocs[i] = md->allocs[--md->live_allocs];
		free(buf);
		return;
	}
	md->bad_buffers++; /* not ours, or freed twice: leave it alone */
}

static const struct blockdev_ops md_ops = {
	.read = md_read,
	.write = md_write,
	.flush = md_flush,
	.alloc = md_alloc,
	.free = md_free,
};

static int md_init(struct memdisk *md, size_t size, uint32_t block_size)
{
	memset(md, 0, sizeof(*md));
	if (block_size < 512 || block_size > 4096 ||
	    (block_size & (block_size - 1)) || size < block_size ||
	    size % block_size) {
		errno = EINVAL;
		return -1;
	}
	md->written = calloc(size / block_size, 1);
	if (!md->written)
		return -1;
	md->size = size;
	md->dev.ops = &md_ops;
	md->dev.ctx = md;
	md->dev.block_size = block_size;
	md->dev.last_lba = size / block_size - 1;
	return 0;
}

int memdisk_open_file(struct memdisk *md, const char *path,
		      uint32_t block_size)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) != 0 || md_init(md, (size_t)st.st_size,
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
	if (len > size || md_init(md, size, block_size) != 0) {
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

void memdisk_close(struct memdisk *md)
{
	if (md->data)
		munmap(md->data, md->size);
	while (md->live_allocs)
		free(md->allocs[--md->live_allocs].ptr);
	free(md->written);
	free(md->log);
	memset(md, 0, sizeof(*md));
}

void memdisk_clear_log(struct memdisk *md)
{
	md->nlog = 0;
	memset(md->done, 0, sizeof(md->done));
	memset(md->fail_at, 0, sizeof(md->fail_at));
}

void memdisk_fail(struct memdisk *md, enum md_op op, uint32_t k)
{
	md->fail_at[op] = k ? md->done[op] + k : 0;
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

uint8_t *memdisk_block(const struct memdisk *md, uint64_t lba)
{
	return md->data + lba * md->dev.block_size;
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
