// SPDX-License-Identifier: MIT
/* The sgdisk --backup file format (gptfdisk GPTData::SaveGPTBackup): the
 * protective MBR, the main header and the backup header each in a 512-byte
 * slot, then NumberOfPartitionEntries x SizeOfPartitionEntry bytes of
 * entries, whatever the disk's sector size. */
#include "gpt_internal.h"

#define SLOT_MBR 0u
#define SLOT_MAIN 1u
#define SLOT_BACKUP 2u
#define SLOTS_BYTES (3u * GPT_BACKUP_SLOT)

size_t gpt_backup_size(const struct gpt_table *t)
{
	const struct gpt_copy *c = gpt_good_copy(t);

	if (!c)
		return 0;
	return SLOTS_BYTES + (size_t)c->num_entries * c->entry_size;
}

/* Does a valid copy's header fit a 512-byte slot of the format? */
static enum gpt_status header_fits_slot(const struct gpt_copy *c,
					const char *name,
					struct gpt_reason *why)
{
	uint32_t size;

	if (!c->valid)
		return GPT_OK;
	size = le32(&GPT_HDR(c->header)->header_size);
	if (size > GPT_BACKUP_SLOT)
		return gpt_fail(why, GPT_E_UNSUPPORTED,
				"the %s header's HeaderSize %u does not "
				"fit the %u-byte slot of an sgdisk "
				"backup, so the change could not be "
				"undone (--no-backup makes it without "
				"a backup)", name, size, GPT_BACKUP_SLOT);
	return GPT_OK;
}

enum gpt_status gpt_check_backup(const struct gpt_table *t,
				 struct gpt_reason *why)
{
	enum gpt_status st = header_fits_slot(&t->primary, "primary", why);

	return st != GPT_OK ? st : header_fits_slot(&t->backup, "backup", why);
}

/* A damaged copy is saved as it would be rebuilt from the good one, as
 * sgdisk does, so the file restores. A table whose bad copy cannot be
 * rebuilt (a commit refuses it too) is saved as read: a restore over it
 * must not lose what was there. */
enum gpt_status gpt_backup_encode(const struct gpt_table *t, uint8_t *out,
				  size_t cap, size_t *len,
				  struct gpt_reason *why)
{
	const struct gpt_copy *c = gpt_good_copy(t);
	size_t need = gpt_backup_size(t);
	struct gpt_target_bufs b;
	struct gpt_target tg;
	struct gpt_commit_result unused;
	enum gpt_status st;
	bool as_read;

	if (!c)
		return gpt_fail(why, GPT_E_DAMAGED,
				"no valid GPT copy to back up");
	st = gpt_check_backup(t, why);
	if (st != GPT_OK)
		return st;
	if (cap < need)
		return gpt_fail(why, GPT_E_LIMIT,
				"backup needs %zu bytes, buffer has %zu", need,
				cap);
	st = gpt_target_build(t, NULL, &b, &tg, &unused, why);
	if (st == GPT_E_NOMEM)
		goto out;
	/* Headers as read when the copies agree; else the pair as rebuilt,
	 * which describe one table and point at each other (a sound primary
	 * may carry a stale AlternateLBA, a stale backup another CRC). */
	as_read = t->copies_agree || st != GPT_OK;
	mem_zero(out, SLOTS_BYTES);
	mem_copy(out + SLOT_MBR * GPT_BACKUP_SLOT, t->mbr, GPT_BACKUP_SLOT);
	mem_copy(out + SLOT_MAIN * GPT_BACKUP_SLOT,
		 as_read ? t->primary.header : tg.header[GPT_COPY_PRIMARY],
		 GPT_BACKUP_SLOT);
	mem_copy(out + SLOT_BACKUP * GPT_BACKUP_SLOT,
		 as_read ? t->backup.header : tg.header[GPT_COPY_BACKUP],
		 GPT_BACKUP_SLOT);
	mem_copy(out + SLOTS_BYTES, c->array, need - SLOTS_BYTES);
	*len = need;
	st = GPT_OK;
out:
	gpt_target_free(t->dev, &b);
	return st;
}

/* The checks a header slot can pass without knowing the disk. */
/*@ assigns *why;
    exits \false; */
static enum gpt_status check_slot_header(const uint8_t *h, const char *name,
					 struct gpt_reason *why)
{
	const struct gpt_header *g = GPT_HDR(h);
	uint32_t size = le32(&g->header_size);
	uint32_t stored = le32(&g->header_crc32), computed;

	if (mem_compare(g->signature, GPT_HEADER_SIGNATURE, 8) != 0)
		return gpt_fail(why, GPT_E_DAMAGED,
				"backup file: %s header has no \"EFI PART\" "
				"signature", name);
	if (size < GPT_HEADER_MIN_SIZE || size > GPT_BACKUP_SLOT)
		return gpt_fail(why, GPT_E_DAMAGED,
				"backup file: %s HeaderSize %u is not in "
				"92..512", name, size);
	computed = gpt_header_crc(h, size);
	if (stored != computed)
		return gpt_fail(why, GPT_E_DAMAGED,
				"backup file: %s header CRC 0x%08x, computed "
				"0x%08x", name, stored, computed);
	return GPT_OK;
}

/*@ assigns *why;
    exits \false; */
static enum gpt_status check_slots_agree(const struct gpt_backup *b,
					 struct gpt_reason *why)
{
	const struct gpt_header *m = GPT_HDR(b->main_header);
	const struct gpt_header *k = GPT_HDR(b->backup_header);

	if (le64(&m->my_lba) != GPT_PRIMARY_HEADER_LBA)
		return gpt_fail(why, GPT_E_DAMAGED,
				"backup file: main header MyLBA %llu, not 1",
				(unsigned long long)le64(&m->my_lba));
	if (gpt_compare_header_pair(m, le64(&m->my_lba), k, le64(&k->my_lba),
				    "backup file: headers disagree",
				    why) != GPT_OK)
		return GPT_E_DAMAGED;
	if (le32(&m->partition_entry_array_crc32) !=
	    le32(&k->partition_entry_array_crc32))
		return gpt_fail(why, GPT_E_DAMAGED,
				"backup file: headers disagree: array CRC "
				"0x%08x vs 0x%08x",
				le32(&m->partition_entry_array_crc32),
				le32(&k->partition_entry_array_crc32));
	return GPT_OK;
}

enum gpt_status gpt_backup_decode(const uint8_t *buf, size_t len,
				  struct gpt_backup *b, struct gpt_reason *why)
{
	const struct gpt_header *m;
	uint64_t bytes;
	uint32_t crc;
	enum gpt_status st;

	if (len < SLOTS_BYTES)
		return gpt_fail(why, GPT_E_DAMAGED,
				"backup file: %zu bytes, shorter than the %u "
				"bytes of MBR and headers", len, SLOTS_BYTES);
	b->mbr = buf + SLOT_MBR * GPT_BACKUP_SLOT;
	b->main_header = buf + SLOT_MAIN * GPT_BACKUP_SLOT;
	b->backup_header = buf + SLOT_BACKUP * GPT_BACKUP_SLOT;
	b->array = buf + SLOTS_BYTES;
	m = GPT_HDR(b->main_header);
	if (le16(b->mbr + 510) != MBR_SIGNATURE)
		return gpt_fail(why, GPT_E_DAMAGED,
				"backup file: MBR slot has no 0xAA55 signature");
	st = check_slot_header(b->main_header, "main", why);
	if (st == GPT_OK)
		st = check_slot_header(b->backup_header, "backup", why);
	if (st == GPT_OK)
		st = check_slots_agree(b, why);
	if (st != GPT_OK)
		return st;
	if (!u64_mul(le32(&m->num_partition_entries),
		     le32(&m->size_of_partition_entry), &bytes) ||
	    bytes == 0 || bytes > GPT_ARRAY_MAX_BYTES)
		return gpt_fail(why, GPT_E_DAMAGED,
				"backup file: entry array of %u x %u bytes is "
				"empty or too large",
				le32(&m->num_partition_entries),
				le32(&m->size_of_partition_entry));
	if (len != SLOTS_BYTES + bytes)
		return gpt_fail(why, GPT_E_DAMAGED,
				"backup file: %zu bytes, expected %llu for %u "
				"entries of %u bytes", len,
				(unsigned long long)(SLOTS_BYTES + bytes),
				le32(&m->num_partition_entries),
				le32(&m->size_of_partition_entry));
	crc = crc32_calc(b->array, (size_t)bytes);
	if (crc != le32(&m->partition_entry_array_crc32))
		return gpt_fail(why, GPT_E_DAMAGED,
				"backup file: entry array CRC 0x%08x, header "
				"says 0x%08x", crc,
				le32(&m->partition_entry_array_crc32));
	b->array_bytes = (uint32_t)bytes;
	return GPT_OK;
}

/**
 * gpt_backup_verify - does an encoded backup restore the table t holds?
 *
 * Decode it as a restore would, then compare what it would put back with
 * the table as loaded: the MBR, the disk GUID, the entry count and size
 * and every byte of the entry array of the good copy. (Header locations
 * may differ: a damaged copy is saved as it would be rebuilt.)
 */
enum gpt_status gpt_backup_verify(const struct gpt_table *t,
				  const uint8_t *buf, size_t len,
				  struct gpt_reason *why)
{
	struct gpt_backup b;
	struct gpt_reason dec;
	const struct gpt_copy *c;
	const struct gpt_header *g, *m;

	if (gpt_backup_decode(buf, len, &b, &dec) != GPT_OK)
		return gpt_fail(why, GPT_E_IO, "the backup just encoded does "
				"not decode: %s", dec.text);
	c = gpt_good_copy(t);
	if (!c)
		return gpt_fail(why, GPT_E_DAMAGED,
				"no valid GPT copy to compare the backup with");
	g = GPT_HDR(c->header);
	m = GPT_HDR(b.main_header);
	if (mem_compare(b.mbr, t->mbr, GPT_BACKUP_SLOT) != 0)
		return gpt_fail(why, GPT_E_IO, "the backup just encoded holds "
				"another MBR than LBA 0 of the disk");
	if (!guid_equal(&m->disk_guid, &g->disk_guid))
		return gpt_fail(why, GPT_E_IO, "the backup just encoded is of "
				"disk %s; the disk is %s",
				guid_str(&m->disk_guid).s,
				guid_str(&g->disk_guid).s);
	if (le32(&m->num_partition_entries) != c->num_entries ||
	    le32(&m->size_of_partition_entry) != c->entry_size)
		return gpt_fail(why, GPT_E_IO, "the backup just encoded has "
				"%u entries of %u bytes; the disk has %u of %u",
				le32(&m->num_partition_entries),
				le32(&m->size_of_partition_entry),
				c->num_entries, c->entry_size);
	/* The decode's size check made the file's array this large: said
	 * again before reading it. */
	if (!gpt_backup_holds(&b, c))
		return gpt_fail(why, GPT_E_IO, "the backup just encoded holds "
				"%u bytes of entries, fewer than the disk's "
				"%u of %u", b.array_bytes, c->num_entries,
				c->entry_size);
	/* Entry by entry, byte by byte: no division by entry_size, which
	 * is only known to be non-zero for a valid copy. */
	/*@ loop invariant 0 <= i <= c->num_entries;
	    loop assigns i; */
	for (uint32_t i = 0; i < c->num_entries; i++)
		/*@ loop invariant 0 <= k <= c->entry_size;
		    loop assigns k; */
		for (uint32_t k = 0; k < c->entry_size; k++) {
			size_t at = (size_t)i * c->entry_size + k;

			/*@ assert (integer)i * c->entry_size + k <
			           (integer)c->num_entries * c->entry_size; */

			if (b.array[at] != c->array[at])
				return gpt_fail(why, GPT_E_IO,
						"the backup just encoded "
						"differs from the disk's entry "
						"array at byte %zu (entry %u)",
						at, i + 1);
		}
	return GPT_OK;
}
