// SPDX-License-Identifier: MIT
/* Putting an sgdisk-format backup back on its disk, after proving that it
 * belongs there (same sector size, a disk at least as large, same disk
 * GUID) and that the loader would accept the table it is about to write.
 *
 * Every copy goes back where the backup says it was, a grown disk's backup
 * GPT included: the restored table is the saved one, byte for byte, and a
 * backup copy that gptrim moved to the new end of the disk is erased once
 * the restored table is durable, so that no reader falling back to the
 * last LBA finds a table that is not the one restored. */
#include "gpt_internal.h"

/* The blocks a restore writes, built once from the file and the disk. */
struct restore_bufs {
	uint8_t *header[GPT_COPIES]; /* one block each */
	uint8_t *array;      /* array_blocks blocks */
	uint8_t *mbr;        /* one block */
	size_t array_bytes;
	struct gpt_table v;  /* the table they make, judged as the loader */
};

/* Nothing held yet: a typed copy, as gpt_table_reset. */
/*@ requires \valid(r);
    assigns *r;
    ensures r->array == \null && r->mbr == \null &&
            r->header[GPT_COPY_PRIMARY] == \null &&
            r->header[GPT_COPY_BACKUP] == \null && r->v.used == \null;
    exits \false; */
static void restore_bufs_reset(struct restore_bufs *r)
{
	*r = (struct restore_bufs){ 0 };
}

/*@ requires \valid(r);
    exits \false; */
static void free_bufs(struct blockdev *dev, struct restore_bufs *r)
{
	bdev_free(dev, r->header[GPT_COPY_PRIMARY], dev->block_size);
	bdev_free(dev, r->header[GPT_COPY_BACKUP], dev->block_size);
	bdev_free(dev, r->mbr, dev->block_size);
	bdev_free(dev, r->array, r->array_bytes);
	gpt_table_free_scratch(dev, &r->v);
}

/* Does the backup's layout fit ss-byte sectors: its backup array ending
 * just before its backup header? */
/*@ requires \valid_read(b) && gpt_backup_whole(b);
    requires 512 <= ss <= 4096;
    assigns \nothing;
    exits \false; */
static bool layout_fits(const struct gpt_backup *b, uint32_t ss)
{
	const struct gpt_header *k = GPT_HDR(b->backup_header);
	uint64_t blocks = ((uint64_t)b->array_bytes + ss - 1) / ss;

	return le64(&k->partition_entry_lba) + blocks == le64(&k->my_lba);
}

/* The sector size the layout implies when it does not fit this disk's
 * (an array of 512 bytes or less fits several): 0 when it says nothing. */
/*@ requires \valid_read(b) && gpt_backup_whole(b);
    requires 512 <= bs <= 4096;
    assigns \nothing;
    exits \false; */
static uint32_t implied_sector_size(const struct gpt_backup *b, uint32_t bs)
{
	if (layout_fits(b, bs))
		return bs;
	/*@ loop invariant 512 <= ss <= 8192;
	    loop assigns ss; */
	for (uint32_t ss = 512; ss <= 4096; ss *= 2)
		if (layout_fits(b, ss))
			return ss;
	return 0;
}

/* The format records no sector size: a layout that fits another size
 * better than this disk's is only a clue, used for the message when the
 * table does not hold at this disk's size (a valid table need not have its
 * backup array right before its header, so the clue can be wrong).
 * implied is implied_sector_size's answer. */
/*@ requires \valid(why);
    assigns *why;
    exits \false; */
static enum gpt_status other_sectors(uint32_t implied, uint32_t bs,
				     enum gpt_status st, struct gpt_reason *why)
{
	if (!implied || implied == bs)
		return st;
	return gpt_fail(why, GPT_E_MISMATCH,
			"backup was made on a disk with %u-byte sectors; this "
			"disk has %u-byte sectors", implied, bs);
}

/* A backup of this disk: its disk GUID, and its backup header on the
 * disk. A disk grown since (or a grown disk whose backup gptrim moved to
 * the end) takes it: the backup GPT goes back where it was. Whether it
 * was made at this sector size is decided by judging the table at it
 * (prepare). */
/*@ requires gpt_table_loaded(t);
    requires 512 <= t->dev->block_size <= 4096;
    requires \valid_read(b) && gpt_backup_whole(b);
    requires \valid(why) && \separated(why, t, t->dev, b);
    assigns *why;
    exits \false; */
static enum gpt_status check_belongs(const struct gpt_table *t,
				     const struct gpt_backup *b,
				     uint32_t implied, struct gpt_reason *why)
{
	const struct gpt_header *m = GPT_HDR(b->main_header);
	const struct gpt_copy *good = gpt_good_copy(t);

	if (le64(&m->alternate_lba) > t->dev->last_lba)
		return other_sectors(implied, t->dev->block_size,
			gpt_fail(why, GPT_E_MISMATCH,
				 "backup is for a disk of at least %llu "
				 "sectors; this disk has %llu",
				 (unsigned long long)le64(&m->alternate_lba) + 1,
				 (unsigned long long)t->dev->last_lba + 1),
			why);
	if (good && !guid_equal(&GPT_HDR(good->header)->disk_guid,
				&m->disk_guid))
		return other_sectors(implied, t->dev->block_size,
			gpt_fail(why, GPT_E_MISMATCH,
				 "backup is of disk %s; this disk is %s",
				 guid_str(&m->disk_guid).s,
				 guid_str(&GPT_HDR(good->header)->disk_guid).s),
			why);
	return GPT_OK;
}

/* A block to write at lba: what is there now (bytes past the 512-byte slot
 * stay as they are, as a commit keeps them), then the slot. */
/*@ requires \valid_read(dev) && \valid(block) && \valid(why);
    requires GPT_BACKUP_SLOT <= dev->block_size;
    requires \valid_read(slot + (0 .. GPT_BACKUP_SLOT - 1));
    requires \separated(block, why, dev);
    assigns *block, *why, \at(*block, Post)[0 .. dev->block_size - 1];
    ensures \result == GPT_OK ==> \valid(*block + (0 .. dev->block_size - 1));
    exits \false; */
static enum gpt_status fill_block(struct blockdev *dev, uint8_t **block,
				  uint64_t lba, const uint8_t *slot,
				  struct gpt_reason *why)
{
	*block = bdev_alloc(dev, dev->block_size);
	if (!*block)
		return gpt_fail(why, GPT_E_NOMEM, "no memory for the restore");
	if (lba <= dev->last_lba) {
		enum gpt_status st = bdev_read(dev, lba, 1, *block, why);

		if (st != GPT_OK)
			return st;
	}
	mem_copy(*block, slot, GPT_BACKUP_SLOT);
	return GPT_OK;
}

/* The verdict on the judged table v: both copies valid, and the loader's
 * checks passed. A step of its own: it writes only *why. */
/*@ requires \valid_read(v) && \valid(why) && \separated(why, v);
    assigns *why;
    exits \false; */
static enum gpt_status judge_verdict(const struct gpt_table *v,
				     struct gpt_reason *why)
{
	struct gpt_reason verdict;

	if (!v->primary.valid || !v->backup.valid)
		return gpt_fail(why, GPT_E_DAMAGED, "%s",
				!v->primary.valid ? v->primary.why.text :
						    v->backup.why.text);
	if (gpt_check_table(v, GPT_REPAIR_NONE, &verdict) != GPT_OK)
		return gpt_fail(why, GPT_E_DAMAGED,
				"backup file: the table would be refused: %s",
				verdict.text);
	return GPT_OK;
}

/* The whole table the file describes, judged by the loader's rules:
 * protective (or the original hybrid) MBR, both headers at their LBAs,
 * the arrays, the copies agreeing, the entries. */
/*@ requires \valid_read(dev) && \valid(r) && \valid(why);
    requires 512 <= dev->block_size <= 4096;
    requires \separated(r, dev, why) && \separated(why, dev);
    requires \valid_read(r->array + (0 .. r->array_bytes - 1));
    requires \valid_read(r->mbr + (0 .. dev->block_size - 1));
    requires \valid_read(r->header[GPT_COPY_PRIMARY] + (0 .. dev->block_size - 1));
    requires \valid_read(r->header[GPT_COPY_BACKUP] + (0 .. dev->block_size - 1));
    assigns r->v, *why,
            \at(r->v.used, Post)[0 .. \at(r->v.used_count, Post) - 1];
    exits \false; */
static enum gpt_status judge(struct blockdev *dev, struct restore_bufs *r,
			     struct gpt_reason *why)
{
	struct gpt_table *v = &r->v;
	enum gpt_status st;

	gpt_table_reset(v);
	v->dev = dev;
	v->mbr = r->mbr;
	v->mbr_kind = mbr_classify(r->mbr, &v->mbr_why);
	gpt_copy_judge(dev, r->header[GPT_COPY_PRIMARY], r->array,
		       r->array_bytes, GPT_PRIMARY_HEADER_LBA,
		       "backup file: main", &v->primary);
	gpt_copy_judge(dev, r->header[GPT_COPY_BACKUP], r->array,
		       r->array_bytes,
		       le64(&GPT_HDR(r->header[GPT_COPY_BACKUP])->my_lba),
		       "backup file: backup", &v->backup);
	st = gpt_table_alloc_scratch(v, why);
	if (st != GPT_OK)
		return st;
	gpt_table_assess(v);
	return judge_verdict(v, why);
}

/* The file's entry array in whole blocks of this disk. First of the
 * restore's buffers: the copy reads the file before anything is written
 * (WP keeps the file's bytes across no write into a fresh block). */
/*@ requires \valid_read(dev) && \valid(r) && \valid(why);
    requires 512 <= dev->block_size <= 4096;
    requires \valid_read(b) && gpt_backup_whole(b);
    requires \separated(r, why, dev, b) && \separated(why, dev, b);
    assigns r->array, r->array_bytes, *why,
            \at(r->array, Post)[0 .. \at(r->array_bytes, Post) - 1];
    ensures \result == GPT_OK ==>
            \valid(r->array + (0 .. r->array_bytes - 1)) &&
            b->array_bytes <= r->array_bytes;
    exits \false; */
static enum gpt_status copy_array(struct blockdev *dev,
				  const struct gpt_backup *b,
				  struct restore_bufs *r,
				  struct gpt_reason *why)
{
	/* array_bytes <= GPT_ARRAY_MAX_BYTES (decode): no overflow. */
	uint64_t blocks = ((uint64_t)b->array_bytes + dev->block_size - 1) /
			  dev->block_size;

	//@ assert blocks * dev->block_size >= b->array_bytes;
	r->array_bytes = (size_t)(blocks * dev->block_size);
	r->array = bdev_alloc(dev, r->array_bytes);
	if (!r->array)
		return gpt_fail(why, GPT_E_NOMEM, "no memory for the restore");
	mem_copy(r->array, b->array, b->array_bytes);
	return GPT_OK;
}

/* Build the blocks of the restore and judge them. */
/*@ requires gpt_table_loaded(t);
    requires 512 <= t->dev->block_size <= 4096;
    requires \valid_read(b) && gpt_backup_whole(b);
    requires \valid(r) && \valid(why);
    requires \separated(r, why, t, t->dev, b) && \separated(why, t, t->dev, b);
    exits \false; */
static enum gpt_status prepare(const struct gpt_table *t,
			       const struct gpt_backup *b,
			       struct restore_bufs *r, struct gpt_reason *why)
{
	struct blockdev *dev = t->dev;
	uint64_t backup_lba = le64(&GPT_HDR(b->backup_header)->my_lba);
	uint32_t implied = implied_sector_size(b, dev->block_size);
	enum gpt_status st;

	restore_bufs_reset(r);
	st = check_belongs(t, b, implied, why);
	if (st == GPT_OK)
		st = copy_array(dev, b, r, why);
	if (st == GPT_OK)
		st = fill_block(dev, &r->mbr, 0, b->mbr, why);
	if (st == GPT_OK)
		st = fill_block(dev, &r->header[GPT_COPY_PRIMARY],
				GPT_PRIMARY_HEADER_LBA, b->main_header, why);
	if (st == GPT_OK)
		st = fill_block(dev, &r->header[GPT_COPY_BACKUP], backup_lba,
				b->backup_header, why);
	if (st != GPT_OK)
		return st;
	st = judge(dev, r, why);
	return st == GPT_OK ? st : other_sectors(implied, dev->block_size, st,
						 why);
}

enum gpt_status gpt_check_restore(const struct gpt_table *t,
				  const struct gpt_backup *b,
				  struct gpt_reason *why)
{
	struct restore_bufs r;
	enum gpt_status st = prepare(t, b, &r, why);

	free_bufs(t->dev, &r);
	return st;
}

/* The on-disk backup copy the restore replaced, when the restored table
 * has its backup elsewhere (gptrim moved it to the end of a grown disk):
 * zero its header and array, only outside everything the restored table
 * uses (its copies and its usable range). */
struct stale {
	bool present;
	uint64_t lba, array_lba;
	uint32_t array_blocks;
};

static bool clear_of(const struct gpt_table *v, uint64_t a, uint64_t b)
{
	const struct gpt_header *h = GPT_HDR(v->primary.header);
	const struct gpt_copy *c[GPT_COPIES] = {
		[GPT_COPY_PRIMARY] = &v->primary, [GPT_COPY_BACKUP] = &v->backup,
	};

	if (ranges_overlap(a, b, le64(&h->first_usable_lba),
			   le64(&h->last_usable_lba)) ||
	    ranges_overlap(a, b, 0, 0))
		return false;
	for (int i = 0; i < GPT_COPIES; i++)
		if (ranges_overlap(a, b, c[i]->lba, c[i]->lba) ||
		    ranges_overlap(a, b, c[i]->array_lba,
				   c[i]->array_lba + c[i]->array_blocks - 1))
			return false;
	return true;
}

static enum gpt_status erase_stale(struct blockdev *dev,
				   const struct stale *s,
				   const struct gpt_table *v,
				   struct gpt_commit_result *res,
				   struct gpt_reason *why)
{
	bool array = s->array_blocks &&
		     clear_of(v, s->array_lba,
			      s->array_lba + s->array_blocks - 1);
	size_t bytes = (size_t)(array ? s->array_blocks : 1) * dev->block_size;
	uint8_t *zero;
	enum gpt_status st;

	if (!s->present || !clear_of(v, s->lba, s->lba))
		return GPT_OK;
	zero = bdev_alloc(dev, bytes);
	if (!zero)
		return gpt_fail(why, GPT_E_NOMEM, "no memory to erase the "
				"old backup GPT");
	st = bdev_write(dev, s->lba, 1, zero, why);
	if (st == GPT_OK && array)
		st = bdev_write(dev, s->array_lba, s->array_blocks, zero, why);
	if (st == GPT_OK)
		st = bdev_flush(dev, why);
	bdev_free(dev, zero, bytes);
	if (st != GPT_OK)
		return st;
	res->stale_erased = true;
	res->stale_lba = s->lba;
	res->blocks_written += 1 + (array ? s->array_blocks : 0);
	res->write_calls += array ? 2 : 1;
	res->flushes++;
	return GPT_OK;
}

enum gpt_status gpt_restore(struct gpt_table *t, const struct gpt_backup *b,
			    struct gpt_commit_result *res,
			    struct gpt_reason *why)
{
	struct blockdev *dev = t->dev;
	struct restore_bufs r;
	struct gpt_target tg = { 0 };
	struct stale old = { t->backup.present, t->backup.lba,
			     t->backup.array_lba, t->backup.array_blocks };
	enum gpt_status st;

	mem_zero(res, sizeof(*res));
	st = prepare(t, b, &r, why);
	if (st != GPT_OK)
		goto out;
	tg.array = r.array;
	tg.array_blocks = r.v.primary.array_blocks;
	tg.mbr = r.mbr;
	tg.primary_first = !t->primary.valid && t->backup.valid;
	for (enum gpt_copy_index c = 0; c < GPT_COPIES; c++) {
		const struct gpt_copy *cp = c == GPT_COPY_PRIMARY ?
						    &r.v.primary : &r.v.backup;

		tg.header[c] = r.header[c];
		tg.header_lba[c] = cp->lba;
		tg.array_lba[c] = cp->array_lba;
	}
	st = gpt_write_target(dev, &tg, res, why);
	if (st == GPT_OK && old.lba != tg.header_lba[GPT_COPY_BACKUP])
		st = erase_stale(dev, &old, &r.v, res, why);
	if (st == GPT_OK) {
		gpt_table_release(t);
		st = gpt_load(dev, t, why);
	}
out:
	free_bufs(dev, &r);
	return st;
}
