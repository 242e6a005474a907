/* SPDX-License-Identifier: MIT */
/* The only way the core reaches a disk. A front end (EFI Block I/O, POSIX
 * file, test memory disk) fills in the ops and the geometry; the core calls
 * nothing else. Transfers are whole blocks into buffers from ops->alloc,
 * which the adapter aligns for its device (EFI: IoAlign). */
#ifndef GPTRIM_BLOCKDEV_H
#define GPTRIM_BLOCKDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gpt_status.h"

struct blockdev;

struct blockdev_ops {
	enum gpt_status (*read)(struct blockdev *dev, uint64_t lba,
				uint32_t count, void *buf,
				struct gpt_reason *why);
	enum gpt_status (*write)(struct blockdev *dev, uint64_t lba,
				 uint32_t count, const void *buf,
				 struct gpt_reason *why);
	enum gpt_status (*flush)(struct blockdev *dev, struct gpt_reason *why);
	/* Zero-filled buffer of size bytes suitable for I/O; NULL on failure. */
	void *(*alloc)(struct blockdev *dev, size_t size);
	void (*free)(struct blockdev *dev, void *buf, size_t size);
};

struct blockdev {
	const struct blockdev_ops *ops;
	void *ctx;           /* the adapter's own state */
	uint32_t block_size; /* power of two, 512..4096 */
	uint64_t last_lba;   /* index of the last block */
};

/* Do the inclusive LBA ranges a0..a1 and b0..b1 share a block? */
/*@ assigns \nothing; exits \false; */
static inline bool ranges_overlap(uint64_t a0, uint64_t a1, uint64_t b0,
				  uint64_t b1)
{
	return a0 <= b1 && b0 <= a1;
}

/* Checked wrappers: they validate lba/count against the device and
 * overflow before calling the adapter. buf holds count blocks. */
/*@ requires \valid_read(dev) &&
             \valid((uint8_t *)buf + (0 .. (integer)count * dev->block_size - 1));
    requires \separated(why, dev);
    assigns ((uint8_t *)buf)[0 .. (integer)count * dev->block_size - 1], *why;
    exits \false;
*/
enum gpt_status bdev_read(struct blockdev *dev, uint64_t lba, uint32_t count,
			  void *buf, struct gpt_reason *why);
/*@ requires \valid_read(dev) &&
             \valid_read((const uint8_t *)buf +
                         (0 .. (integer)count * dev->block_size - 1));
    requires \separated(why, dev);
    assigns *why;
    exits \false;
*/
enum gpt_status bdev_write(struct blockdev *dev, uint64_t lba, uint32_t count,
			   const void *buf, struct gpt_reason *why);
/*@ requires \valid_read(dev);
    requires \separated(why, dev);
    assigns *why;
    exits \false;
*/
enum gpt_status bdev_flush(struct blockdev *dev, struct gpt_reason *why);
/* The allocator's contract: the one assumption the proof makes of it
 * (tests/proof/README.md). */
/*@ assigns \nothing;
    ensures \result == \null || \valid((uint8_t *)\result + (0 .. size - 1));
    exits \false;
*/
void *bdev_alloc(struct blockdev *dev, size_t size);
/* The same assumption: giving a block back changes nothing the core reads
 * (use after free is Eva's to find, not this clause's). */
/*@ assigns \nothing; exits \false; */
void bdev_free(struct blockdev *dev, void *buf, size_t size);
/* The block sizes gptrim handles: a power of two in [512, 4096] (disks
 * have 512 or 4096; EDK2 and Linux accept these). The one rule for the
 * core's loader and both front ends' adapters. */
#define BDEV_BLOCK_SIZE_MIN 512u
#define BDEV_BLOCK_SIZE_MAX 4096u
/*@ assigns \nothing;
    ensures \result ==> BDEV_BLOCK_SIZE_MIN <= block_size <= BDEV_BLOCK_SIZE_MAX;
    exits \false;
*/
bool bdev_block_size_ok(uint32_t block_size);

#endif
