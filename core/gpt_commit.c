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

/* Header block of one copy: its own block when valid (bytes after
 * HeaderSize stay as they are), else the good copy's, with the location
 * fields of this copy (UEFI §5.3.2, and EDK2's PartitionRestoreGptTable). */
static void build_header(uint8_t *out, const struct gpt_copy *own,
			 const struct gpt_copy *good, uint64_t my,
			 uint64_t alt, uint64_t array_lba, uint64_t last_usable,
			 const uint8_t *array, uint64_t array_bytes,
			 uint32_t block_size)
{
	struct gpt_header *h = (struct gpt_header *)(void *)out;

	mem_copy(out, own->valid ? own->header : good->header, block_size);
	put_le64(&h->my_lba, my);
	put_le64(&h->alternate_lba, alt);
	put_le64(&h->partition_entry_lba, array_lba);
	put_le64(&h->last_usable_lba, last_usable);
	gpt_header_seal(out, array, array_bytes);
}

/* Where the backup goes: where it is when it is valid and at the end,
 * else at the end of the disk; on a grown disk LastUsableLBA follows it,
 * as gptfdisk and libfdisk do on every write. */
static enum gpt_status locate_backup_copy(const struct gpt_table *t,
				    const struct gpt_copy *good,
				    struct gpt_target *tg, uint64_t *last_usable,
				    struct gpt_commit_result *res,
				    struct gpt_reason *why)
{
	uint64_t first = le64(&GPT_HDR(good->header)->first_usable_lba);
	uint64_t last_lba = t->dev->last_lba;

	if (t->backup.valid && !t->backup_misplaced) {
		tg->header_lba[GPT_COPY_BACKUP] = t->backup.lba;
		tg->array_lba[GPT_COPY_BACKUP] = t->backup.array_lba;
		return GPT_OK;
	}
	if (good->array_blocks >= last_lba - first)
		return gpt_fail(why, GPT_E_DAMAGED,
				"cannot place a %u-block backup array on a "
				"disk of %llu blocks", good->array_blocks,
				(unsigned long long)last_lba + 1);
	tg->header_lba[GPT_COPY_BACKUP] = last_lba;
	tg->array_lba[GPT_COPY_BACKUP] = last_lba - good->array_blocks;
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
static enum gpt_status place_copies(const struct gpt_table *t,
				    const struct gpt_copy *good,
				    struct gpt_target *tg, uint64_t *last_usable,
				    struct gpt_commit_result *res,
				    struct gpt_reason *why)
{
	uint64_t first = le64(&GPT_HDR(good->header)->first_usable_lba);
	uint64_t n = good->array_blocks;
	uint64_t pa, ba;
	enum gpt_status st;

	*last_usable = le64(&GPT_HDR(good->header)->last_usable_lba);
	tg->header_lba[GPT_COPY_PRIMARY] = GPT_PRIMARY_HEADER_LBA;
	tg->array_lba[GPT_COPY_PRIMARY] = t->primary.valid ?
						  t->primary.array_lba :
						  GPT_PRIMARY_HEADER_LBA + 1;
	if (tg->array_lba[GPT_COPY_PRIMARY] + n > first)
		return gpt_fail(why, GPT_E_DAMAGED,
				"cannot rebuild the primary copy: its %u-block "
				"array does not fit before FirstUsableLBA %llu",
				good->array_blocks, (unsigned long long)first);
	st = locate_backup_copy(t, good, tg, last_usable, res, why);
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

enum gpt_status gpt_target_build(const struct gpt_table *t,
				 const struct gpt_plan *plan,
				 struct gpt_target_bufs *b, struct gpt_target *tg,
				 struct gpt_commit_result *res,
				 struct gpt_reason *why)
{
	struct blockdev *dev = t->dev;
	const struct gpt_copy *good = gpt_good_copy(t);
	uint64_t last_usable, array_bytes;
	enum gpt_status st;

	mem_zero(b, sizeof(*b));
	mem_zero(tg, sizeof(*tg));
	if (!good)
		return gpt_fail(why, GPT_E_DAMAGED, "no valid GPT copy");
	array_bytes = (uint64_t)good->num_entries * good->entry_size;
	b->array_bytes = (size_t)good->array_blocks * dev->block_size;
	b->array = bdev_alloc(dev, b->array_bytes);
	b->header[GPT_COPY_PRIMARY] = bdev_alloc(dev, dev->block_size);
	b->header[GPT_COPY_BACKUP] = bdev_alloc(dev, dev->block_size);
	if (!b->array || !b->header[GPT_COPY_PRIMARY] ||
	    !b->header[GPT_COPY_BACKUP])
		return gpt_fail(why, GPT_E_NOMEM, "no memory for the new table");
	mem_copy(b->array, good->array, b->array_bytes);
	for (uint32_t k = 0; plan && k < plan->count; k++)
		mem_zero(b->array + (size_t)plan->index[k] * good->entry_size,
			 good->entry_size);

	st = place_copies(t, good, tg, &last_usable, res, why);
	if (st != GPT_OK)
		return st;
	build_header(b->header[GPT_COPY_PRIMARY], &t->primary, good,
		     GPT_PRIMARY_HEADER_LBA, tg->header_lba[GPT_COPY_BACKUP],
		     tg->array_lba[GPT_COPY_PRIMARY], last_usable, b->array,
		     array_bytes, dev->block_size);
	build_header(b->header[GPT_COPY_BACKUP], &t->backup, good,
		     tg->header_lba[GPT_COPY_BACKUP], GPT_PRIMARY_HEADER_LBA,
		     tg->array_lba[GPT_COPY_BACKUP], last_usable, b->array,
		     array_bytes, dev->block_size);
	tg->array = b->array;
	tg->array_blocks = good->array_blocks;
	tg->header[GPT_COPY_PRIMARY] = b->header[GPT_COPY_PRIMARY];
	tg->header[GPT_COPY_BACKUP] = b->header[GPT_COPY_BACKUP];
	tg->primary_first = !t->primary.valid;
	res->rebuilt_primary = !t->primary.valid;
	res->rebuilt_backup = !t->backup.valid || t->split_by_removal;
	return GPT_OK;
}

/* A backup copy that goes where the loader did not read (moved to the
 * last LBA of a grown disk, or rebuilt there) must be readable before
 * anything is written, the ESP backup included: a firmware that overstates
 * the disk's size (U-Boot 2023.01's legacy IDE reports 512 times the
 * sectors) would otherwise make gptrim save a backup and then fail. */
static enum gpt_status probe_backup_place(const struct gpt_table *t,
					  const struct gpt_target *tg,
					  struct gpt_reason *why)
{
	struct blockdev *dev = t->dev;
	uint64_t lba = tg->array_lba[GPT_COPY_BACKUP];
	uint32_t blocks = tg->array_blocks;
	/* No overflow: the loader bounded array_blocks (GPT_ARRAY_MAX_BYTES)
	 * and gpt_target_build allocated as many blocks already. */
	size_t bytes = (size_t)(blocks + 1) * dev->block_size;
	struct gpt_reason io;
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

enum gpt_status gpt_commit_removals(struct gpt_table *t,
				    const struct gpt_plan *plan,
				    enum gpt_repair repair,
				    struct gpt_commit_result *res,
				    struct gpt_reason *why)
{
	struct gpt_target_bufs b;
	struct gpt_target tg;
	enum gpt_status st;

	mem_zero(res, sizeof(*res));
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
