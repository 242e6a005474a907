// SPDX-License-Identifier: MIT
/* GPT header validation, one rule per branch (UEFI 2.10 §5.3.2; the order
 * follows libfdisk's gpt_read_header and Linux efi.c's is_gpt_valid). */
#include "gpt_internal.h"

/*@ assigns \nothing;
    exits \false; */
static bool lba_in(uint64_t lba, uint64_t first, uint64_t last)
{
	return lba >= first && lba <= last;
}

uint32_t gpt_header_crc(const uint8_t *header, uint32_t size)
{
	static const uint8_t zero_crc[4];
	uint32_t crc = crc32_calc(header, 16);

	/* UEFI §5.3.2: computed with the HeaderCRC32 field (16..19) zero. */
	crc = crc32_update(crc, zero_crc, 4);
	return crc32_update(crc, header + 20, size - 20);
}

/*@ exits \false; */
static enum gpt_status check_identity(const struct blockdev *dev,
				      const uint8_t *block, const char *name,
				      struct gpt_reason *why)
{
	const struct gpt_header *h = GPT_HDR(block);
	uint32_t size = le32(&h->header_size);
	uint32_t stored, computed;

	if (mem_compare(h->signature, GPT_HEADER_SIGNATURE, 8) != 0)
		return gpt_fail(why, GPT_E_DAMAGED,
				"%s header: signature is not \"EFI PART\"",
				name);
	if (le32(&h->revision) != GPT_HEADER_REVISION_V1)
		return gpt_fail(why, GPT_E_DAMAGED,
				"%s header: revision 0x%08x, expected 0x%08x",
				name, le32(&h->revision),
				GPT_HEADER_REVISION_V1);
	if (size < GPT_HEADER_MIN_SIZE)
		return gpt_fail(why, GPT_E_DAMAGED,
				"%s header: HeaderSize %u is below %u", name,
				size, GPT_HEADER_MIN_SIZE);
	if (size > dev->block_size)
		return gpt_fail(why, GPT_E_DAMAGED,
				"%s header: HeaderSize %u exceeds the block "
				"size %u", name, size, dev->block_size);
	/* The CRC covers HeaderSize bytes with the CRC field itself zero. */
	stored = le32(&h->header_crc32);
	computed = gpt_header_crc(block, size);
	if (stored != computed)
		return gpt_fail(why, GPT_E_DAMAGED,
				"%s header: header CRC 0x%08x, computed 0x%08x",
				name, stored, computed);
	if (le32(&h->reserved) != 0)
		return gpt_fail(why, GPT_E_DAMAGED,
				"%s header: Reserved field is 0x%08x, must be "
				"zero", name, le32(&h->reserved));
	if (!mem_is_zero(block + GPT_HEADER_MIN_SIZE,
			 size - GPT_HEADER_MIN_SIZE))
		return gpt_fail(why, GPT_E_DAMAGED,
				"%s header: reserved bytes 92..%u are not zero",
				name, size - 1);
	return GPT_OK;
}

/*@ exits \false; */
static enum gpt_status check_lbas(const struct blockdev *dev,
				  const struct gpt_header *h, uint64_t lba,
				  const char *name, struct gpt_reason *why)
{
	uint64_t my = le64(&h->my_lba), alt = le64(&h->alternate_lba);
	uint64_t first = le64(&h->first_usable_lba);
	uint64_t last = le64(&h->last_usable_lba);

	if (my != lba)
		return gpt_fail(why, GPT_E_DAMAGED,
				"%s header: MyLBA %llu, but read from LBA %llu",
				name, (unsigned long long)my,
				(unsigned long long)lba);
	if (alt > dev->last_lba)
		return gpt_fail(why, GPT_E_DAMAGED,
				"%s header: AlternateLBA %llu is beyond the "
				"last LBA %llu", name, (unsigned long long)alt,
				(unsigned long long)dev->last_lba);
	if (alt == my || alt == 0)
		return gpt_fail(why, GPT_E_DAMAGED,
				"%s header: AlternateLBA %llu cannot hold the "
				"other copy", name, (unsigned long long)alt);
	if (first > last)
		return gpt_fail(why, GPT_E_DAMAGED,
				"%s header: FirstUsableLBA %llu > LastUsableLBA "
				"%llu", name, (unsigned long long)first,
				(unsigned long long)last);
	if (last > dev->last_lba)
		return gpt_fail(why, GPT_E_DAMAGED,
				"%s header: LastUsableLBA %llu is beyond the "
				"last LBA %llu", name, (unsigned long long)last,
				(unsigned long long)dev->last_lba);
	if (first == 0 || lba_in(my, first, last) || lba_in(alt, first, last))
		return gpt_fail(why, GPT_E_DAMAGED,
				"%s header: usable range %llu-%llu covers LBA 0 "
				"or a header (LBA %llu, %llu)", name,
				(unsigned long long)first,
				(unsigned long long)last,
				(unsigned long long)my,
				(unsigned long long)alt);
	return GPT_OK;
}

/*@ exits \false; */
static enum gpt_status check_array_geometry(const struct blockdev *dev,
					    const struct gpt_header *h,
					    const char *name,
					    struct gpt_copy *c,
					    struct gpt_reason *why)
{
	uint32_t num = le32(&h->num_partition_entries);
	uint32_t size = le32(&h->size_of_partition_entry);
	uint64_t start = le64(&h->partition_entry_lba);
	uint64_t bytes, blocks, end;

	/* 128 * 2^n (UEFI §5.3.2); Linux accepts only 128 but we keep what
	 * is on disk. */
	if (size < GPT_ENTRY_MIN_SIZE || (size & (size - 1)) != 0)
		return gpt_fail(why, GPT_E_DAMAGED,
				"%s header: SizeOfPartitionEntry %u is not "
				"128 x 2^n", name, size);
	if (num == 0)
		return gpt_fail(why, GPT_E_DAMAGED,
				"%s header: NumberOfPartitionEntries is 0",
				name);
	if (!u64_mul(num, size, &bytes) || bytes > GPT_ARRAY_MAX_BYTES)
		return gpt_fail(why, GPT_E_LIMIT,
				"%s header: entry array of %u x %u bytes "
				"exceeds the %u-byte limit", name, num, size,
				GPT_ARRAY_MAX_BYTES);
	blocks = (bytes + dev->block_size - 1) / dev->block_size;
	if (start == 0 || !u64_add(start, blocks - 1, &end) ||
	    end > dev->last_lba)
		return gpt_fail(why, GPT_E_DAMAGED,
				"%s header: entry array at LBA %llu (%llu "
				"blocks) is outside the disk", name,
				(unsigned long long)start,
				(unsigned long long)blocks);
	if (ranges_overlap(start, end, le64(&h->first_usable_lba),
			   le64(&h->last_usable_lba)))
		return gpt_fail(why, GPT_E_DAMAGED,
				"%s header: entry array LBA %llu-%llu overlaps "
				"the usable range %llu-%llu", name,
				(unsigned long long)start,
				(unsigned long long)end,
				(unsigned long long)le64(&h->first_usable_lba),
				(unsigned long long)le64(&h->last_usable_lba));
	if (lba_in(le64(&h->my_lba), start, end) ||
	    lba_in(le64(&h->alternate_lba), start, end))
		return gpt_fail(why, GPT_E_DAMAGED,
				"%s header: entry array LBA %llu-%llu overlaps "
				"a header", name, (unsigned long long)start,
				(unsigned long long)end);
	c->array_lba = start;
	c->array_blocks = (uint32_t)blocks;
	c->num_entries = num;
	c->entry_size = size;
	return GPT_OK;
}

enum gpt_status gpt_check_header(const struct blockdev *dev,
				 const uint8_t *block, uint64_t lba,
				 const char *name, struct gpt_copy *c,
				 struct gpt_reason *why)
{
	const struct gpt_header *h = GPT_HDR(block);
	enum gpt_status st;

	st = check_identity(dev, block, name, why);
	if (st == GPT_OK)
		st = check_lbas(dev, h, lba, name, why);
	if (st == GPT_OK)
		st = check_array_geometry(dev, h, name, c, why);
	return st;
}

enum gpt_status gpt_header_seal(uint8_t *header, uint32_t block_size,
				const uint8_t *array, uint64_t array_bytes,
				struct gpt_reason *why)
{
	uint32_t size = le32(header + offsetof(struct gpt_header, header_size));

	/* The header comes from a copy the loader accepted, so HeaderSize is
	 * within 92..block size (check_identity); said again where the CRC
	 * is taken over it. */
	if (size < GPT_HEADER_MIN_SIZE || size > block_size)
		return gpt_fail(why, GPT_E_DAMAGED,
				"cannot seal a header of HeaderSize %u in a "
				"%u-byte block", size, block_size);
	/* By byte offset, as build_header writes (WP's typed memory). */
	put_le32(header + offsetof(struct gpt_header,
				   partition_entry_array_crc32),
		 crc32_calc(array, (size_t)array_bytes));
	put_le32(header + offsetof(struct gpt_header, header_crc32),
		 gpt_header_crc(header, size));
	return GPT_OK;
}
