// SPDX-License-Identifier: MIT
/* The modelled block device and allocator (see model.h). Frama_C_* are Eva's
 * built-ins: make_unknown writes any bytes (and requires the range to be
 * valid, so every transfer is checked against the buffer the core handed
 * in); nondet forks the analysis. calloc is Eva's allocation built-in,
 * which may return NULL: an allocation failure is always possible. */
#include <stdlib.h>
#include <string.h>

#include "__fc_builtin.h"
#include "model.h"

void proof_unknown(void *p, size_t n)
{
	if (n)
		Frama_C_make_unknown((char *)p, n);
}

/* The adapters' precondition: bdev_read and bdev_write require it of
 * their callers (WP proves it at each call) and assert it just before
 * the call through dev->ops (core/bdev.c); that it reaches the adapter is
 * the one link no tool here follows (tests/proof/run.sh: "assumed"). */
/*@ requires adapter_buffer:
      \valid((uint8_t *)buf + (0 .. (integer)count * dev->block_size - 1));
*/
static enum gpt_status m_read(struct blockdev *dev, uint64_t lba,
			      uint32_t count, void *buf,
			      struct gpt_reason *why)
{
	proof_unknown(buf, (size_t)count * dev->block_size);
	if (Frama_C_nondet(0, 1))
		return gpt_fail(why, GPT_E_IO, "read of LBA %llu failed",
				(unsigned long long)lba);
	return GPT_OK;
}

/*@ requires adapter_buffer:
      \valid_read((const uint8_t *)buf +
                  (0 .. (integer)count * dev->block_size - 1));
*/
static enum gpt_status m_write(struct blockdev *dev, uint64_t lba,
			       uint32_t count, const void *buf,
			       struct gpt_reason *why)
{
	const volatile uint8_t *b = buf;
	size_t n = (size_t)count * dev->block_size;

	/* The device reads every byte it is handed, each of which must have
	 * been written: mem_copy is Eva's memcpy, which copies a byte never
	 * written without an alarm (tests/proof/README.md, "Three helpers as
	 * Eva's built-ins"). */
	/*@ loop invariant 0 <= i <= n;
	    loop assigns i; */
	for (size_t i = 0; i < n; i++)
		(void)b[i];
	if (Frama_C_nondet(0, 1))
		return gpt_fail(why, GPT_E_IO, "write of LBA %llu failed",
				(unsigned long long)lba);
	return GPT_OK;
}

static enum gpt_status m_flush(struct blockdev *dev, struct gpt_reason *why)
{
	(void)dev;
	if (Frama_C_nondet(0, 1))
		return gpt_fail(why, GPT_E_IO, "flush failed");
	return GPT_OK;
}

static void *m_alloc(struct blockdev *dev, size_t size)
{
	(void)dev;
	return calloc(size, 1);
}

static void m_free(struct blockdev *dev, void *buf, size_t size)
{
	(void)dev;
	(void)size;
	free(buf);
}

static const struct blockdev_ops proof_ops = {
	.read = m_read, .write = m_write, .flush = m_flush,
	.alloc = m_alloc, .free = m_free,
};

void proof_dev_init(struct blockdev *dev, uint32_t bs)
{
	dev->ops = &proof_ops;
	dev->ctx = 0;
	dev->block_size = bs;
	dev->last_lba = Frama_C_unsigned_long_long_interval(0, UINT64_MAX);
}

/* strlen is Eva's built-in: it finds the first NUL in what the core
 * handed over and requires one within the buffer (valid_read_string). */
static void sink_line(void *ctx, enum report_level level, const char *text)
{
	(void)ctx;
	(void)level;
	(void)strlen(text);
}

const struct report_sink proof_sink = { sink_line, 0 };
