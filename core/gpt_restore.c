// SPDX-License-Identifier: MIT
/* Putting an sgdisk-format backup back on its disk, after proving that it
 * belongs there: same sector count, same sector size, same disk GUID. */
#include "gpt_internal.h"

struct restore_bufs {
	uint8_t *header[2];
	uint8_t *array;
	uint8_t *mbr;
	size_t array_bytes;
};

static void free_bufs(struct blockdev *dev, struct restore_bufs *r)
{
	bdev_free(dev, r->header[0], dev->block_size);
	bdev_free(dev, r->header[1], dev->block_size);
	bdev_free(dev, r->mbr, dev->block_size);
	bdev_free(dev, r->array, r->array_bytes);
}

/* The sector size the backup's layout implies: the backup array normally
 * ends just before the backup header. 0 when the layout says nothing. */
static uint32_t implied_sector_size(const struct gpt_backup *b)
{
	const struct gpt_header *k = GPT_HDR(b->backup_header);

	for (uint32_t ss = 512; ss <= 4096; ss *= 2) {
		uint64_t blocks = (b->array_bytes + ss - 1) / ss;

		if (le64(&k->partition_entry_lba) + blocks == le64(&k->my_lba))
			return ss;
	}
	return 0;
}

static enum gpt_status check_belongs(const struct gpt_table *t,
				     const struct gpt_backup *b,
				     struct gpt_reason *why)
{
	const struct gpt_header *m = GPT_HDR(b->main_header);
	const struct gpt_copy *good = gpt_good_copy(t);
	uint32_t ss = implied_sector_size(b);

	if (ss && ss != t->dev->block_size)
		return gpt_fail(why, GPT_E_MISMATCH,
				"backup was made on a disk with %u-byte "
				"sectors; this disk has %u-byte sectors", ss,
				t->dev->block_size);
	if (le64(&m->alternate_lba) != t->dev->last_lba)
		return gpt_fail(why, GPT_E_MISMATCH,
				"backup is for a disk of %llu sectors; this "
				"disk has %llu",
				(unsigned long long)le64(&m->alternate_lba) + 1,
				(unsigned long long)t->dev->last_lba + 1);
	if (good && !guid_equal(&GPT_HDR(good->header)->disk_guid,
				&m->disk_guid))
		return gpt_fail(why, GPT_E_MISMATCH,
				"backup is of disk %G; this disk is %G",
				&m->disk_guid,
				&GPT_HDR(good->header)->disk_guid);
	return GPT_OK;
}

/* Copy a 512-byte header slot into a block and check it against this
 * disk's geometry with the same rules as a loaded header. */
static enum gpt_status header_from_slot(struct blockdev *dev, uint8_t *block,
					const uint8_t *slot, const char *name,
					struct gpt_copy *geom,
					struct gpt_reason *why)
{
	mem_copy(block, slot, GPT_BACKUP_SLOT);
	return gpt_check_header(dev, block, le64(&GPT_HDR(slot)->my_lba),
				name, geom, why);
}

enum gpt_status gpt_restore_check(const struct gpt_table *t,
				  const struct gpt_backup *b,
				  struct gpt_reason *why)
{
	struct blockdev *dev = t->dev;
	uint8_t *block;
	struct gpt_copy geom, other;
	enum gpt_status st = check_belongs(t, b, why);

	if (st != GPT_OK)
		return st;
	block = bdev_alloc(dev, dev->block_size);
	if (!block)
		return gpt_fail(why, GPT_E_NOMEM, "no memory for the restore");
	st = header_from_slot(dev, block, b->backup_header,
			      "backup file: backup", &other, why);
	if (st == GPT_OK) {
		mem_zero(block, dev->block_size);
		st = header_from_slot(dev, block, b->main_header,
				      "backup file: main", &geom, why);
	}
	if (st == GPT_OK)
		st = gpt_check_arrays_apart(&geom, &other, why);
	/* The entries must pass the same checks as a loaded table's. */
	if (st == GPT_OK) {
		geom.header = block;
		geom.array = (uint8_t *)(uintptr_t)b->array;
		st = gpt_check_entries(dev, &geom, why);
	}
	bdev_free(dev, block, dev->block_size);
	return st;
}

enum gpt_status gpt_restore(struct gpt_table *t, const struct gpt_backup *b,
			    struct gpt_commit_result *res,
			    struct gpt_reason *why)
{
	struct blockdev *dev = t->dev;
	struct restore_bufs r = { 0 };
	struct gpt_copy geom[2];
	struct gpt_target tg = { 0 };
	enum gpt_status st;

	mem_zero(res, sizeof(*res));
	st = gpt_restore_check(t, b, why);
	if (st != GPT_OK)
		return st;
	r.header[0] = bdev_alloc(dev, dev->block_size);
	r.header[1] = bdev_alloc(dev, dev->block_size);
	r.mbr = bdev_alloc(dev, dev->block_size);
	if (!r.header[0] || !r.header[1] || !r.mbr) {
		st = gpt_fail(why, GPT_E_NOMEM, "no memory for the restore");
		goto out;
	}
	st = header_from_slot(dev, r.header[GPT_COPY_PRIMARY], b->main_header,
			      "backup file: main", &geom[GPT_COPY_PRIMARY], why);
	if (st == GPT_OK)
		st = header_from_slot(dev, r.header[GPT_COPY_BACKUP],
				      b->backup_header, "backup file: backup",
				      &geom[GPT_COPY_BACKUP], why);
	if (st != GPT_OK)
		goto out;
	r.array_bytes = (size_t)geom[0].array_blocks * dev->block_size;
	r.array = bdev_alloc(dev, r.array_bytes);
	if (!r.array) {
		st = gpt_fail(why, GPT_E_NOMEM, "no memory for the restore");
		goto out;
	}
	mem_copy(r.array, b->array, b->array_bytes);
	/* LBA 0 keeps whatever follows the first 512 bytes on large blocks. */
	mem_copy(r.mbr, t->mbr, dev->block_size);
	mem_copy(r.mbr, b->mbr, GPT_BACKUP_SLOT);

	tg.array = r.array;
	tg.array_blocks = geom[0].array_blocks;
	tg.mbr = r.mbr;
	tg.primary_first = !t->primary.valid && t->backup.valid;
	for (int c = 0; c < 2; c++) {
		tg.header[c] = r.header[c];
		tg.header_lba[c] = le64(&GPT_HDR(r.header[c])->my_lba);
		tg.array_lba[c] = geom[c].array_lba;
	}
	st = gpt_write_target(dev, &tg, res, why);
	if (st == GPT_OK) {
		gpt_table_release(t);
		st = gpt_load(dev, t, why);
	}
out:
	free_bufs(dev, &r);
	return st;
}
