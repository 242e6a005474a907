// SPDX-License-Identifier: MIT
/* Removing entries: build the new table from the good copy and hand it to
 * the write engine. Removed entries are zeroed in place, never compacted:
 * EDK2 numbers partitions by entry index + 1 and Boot#### device paths
 * refer to that number. */
#include "gpt_internal.h"

void gpt_target_free(struct blockdev *dev, struct gpt_target_bufs *b)
{
	bdev_free(dev, b->array, b->array_bytes);
	bdev_free(dev, b->header[GPT_COPY_PRIMARY], dev->block_size);
	bdev_free(dev, b->header[GPT_COPY_BACKUP], dev->block_size);
}

/* Header block of one copy: src is its own block when valid (bytes after
 * HeaderSize stay as they are), else the good copy's; the location fields
 * are this copy's (UEFI §5.3.2, and EDK2's PartitionRestoreGptTable). */
/*@ requires 512 <= block_size;
    requires \valid(out + (0 .. block_size - 1));
    requires \valid_read(src + (0 .. block_size - 1));
    requires \valid_read(array + (0 .. array_bytes - 1));
    assigns out[0 .. block_size - 1], *why;
    exits \false; */
static enum gpt_status build_header(uint8_t *out, const uint8_t *src,
				    uint64_t my, uint64_t alt,
				    uint64_t array_lba, uint64_t last_usable,
				    const uint8_t *array, uint64_t array_bytes,
				    uint32_t block_size, struct gpt_reason *why)
{
	mem_copy(out, src, block_size);
	/* By byte offset, not through the packed struct: WP's typed memory
	 * then sees each write inside the block. */
	put_le64(out + offsetof(struct gpt_header, my_lba), my);
	put_le64(out + offsetof(struct gpt_header, alternate_lba), alt);
	put_le64(out + offsetof(struct gpt_header, partition_entry_lba),
		 array_lba);
	put_le64(out + offsetof(struct gpt_header, last_usable_lba),
		 last_usable);
	return gpt_header_seal(out, block_size, array, array_bytes, why);
}

/* Where the backup goes: where it is when it is valid and at the end,
 * else at the end of the disk; on a grown disk LastUsableLBA follows it,
 * as gptfdisk and libfdisk do on every write. */
/*@ requires \valid_read(t) && \valid_read(t->dev);
    requires \valid(tg) && \valid(last_usable) && \valid(res);
    requires \separated(tg, last_usable, res, why);
    assigns tg->header_lba[GPT_COPY_BACKUP], tg->array_lba[GPT_COPY_BACKUP],
            *last_usable, *res, *why;
    exits \false; */
static enum gpt_status locate_backup_copy(const struct gpt_table *t,
					  uint32_t blocks, uint64_t first,
					  struct gpt_target *tg,
					  uint64_t *last_usable,
					  struct gpt_commit_result *res,
					  struct gpt_reason *why)
{
	uint64_t last_lba = t->dev->last_lba;

	if (t->backup.valid && !t->backup_misplaced) {
		tg->header_lba[GPT_COPY_BACKUP] = t->backup.lba;
		tg->array_lba[GPT_COPY_BACKUP] = t->backup.array_lba;
		return GPT_OK;
	}
	if (blocks >= last_lba - first)
		return gpt_fail(why, GPT_E_DAMAGED,
				"cannot place a %u-block backup array on a "
				"disk of %llu blocks", blocks,
				(unsigned long long)last_lba + 1);
	tg->header_lba[GPT_COPY_BACKUP] = last_lba;
	tg->array_lba[GPT_COPY_BACKUP] = last_lba - blocks;
	if (t->backup_misplaced) {
		res->backup_moved = true;
		res->old_backup_lba = t->backup.lba;
		res->new_backup_lba = last_lba;
		res->old_last_usable = *last_usable;
		*last_usable = tg->array_lba[GPT_COPY_BACKUP] - 1;
		res->new_last_usable = *last_usable;
	}
	if (tg->array_lba[GPT_COPY_BACKUP] <= *last_usable)
		return gpt_fail(why, GPT_E_DAMAGED,
				"cannot rebuild the backup copy: its array at "
				"LBA %llu would overlap LastUsableLBA %llu",
				(unsigned long long)tg->array_lba[GPT_COPY_BACKUP],
				(unsigned long long)*last_usable);
	return GPT_OK;
}

/* Where each copy goes. A bad primary is rebuilt at LBA 1 with its array
 * at LBA 2 (UEFI §5.3.1). Whatever was rebuilt or moved must not land on
 * the other copy's array or header. */
/*@ requires \valid_read(t) && \valid_read(t->dev);
    requires \valid(tg) && \valid(last_usable) && \valid(res);
    requires \separated(tg, last_usable, res, why);
    assigns tg->header_lba[0 .. 1], tg->array_lba[0 .. 1], *last_usable,
            *res, *why;
    exits \false; */
static enum gpt_status place_copies(const struct gpt_table *t,
				    uint32_t blocks, uint64_t first,
				    uint64_t last, struct gpt_target *tg,
				    uint64_t *last_usable,
				    struct gpt_commit_result *res,
				    struct gpt_reason *why)
{
	uint64_t n = blocks;
	uint64_t pa, ba;
	enum gpt_status st;

	*last_usable = last;
	tg->header_lba[GPT_COPY_PRIMARY] = GPT_PRIMARY_HEADER_LBA;
	tg->array_lba[GPT_COPY_PRIMARY] = t->primary.valid ?
						  t->primary.array_lba :
						  GPT_PRIMARY_HEADER_LBA + 1;
	if (tg->array_lba[GPT_COPY_PRIMARY] + n > first)
		return gpt_fail(why, GPT_E_DAMAGED,
				"cannot rebuild the primary copy: its %u-block "
				"array does not fit before FirstUsableLBA %llu",
				blocks, (unsigned long long)first);
	st = locate_backup_copy(t, blocks, first, tg, last_usable, res, why);
	if (st != GPT_OK)
		return st;
	pa = tg->array_lba[GPT_COPY_PRIMARY];
	ba = tg->array_lba[GPT_COPY_BACKUP];
	if (ranges_overlap(pa, pa + n - 1, ba, ba + n - 1) ||
	    ranges_overlap(pa, pa + n - 1, tg->header_lba[GPT_COPY_BACKUP],
			   tg->header_lba[GPT_COPY_BACKUP]) ||
	    ranges_overlap(ba, ba + n - 1, GPT_PRIMARY_HEADER_LBA,
			   GPT_PRIMARY_HEADER_LBA))
		return gpt_fail(why, GPT_E_DAMAGED,
				"cannot place the copies: arrays at LBA %llu "
				"and %llu (%llu blocks) would overlap each "
				"other or a header", (unsigned long long)pa,
				(unsigned long long)ba, (unsigned long long)n);
	return GPT_OK;
}

bool gpt_commit_needed(const struct gpt_table *t, const struct gpt_plan *p)
{
	return (p && p->count) || !t->primary.valid || !t->backup.valid ||
	       t->split_by_removal;
}

/* The new entry array: the good copy's blocks, the planned entries
 * zeroed in place. */
/*@ requires \valid(out + (0 .. (integer)blocks * bs - 1));
    requires \valid_read(src + (0 .. (integer)blocks * bs - 1));
    requires \separated(out + (0 .. (integer)blocks * bs - 1),
                        src + (0 .. (integer)blocks * bs - 1));
    requires GPT_ENTRY_MIN_SIZE <= entry_size;
    requires (integer)num * entry_size <= (integer)blocks * bs;
    requires plan == \null || (gpt_plan_in(plan, num) &&
             \separated(out + (0 .. (integer)blocks * bs - 1), plan));
    assigns out[0 .. (integer)blocks * bs - 1];
    exits \false; */
static void fill_array(uint8_t *out, const uint8_t *src, uint32_t blocks,
		       uint32_t bs, uint32_t num, uint32_t entry_size,
		       const struct gpt_plan *plan)
{
	size_t bytes = bdev_bytes(blocks, bs);

	mem_copy(out, src, bytes);
	if (!plan)
		return;
	/*@ loop invariant 0 <= k <= plan->count;
	    loop assigns k, out[0 .. (integer)blocks * bs - 1]; */
	for (uint32_t k = 0; k < plan->count; k++) {
		//@ assert ((integer)plan->index[k] + 1) * entry_size <= (integer)num * entry_size;
		mem_zero(out + (size_t)plan->index[k] * entry_size,
			 entry_size);
	}
}

/* What gpt_table_loaded(t) and a plan for its good copy give the builder.
 * The placement first, then the buffers; what is read of the table is
 * read before anything is written (WP keeps locals, not the table's
 * memory, across the writes). The buffers it allocates are named by their
 * values at the end. */
/*@ requires gpt_table_loaded(t);
    requires plan == \null ||
             gpt_plan_fits(plan, t->primary.valid ? &t->primary : &t->backup);
    requires \valid(b) && \valid(tg) && \valid(res);
    requires \separated(b, tg, res, why, t, t->dev);
    requires plan == \null || \separated(plan, b, tg, res, why);
    assigns *b, *tg, *res, *why,
            \at(b->array, Post)[0 .. \at(b->array_bytes, Post) - 1],
            \at(b->header[0], Post)[0 .. t->dev->block_size - 1],
            \at(b->header[1], Post)[0 .. t->dev->block_size - 1];
    ensures t->dev->block_size == \old(t->dev->block_size);
    ensures \result == GPT_OK ==> gpt_target_whole(tg, \old(t->dev->block_size));
    exits \false; */
enum gpt_status gpt_target_build(const struct gpt_table *t,
				 const struct gpt_plan *plan,
				 struct gpt_target_bufs *b, struct gpt_target *tg,
				 struct gpt_commit_result *res,
				 struct gpt_reason *why)
{
	struct blockdev *dev = t->dev;
	const struct gpt_copy *good = gpt_good_copy(t);
	uint32_t bs = dev->block_size;
	const uint8_t *primary_src = NULL, *backup_src = NULL, *src = NULL;
	uint32_t blocks = 0, num = 0, entry_size = 0;
	uint64_t first = 0, last = 0, last_usable, array_bytes = 0;
	enum gpt_status st;

	/* What is needed of the good copy, read into locals before anything
	 * is written (WP then keeps it without re-proving the table's
	 * predicates across the writes). */
	//@ assert BDEV_BLOCK_SIZE_MIN <= bs;
	if (good) {
		//@ assert gpt_copy_blocks(good, bs) && good->valid;
		primary_src = t->primary.valid ? t->primary.header :
						 good->header;
		backup_src = t->backup.valid ? t->backup.header : good->header;
		src = good->array;
		blocks = good->array_blocks;
		num = good->num_entries;
		entry_size = good->entry_size;
		first = le64(good->header +
			     offsetof(struct gpt_header, first_usable_lba));
		last = le64(good->header +
			    offsetof(struct gpt_header, last_usable_lba));
		array_bytes = (uint64_t)num * entry_size;
	}
	//@ assert good != \null ==> \valid_read(primary_src + (0 .. bs - 1));
	//@ assert good != \null ==> \valid_read(backup_src + (0 .. bs - 1));
	//@ assert good != \null ==> \valid_read(src + (0 .. (integer)blocks * bs - 1));
	//@ assert good != \null ==> 1 <= blocks && GPT_ENTRY_MIN_SIZE <= entry_size;
	//@ assert good != \null ==> (integer)num * entry_size <= (integer)blocks * bs;
	//@ assert good != \null ==> (plan == \null || gpt_plan_in(plan, num));
	/* Zeroed as structs, not as bytes (tg->mbr NULL: LBA 0 stays). WP
	 * does not follow an initialiser's implicit fields; Eva proves the
	 * assertion, which WP then uses for the postcondition. */
	*b = (struct gpt_target_bufs){ 0 };
	*tg = (struct gpt_target){ 0 };
	//@ assert tg->mbr == \null;
	/* The block size unchanged (the first postcondition), said after
	 * each write and call on every path, a step at a time for WP. */
	//@ assert t->dev == dev && dev->block_size == bs;
	if (!good)
		return gpt_fail(why, GPT_E_DAMAGED, "no valid GPT copy");
	st = place_copies(t, blocks, first, last, tg, &last_usable, res, why);
	//@ assert t->dev == dev && dev->block_size == bs;
	if (st != GPT_OK)
		return st;
	b->array_bytes = bdev_bytes(blocks, bs);
	b->array = bdev_alloc(dev, b->array_bytes);
	b->header[GPT_COPY_PRIMARY] = bdev_alloc(dev, bs);
	b->header[GPT_COPY_BACKUP] = bdev_alloc(dev, bs);
	//@ assert t->dev == dev && dev->block_size == bs;
	if (!b->array || !b->header[GPT_COPY_PRIMARY] ||
	    !b->header[GPT_COPY_BACKUP])
		return gpt_fail(why, GPT_E_NOMEM, "no memory for the new table");
	/* Fresh blocks (Eva): writing them leaves the table, the plan and
	 * the caller's structures as they were (WP). */
	/*@ assert \separated(b->array + (0 .. b->array_bytes - 1),
	                      b->header[0] + (0 .. bs - 1),
	                      b->header[1] + (0 .. bs - 1),
	                      t, t->dev, b, tg, res, why); */
	/*@ assert plan == \null ||
	           \separated(b->array + (0 .. b->array_bytes - 1), plan); */
	fill_array(b->array, src, blocks, bs, num, entry_size, plan);
	//@ assert t->dev == dev && dev->block_size == bs;
	st = build_header(b->header[GPT_COPY_PRIMARY], primary_src,
			  GPT_PRIMARY_HEADER_LBA,
			  tg->header_lba[GPT_COPY_BACKUP],
			  tg->array_lba[GPT_COPY_PRIMARY], last_usable,
			  b->array, array_bytes, bs, why);
	if (st == GPT_OK)
		st = build_header(b->header[GPT_COPY_BACKUP], backup_src,
				  tg->header_lba[GPT_COPY_BACKUP],
				  GPT_PRIMARY_HEADER_LBA,
				  tg->array_lba[GPT_COPY_BACKUP], last_usable,
				  b->array, array_bytes, bs, why);
	//@ assert t->dev == dev && dev->block_size == bs;
	if (st != GPT_OK)
		return st;
	tg->array = b->array;
	tg->array_blocks = blocks;
	tg->header[GPT_COPY_PRIMARY] = b->header[GPT_COPY_PRIMARY];
	tg->header[GPT_COPY_BACKUP] = b->header[GPT_COPY_BACKUP];
	tg->primary_first = !t->primary.valid;
	res->rebuilt_primary = !t->primary.valid;
	res->rebuilt_backup = !t->backup.valid || t->split_by_removal;
	/* The postconditions, one fact at a time (for WP). */
	//@ assert \valid_read(tg->header[0] + (0 .. bs - 1));
	//@ assert \valid_read(tg->header[1] + (0 .. bs - 1));
	//@ assert \valid_read(tg->array + (0 .. (integer)tg->array_blocks * bs - 1));
	//@ assert 1 <= tg->array_blocks && tg->mbr == \null;
	//@ assert gpt_target_whole(tg, bs);
	//@ assert t->dev == dev && dev->block_size == bs;
	return GPT_OK;
}

/* A backup copy that goes where the loader did not read (moved to the
 * last LBA of a grown disk, or rebuilt there) must be readable before
 * anything is written, the ESP backup included: a firmware that overstates
 * the disk's size (U-Boot 2023.01's legacy IDE reports 512 times the
 * sectors) would otherwise make gptrim save a backup and then fail. */
/* No assigns clause: the blocks it reads go to a buffer of its own. */
/*@ requires \valid_read(t) && \valid_read(t->dev) && \valid_read(tg);
    requires \separated(why, t->dev);
    exits \false; */
static enum gpt_status probe_backup_place(const struct gpt_table *t,
					  const struct gpt_target *tg,
					  struct gpt_reason *why)
{
	struct blockdev *dev = t->dev;
	uint64_t lba = tg->array_lba[GPT_COPY_BACKUP];
	uint32_t blocks = tg->array_blocks;
	/* No overflow: the loader bounded array_blocks (GPT_ARRAY_MAX_BYTES)
	 * and gpt_target_build allocated as many blocks already. */
	size_t bytes = ((size_t)blocks + 1) * dev->block_size;
	struct gpt_reason io = { 0 };
	uint8_t *buf;
	enum gpt_status st;

	if (t->backup.valid && tg->header_lba[GPT_COPY_BACKUP] == t->backup.lba)
		return GPT_OK;
	/* The array, and its header when that follows it (it always does
	 * at the end of the disk). */
	if (tg->header_lba[GPT_COPY_BACKUP] == lba + blocks)
		blocks++;
	buf = bdev_alloc(dev, bytes);
	if (!buf)
		return gpt_fail(why, GPT_E_NOMEM, "no memory to read LBA %llu",
				(unsigned long long)lba);
	st = bdev_read(dev, lba, blocks, buf, &io);
	bdev_free(dev, buf, bytes);
	if (st != GPT_OK)
		return gpt_fail(why, st, "cannot read LBA %llu-%llu at the "
				"disk's end, where the backup GPT would go (is "
				"the disk smaller than the firmware says?); "
				"nothing written: %s", (unsigned long long)lba,
				(unsigned long long)(lba + blocks - 1), io.text);
	return GPT_OK;
}

/*@ requires gpt_table_loaded(t);
    requires plan == \null ||
             gpt_plan_fits(plan, t->primary.valid ? &t->primary : &t->backup);
    requires \separated(why, t, t->dev);
    requires plan == \null || \separated(plan, why);
    exits \false; */
enum gpt_status gpt_check_commit(const struct gpt_table *t,
				 const struct gpt_plan *plan,
				 enum gpt_repair repair, struct gpt_reason *why)
{
	struct gpt_target_bufs b;
	struct gpt_target tg;
	struct gpt_commit_result unused;
	enum gpt_status st = gpt_check_table(t, repair, why);

	if (st != GPT_OK || !gpt_commit_needed(t, plan))
		return st;
	st = gpt_target_build(t, plan, &b, &tg, &unused, why);
	if (st == GPT_OK)
		st = probe_backup_place(t, &tg, why);
	gpt_target_free(t->dev, &b);
	return st;
}

/*@ requires gpt_table_loaded(t);
    requires gpt_plan_fits(plan, t->primary.valid ? &t->primary : &t->backup);
    requires \valid(t) && \valid(t->dev) && \valid(res);
    requires \separated(res, why, t, t->dev);
    requires \separated(plan, res, why);
    exits \false; */
enum gpt_status gpt_commit_removals(struct gpt_table *t,
				    const struct gpt_plan *plan,
				    enum gpt_repair repair,
				    struct gpt_commit_result *res,
				    struct gpt_reason *why)
{
	struct gpt_target_bufs b;
	struct gpt_target tg;
	enum gpt_status st;

	*res = (struct gpt_commit_result){ 0 };
	st = gpt_check_table(t, repair, why);
	if (st != GPT_OK || !gpt_commit_needed(t, plan))
		return st;
	st = gpt_target_build(t, plan, &b, &tg, res, why);
	if (st == GPT_OK)
		st = gpt_write_target(t->dev, &tg, res, why);
	if (st == GPT_OK) {
		res->removed = plan->count;
		gpt_table_release(t);
		st = gpt_load(t->dev, t, why);
	}
	gpt_target_free(t->dev, &b);
	return st;
}
