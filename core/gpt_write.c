// SPDX-License-Identifier: MIT
/* The write engine: put a complete GPT on the disk, writing only blocks
 * that differ, in the order of docs/design.md "Changing a disk" (UEFI spec,
 * gptfdisk, libfdisk): backup array, backup header, flush, primary array,
 * primary header, flush. A cut after any write leaves at least one copy
 * that is wholly old or wholly new. Then read back and validate. */
#include "gpt_internal.h"

struct region {
	uint64_t lba;
	uint32_t blocks;
	const uint8_t *data;
	const char *what;
};

/* The blocks of a region and of the scratch it is read into (for WP). */
/*@ predicate region_whole(struct region *r, uint8_t *scratch, integer bs) =
      \valid_read(r) &&
      \valid_read(r->data + (0 .. (integer)r->blocks * bs - 1)) &&
      \valid(scratch + (0 .. (integer)r->blocks * bs - 1));
    predicate region_fits(struct region *r, uint8_t *scratch, integer bytes,
                          integer bs) =
      r->data == \null ||
      ((integer)r->blocks * bs <= bytes && region_whole(r, scratch, bs));
*/

/* Is block i the same in a and b (blocks of bs bytes each)? */
/*@ requires i < blocks;
    requires \valid_read(a + (0 .. (integer)blocks * bs - 1));
    requires \valid_read(b + (0 .. (integer)blocks * bs - 1));
    assigns \nothing;
    exits \false; */
static bool block_same(const uint8_t *a, const uint8_t *b, uint32_t i,
		       uint32_t blocks, uint32_t bs)
{
	//@ assert ((integer)i + 1) * bs <= (integer)blocks * bs;
	return mem_compare(a + (size_t)i * bs, b + (size_t)i * bs, bs) == 0;
}

/* Write the blocks of r that differ from the disk, in runs. */
/*@ requires \valid_read(dev) && \valid(res);
    requires region_whole(r, scratch, dev->block_size);
    requires \separated(res, why, r, dev);
    requires \separated(scratch + (0 .. (integer)r->blocks * dev->block_size - 1),
                        r, dev, res);
    assigns scratch[0 .. (integer)r->blocks * dev->block_size - 1],
            res->blocks_written, res->write_calls, *why;
    exits \false; */
static enum gpt_status write_region(struct blockdev *dev, const struct region *r,
				    uint8_t *scratch,
				    struct gpt_commit_result *res,
				    struct gpt_reason *why)
{
	uint32_t bs = dev->block_size;
	/* Zeroed: the adapter's reason is a string whatever the adapter
	 * wrote (and Eva, which may merge a failed call's state with a good
	 * one, knows it; tests/proof/). The same in flush and
	 * probe_backup_place. */
	struct gpt_reason io = { 0 };
	enum gpt_status st;
	uint32_t i = 0;

	st = bdev_read(dev, r->lba, r->blocks, scratch, &io);
	if (st != GPT_OK)
		return gpt_fail(why, st, "reading the %s before writing it: %s",
				r->what, io.text);
	/*@ loop invariant 0 <= i <= r->blocks;
	    loop assigns i, st, io, res->blocks_written, res->write_calls; */
	while (i < r->blocks) {
		uint32_t run = 0;

		/*@ loop invariant i <= r->blocks;
		    loop assigns i; */
		while (i < r->blocks &&
		       block_same(scratch, r->data, i, r->blocks, bs))
			i++;
		/*@ loop invariant (integer)i + run <= r->blocks;
		    loop assigns run; */
		while (i + run < r->blocks &&
		       !block_same(scratch, r->data, i + run, r->blocks, bs))
			run++;
		if (!run)
			break;
		//@ assert ((integer)i + run) * bs <= (integer)r->blocks * bs;
		st = bdev_write(dev, r->lba + i, run, r->data + (size_t)i * bs,
				&io);
		if (st != GPT_OK)
			return gpt_fail(why, st, "writing the %s (LBA %llu, "
					"%u blocks): %s", r->what,
					(unsigned long long)(r->lba + i), run,
					io.text);
		res->blocks_written += run;
		res->write_calls++;
		i += run;
	}
	return GPT_OK;
}

/* One step of the write order: region r unless it has no data (LBA 0
 * when the MBR stays), within the scratch of bytes bytes. A function of
 * its own so that WP judges it with r alone in view: inside the loop the
 * same step timed out. */
/*@ requires \valid_read(dev) && \valid(res);
    requires region_fits(r, scratch, bytes, dev->block_size);
    requires \separated(res, why, r, dev);
    requires \separated(scratch + (0 .. bytes - 1), r, dev, res);
    assigns scratch[0 .. bytes - 1], res->blocks_written, res->write_calls,
            *why;
    exits \false; */
static enum gpt_status write_step(struct blockdev *dev, const struct region *r,
				  uint8_t *scratch, size_t bytes,
				  struct gpt_commit_result *res,
				  struct gpt_reason *why)
{
	if (!r->data)
		return GPT_OK;
	//@ assert (integer)r->blocks * dev->block_size <= bytes;
	return write_region(dev, r, scratch, res, why);
}

/*@ requires \valid_read(dev) && \valid(res);
    requires \separated(res, why, dev);
    assigns res->flushes, *why;
    exits \false; */
static enum gpt_status flush(struct blockdev *dev, const char *after,
			     struct gpt_commit_result *res,
			     struct gpt_reason *why)
{
	struct gpt_reason io = { 0 };
	enum gpt_status st = bdev_flush(dev, &io);

	if (st != GPT_OK)
		return gpt_fail(why, st, "flush after the %s: %s", after,
				io.text);
	res->flushes++;
	return GPT_OK;
}

/* Re-read both copies and LBA 0 and compare them with the target. */
/*@ requires \valid(dev) && 512 <= dev->block_size;
    requires gpt_target_whole(tg, dev->block_size);
    requires \separated(why, dev, tg);
    exits \false; */
static enum gpt_status verify_target(struct blockdev *dev,
				     const struct gpt_target *tg,
				     struct gpt_reason *why)
{
	/* The target as locals, taken before the read-back: gpt_load has
	 * no assigns clause (it allocates), and WP keeps locals, and the
	 * blocks they point to, across such a call (tests/proof/). */
	const uint8_t *array = tg->array, *mbr = tg->mbr;
	const uint8_t *primary = tg->header[GPT_COPY_PRIMARY];
	const uint8_t *backup = tg->header[GPT_COPY_BACKUP];
	uint32_t blocks = tg->array_blocks;
	uint64_t backup_lba = tg->header_lba[GPT_COPY_BACKUP];
	uint32_t bs = dev->block_size;
	struct gpt_table t;
	enum gpt_status st = gpt_load(dev, &t, why);

	if (st != GPT_OK)
		goto out;
	st = GPT_E_VERIFY;
	if (!t.primary.valid || !t.backup.valid || !t.copies_agree) {
		gpt_fail(why, GPT_E_VERIFY, "read-back: %s",
			 !t.primary.valid ? t.primary.why.text :
			 !t.backup.valid  ? t.backup.why.text :
					    t.disagree.text);
		goto out;
	}
	if (t.backup.lba != backup_lba) {
		gpt_fail(why, GPT_E_VERIFY, "read-back: backup at LBA %llu, "
			 "written at %llu", (unsigned long long)t.backup.lba,
			 (unsigned long long)backup_lba);
		goto out;
	}
	/* An array of as many blocks as the target's, so the entries read
	 * back fit in it whatever the headers say. */
	if (t.primary.array_blocks != blocks ||
	    mem_compare(t.primary.header, primary, bs) ||
	    mem_compare(t.backup.header, backup, bs) ||
	    mem_compare(t.primary.array, array,
			(size_t)t.primary.num_entries * t.primary.entry_size) ||
	    (mbr && mem_compare(t.mbr, mbr, bs))) {
		gpt_fail(why, GPT_E_VERIFY,
			 "read-back: the disk does not hold what was written");
		goto out;
	}
	st = GPT_OK;
out:
	gpt_table_release(&t);
	return st;
}

/* The regions of one copy: its array, then its header, so the header
 * never points at an array that is not there yet. */
/*@ requires \valid_read(tg) && (c == GPT_COPY_BACKUP || c == GPT_COPY_PRIMARY);
    requires \valid(out + (0 .. 1)) && \valid_read(what + (0 .. 1));
    requires \separated(out + (0 .. 1), tg, what + (0 .. 1));
    assigns out[0 .. 1];
    ensures out[0].blocks == tg->array_blocks && out[0].data == tg->array;
    ensures out[1].blocks == 1 && out[1].data == tg->header[c];
    exits \false; */
static void copy_regions(const struct gpt_target *tg, enum gpt_copy_index c,
			 struct region out[2], const char *const what[2])
{
	/* Field by field (WP follows these; the compound literals it did
	 * not relate to the fields read back). */
	out[0].lba = tg->array_lba[c];
	out[0].blocks = tg->array_blocks;
	out[0].data = tg->array;
	out[0].what = what[0];
	out[1].lba = tg->header_lba[c];
	out[1].blocks = 1;
	out[1].data = tg->header[c];
	out[1].what = what[1];
}

enum gpt_status gpt_write_target(struct blockdev *dev,
				 const struct gpt_target *tg,
				 struct gpt_commit_result *res,
				 struct gpt_reason *why)
{
	static const char *const what[GPT_COPIES][2] = {
		[GPT_COPY_BACKUP] = { "backup entry array", "backup header" },
		[GPT_COPY_PRIMARY] = { "primary entry array", "primary header" },
	};
	/* Normally the backup goes first (UEFI spec, gptfdisk, libfdisk).
	 * When the primary is the damaged copy being rebuilt, it goes first:
	 * the good backup must stay untouched until a second valid copy is
	 * durable. */
	enum gpt_copy_index first = tg->primary_first ? GPT_COPY_PRIMARY :
							GPT_COPY_BACKUP;
	enum gpt_copy_index second = first == GPT_COPY_PRIMARY ?
					     GPT_COPY_BACKUP : GPT_COPY_PRIMARY;
	struct region order[5];
	size_t scratch_bytes = bdev_bytes(tg->array_blocks, dev->block_size);
	uint8_t *scratch;
	enum gpt_status st = GPT_OK;

	copy_regions(tg, first, order, what[first]);
	copy_regions(tg, second, order + 2, what[second]);
	order[4].lba = 0;
	order[4].blocks = 1;
	order[4].data = tg->mbr;
	order[4].what = "protective MBR";
	scratch = bdev_alloc(dev, scratch_bytes);
	if (!scratch)
		return gpt_fail(why, GPT_E_NOMEM, "no memory to compare blocks");
	/* A fresh block (Eva): reading into it leaves the regions, the
	 * target and the device as they were (WP). */
	/*@ assert \separated(scratch + (0 .. scratch_bytes - 1),
	                      order + (0 .. 4), tg, dev, res, why); */
	/* Each region within its data and the scratch (for WP), one region
	 * at a time: the five at once are beyond the provers. */
	//@ assert region_fits(&order[0], scratch, scratch_bytes, dev->block_size);
	//@ assert region_fits(&order[1], scratch, scratch_bytes, dev->block_size);
	//@ assert region_fits(&order[2], scratch, scratch_bytes, dev->block_size);
	//@ assert region_fits(&order[3], scratch, scratch_bytes, dev->block_size);
	//@ assert region_fits(&order[4], scratch, scratch_bytes, dev->block_size);
	/*@ loop invariant 0 <= i <= 5;
	    loop invariant \forall integer j; 0 <= j < 5 ==>
	      region_fits(&order[j], scratch, scratch_bytes, dev->block_size);
	    loop assigns i, st, res->blocks_written, res->write_calls,
	                 res->flushes, *why,
	                 scratch[0 .. scratch_bytes - 1]; */
	for (size_t i = 0; i < 5 && st == GPT_OK; i++) {
		st = write_step(dev, &order[i], scratch, scratch_bytes, res,
				why);
		/* The first copy is durable before the second is touched. */
		if (st == GPT_OK && i == 1)
			st = flush(dev, order[1].what, res, why);
	}
	if (st == GPT_OK)
		st = flush(dev, order[3].what, res, why);
	bdev_free(dev, scratch, scratch_bytes);
	if (st == GPT_OK)
		st = verify_target(dev, tg, why);
	return st;
}
