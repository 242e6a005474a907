// SPDX-License-Identifier: MIT
/* Checked entry points to a block device: every request is bounded by the
 * device before the adapter sees it. */
#include "blockdev.h"

bool bdev_block_size_ok(uint32_t bs)
{
	return bs >= BDEV_BLOCK_SIZE_MIN && bs <= BDEV_BLOCK_SIZE_MAX &&
	       (bs & (bs - 1)) == 0;
}

/* Its assigns clause lets WP keep the request's bounds across the call. */
/*@ assigns *why; exits \false; */
static enum gpt_status bdev_check_range(const struct blockdev *dev,
					uint64_t lba, uint32_t count,
					const char *what,
					struct gpt_reason *why)
{
	if (count == 0)
		return gpt_fail(why, GPT_E_ARG, "%s of 0 blocks at LBA %llu",
				what, (unsigned long long)lba);
	if (lba > dev->last_lba || count - 1 > dev->last_lba - lba)
		return gpt_fail(why, GPT_E_ARG,
				"%s of %u blocks at LBA %llu is beyond the "
				"last LBA %llu", what, count,
				(unsigned long long)lba,
				(unsigned long long)dev->last_lba);
	return GPT_OK;
}

enum gpt_status bdev_read(struct blockdev *dev, uint64_t lba, uint32_t count,
			  void *buf, struct gpt_reason *why)
{
	enum gpt_status st = bdev_check_range(dev, lba, count, "read", why);

	if (st != GPT_OK)
		return st;
	/* The adapter's own precondition (tests/proof/model.c), proven here
	 * by WP from ours; the call through ops hides it from the tools. */
	/*@ assert adapter_buffer:
	      \valid((uint8_t *)buf + (0 .. (integer)count * dev->block_size - 1));
	*/
	/* Returned through st, not `return dev->ops->read(...)`: Eva then
	 * keeps a failed read (why set) apart from a good one (tests/proof/,
	 * -eva-split-return), so a caller's "%s" of the reason is known
	 * written. The same in bdev_write and bdev_flush. */
	st = dev->ops->read(dev, lba, count, buf, why);
	return st;
}

enum gpt_status bdev_write(struct blockdev *dev, uint64_t lba, uint32_t count,
			   const void *buf, struct gpt_reason *why)
{
	enum gpt_status st = bdev_check_range(dev, lba, count, "write", why);

	if (st != GPT_OK)
		return st;
	/*@ assert adapter_buffer:
	      \valid_read((const uint8_t *)buf +
	                  (0 .. (integer)count * dev->block_size - 1));
	*/
	st = dev->ops->write(dev, lba, count, buf, why);
	return st;
}

enum gpt_status bdev_flush(struct blockdev *dev, struct gpt_reason *why)
{
	enum gpt_status st = dev->ops->flush(dev, why);

	return st;
}

void *bdev_alloc(struct blockdev *dev, size_t size)
{
	return dev->ops->alloc(dev, size);
}

void bdev_free(struct blockdev *dev, void *buf, size_t size)
{
	if (buf)
		dev->ops->free(dev, buf, size);
}
