// SPDX-License-Identifier: MIT
/* --undo: is a backup the table gptrim changed into the one on the disk?
 *
 * gptrim's change (gpt_commit_removals on a healthy table) zeroes entries
 * in place and, on a grown disk, moves the backup copy to the end with
 * LastUsableLBA following it. Nothing else: not the MBR, not the disk
 * GUID, not the geometry, not a byte of the other entries or of the
 * headers beyond those fields. So the disk's table is what the change left
 * from backup b when, and only when, every difference is one of those.
 * Anything else (a partition added or edited since, another disk, the
 * same table again after an undo) is refused, with the first difference. */
#include "gpt_internal.h"

/* Header fields a removal or a moved backup rewrites; every other byte of
 * a header's 512-byte slot must be what the backup holds. */
/*@ assigns \nothing;
    exits \false; */
static bool field_may_change(uint32_t at)
{
	static const struct {
		uint32_t off, len;
	} f[] = {
		{ offsetof(struct gpt_header, header_crc32), 4 },
		{ offsetof(struct gpt_header, my_lba), 8 },
		{ offsetof(struct gpt_header, alternate_lba), 8 },
		{ offsetof(struct gpt_header, last_usable_lba), 8 },
		{ offsetof(struct gpt_header, partition_entry_lba), 8 },
		{ offsetof(struct gpt_header, partition_entry_array_crc32), 4 },
	};

	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		if (at >= f[i].off && at < f[i].off + f[i].len)
			return true;
	return false;
}

/* The bytes of a header slot outside the fields above. */
/*@ assigns *why;
    exits \false; */
static enum gpt_status compare_slot(const uint8_t *disk, const uint8_t *bk,
				    const char *name, struct gpt_reason *why)
{
	for (uint32_t at = 0; at < GPT_BACKUP_SLOT; at++)
		if (disk[at] != bk[at] && !field_may_change(at))
			return gpt_fail(why, GPT_E_MISMATCH,
					"the disk's %s header differs from "
					"the backup file's at byte %u (0x%02x "
					"on the disk, 0x%02x in the file): not "
					"the table gptrim's change left", name, at,
					disk[at], bk[at]);
	return GPT_OK;
}

/* Same disk and geometry: GUID, entries, first usable LBA, primary
 * array. */
/*@ assigns *why;
    exits \false; */
static enum gpt_status check_geometry(const struct gpt_header *d,
				      const struct gpt_header *m,
				      struct gpt_reason *why)
{
	if (!guid_equal(&d->disk_guid, &m->disk_guid))
		return gpt_fail(why, GPT_E_MISMATCH,
				"backup is of disk %s; this disk is %s",
				guid_str(&m->disk_guid).s,
				guid_str(&d->disk_guid).s);
	if (le32(&d->num_partition_entries) !=
		    le32(&m->num_partition_entries) ||
	    le32(&d->size_of_partition_entry) !=
		    le32(&m->size_of_partition_entry))
		return gpt_fail(why, GPT_E_MISMATCH,
				"the disk has %u entries of %u bytes; the "
				"backup %u of %u",
				le32(&d->num_partition_entries),
				le32(&d->size_of_partition_entry),
				le32(&m->num_partition_entries),
				le32(&m->size_of_partition_entry));
	if (le64(&d->first_usable_lba) != le64(&m->first_usable_lba) ||
	    le64(&d->partition_entry_lba) != le64(&m->partition_entry_lba))
		return gpt_fail(why, GPT_E_MISMATCH,
				"the disk's FirstUsableLBA %llu and entry array "
				"at LBA %llu; the backup's %llu and %llu",
				(unsigned long long)le64(&d->first_usable_lba),
				(unsigned long long)le64(&d->partition_entry_lba),
				(unsigned long long)le64(&m->first_usable_lba),
				(unsigned long long)le64(&m->partition_entry_lba));
	return GPT_OK;
}

/* The backup copy where the backup has it, LastUsableLBA unchanged; or
 * moved further out as gptrim's commit moves it on a grown disk (array
 * just before the header, LastUsableLBA just before the array). */
/*@ assigns *why;
    exits \false; */
static enum gpt_status check_backup_place(const struct gpt_table *t,
					  const struct gpt_backup *b,
					  struct gpt_reason *why)
{
	const struct gpt_header *k = GPT_HDR(b->backup_header);
	const struct gpt_copy *c = &t->backup;
	uint64_t was = le64(&k->my_lba);
	uint64_t last = le64(&GPT_HDR(c->header)->last_usable_lba);

	if (c->lba == was) {
		if (c->array_lba == le64(&k->partition_entry_lba) &&
		    last == le64(&k->last_usable_lba))
			return GPT_OK;
		return gpt_fail(why, GPT_E_MISMATCH,
				"the backup GPT's array is at LBA %llu and "
				"LastUsableLBA is %llu; the backup has %llu "
				"and %llu",
				(unsigned long long)c->array_lba,
				(unsigned long long)last,
				(unsigned long long)le64(&k->partition_entry_lba),
				(unsigned long long)le64(&k->last_usable_lba));
	}
	if (c->lba > was && c->array_lba + c->array_blocks == c->lba &&
	    last + 1 == c->array_lba)
		return GPT_OK;
	return gpt_fail(why, GPT_E_MISMATCH,
			"the backup GPT is at LBA %llu (array %llu, "
			"LastUsableLBA %llu); gptrim's change leaves it at LBA "
			"%llu, or moves it to the end of a grown disk with its "
			"array just before it and LastUsableLBA before that",
			(unsigned long long)c->lba,
			(unsigned long long)c->array_lba,
			(unsigned long long)last, (unsigned long long)was);
}

/* Every entry the same, but for entries used in the backup and all zero
 * on the disk: those are what the undo puts back. The backup's array
 * holds as many entries (check_geometry, and the decode's size check):
 * said again before reading it. */
/*@ requires gpt_copy_readable(c) && c->array != \null;
    requires \valid_read(b) && gpt_backup_whole(b);
    requires \valid(restored) && \valid(why);
    assigns *restored, *why;
    exits \false; */
static enum gpt_status check_entries(const struct gpt_copy *c,
				     const struct gpt_backup *b,
				     uint32_t *restored,
				     struct gpt_reason *why)
{
	uint32_t n = 0;

	if (!gpt_backup_holds(b, c))
		return gpt_fail(why, GPT_E_MISMATCH,
				"the backup's entry array holds %u bytes, "
				"fewer than the disk's %u entries of %u",
				b->array_bytes, c->num_entries,
				c->entry_size);
	/*@ loop invariant 0 <= i <= c->num_entries;
	    loop assigns i, n; */
	for (uint32_t i = 0; i < c->num_entries; i++) {
		const uint8_t *d = c->array + (size_t)i * c->entry_size;
		const uint8_t *e = b->array + (size_t)i * c->entry_size;

		//@ assert (i + 1) * c->entry_size <= c->num_entries * c->entry_size;

		if (mem_compare(d, e, c->entry_size) == 0)
			continue;
		if (mem_is_zero(d, c->entry_size) &&
		    gpt_entry_used((const struct gpt_entry *)(const void *)e)) {
			n++;
			continue;
		}
		return gpt_fail(why, GPT_E_MISMATCH,
				"entry %u %s: not the table gptrim's change "
				"left", i + 1,
				mem_is_zero(e, c->entry_size) ?
					"is used on the disk but empty in the "
					"backup (already undone, or a partition "
					"added since)" :
					"differs from the backup's (changed "
					"since)");
	}
	if (n == 0)
		return gpt_fail(why, GPT_E_MISMATCH,
				"the table on the disk is the backup's own: no "
				"entry to put back (already undone?)");
	*restored = n;
	return GPT_OK;
}

enum gpt_status gpt_check_undo(const struct gpt_table *t,
			       const struct gpt_backup *b, uint32_t *restored,
			       struct gpt_reason *why)
{
	const struct gpt_copy *p = &t->primary;
	enum gpt_status st;
	uint32_t n = 0;

	*restored = 0;
	if (!p->valid || !t->backup.valid || !t->copies_agree ||
	    !t->entries_ok)
		return gpt_fail(why, GPT_E_DAMAGED,
				"--undo puts back only a table that gptrim "
				"left, and this one is not sound (%s); "
				"--restore FILE writes a backup regardless",
				!p->valid ? p->why.text :
				!t->backup.valid ? t->backup.why.text :
				!t->copies_agree ? t->disagree.text :
						   t->entries_why.text);
	/* The entries before the places: after an undo of a grown disk
	 * the newest backup has its backup copy elsewhere too, and "already
	 * undone" is the better reason. */
	st = check_geometry(GPT_HDR(p->header), GPT_HDR(b->main_header), why);
	if (st == GPT_OK && mem_compare(t->mbr, b->mbr, GPT_BACKUP_SLOT) != 0)
		st = gpt_fail(why, GPT_E_MISMATCH,
			      "the MBR (LBA 0) differs from the backup's: not "
			      "the table gptrim's change left");
	if (st == GPT_OK)
		st = check_entries(p, b, &n, why);
	if (st == GPT_OK)
		st = check_backup_place(t, b, why);
	if (st == GPT_OK)
		st = compare_slot(p->header, b->main_header, "primary", why);
	if (st == GPT_OK)
		st = compare_slot(t->backup.header, b->backup_header, "backup",
				  why);
	if (st == GPT_OK)
		*restored = n;
	return st;
}
