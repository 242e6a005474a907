// SPDX-License-Identifier: MIT
/* Reading one GPT copy (header + array) and comparing the two copies
 * (Linux efi.c is_gpt_valid and compare_gpts). */
#include "gpt_internal.h"

void gpt_copy_release(struct blockdev *dev, struct gpt_copy *c)
{
	bdev_free(dev, c->header, dev->block_size);
	if (c->array)
		bdev_free(dev, c->array,
			  (size_t)c->array_blocks * dev->block_size);
	c->header = NULL;
	c->array = NULL;
}

/*@ requires gpt_copy_readable(c) && c->array != \null;
    assigns *why;
    exits \false; */
static enum gpt_status check_array_crc(const struct gpt_copy *c,
				       const char *name, struct gpt_reason *why)
{
	const struct gpt_header *h = GPT_HDR(c->header);
	uint32_t stored = le32(&h->partition_entry_array_crc32);
	uint32_t computed = crc32_calc(c->array, (size_t)c->num_entries *
						       c->entry_size);

	if (stored != computed)
		return gpt_fail(why, GPT_E_DAMAGED,
				"%s entry array: CRC 0x%08x, computed 0x%08x",
				name, stored, computed);
	return GPT_OK;
}

/* Do c's entries fit in the bytes at its array? The header checks make it
 * so; said again where the array is bound to the geometry, so that every
 * reader may rely on it (gpt_copy_readable, tests/proof/). */
/*@ assigns \nothing;
    ensures \result <==> (GPT_ENTRY_MIN_SIZE <= c->entry_size &&
                          1 <= c->num_entries &&
                          (integer)c->num_entries * c->entry_size <= bytes &&
                          (integer)c->num_entries * c->entry_size <=
                            GPT_ARRAY_MAX_BYTES);
    exits \false;
*/
static bool entries_fit(const struct gpt_copy *c, uint64_t bytes)
{
	uint64_t need = (uint64_t)c->num_entries * c->entry_size;

	return c->entry_size >= GPT_ENTRY_MIN_SIZE && c->num_entries != 0 &&
	       need <= bytes && need <= GPT_ARRAY_MAX_BYTES;
}

/* A copy that holds nothing yet: a typed copy (WP follows it), in a
 * function of its own so that its callers' goals do not carry the value
 * of every field (tests/proof/README.md, tenth round). */
/*@ requires \valid(c);
    assigns *c;
    ensures c->array == \null && !c->valid;
    exits \false; */
static void copy_reset(struct gpt_copy *c)
{
	*c = (struct gpt_copy){ 0 };
}

static enum gpt_status read_array(struct blockdev *dev, const char *name,
				  struct gpt_copy *c, struct gpt_reason *why);

enum gpt_status gpt_read_copy(struct blockdev *dev, uint64_t lba,
			      const char *name, struct gpt_copy *c,
			      struct gpt_reason *why)
{
	enum gpt_status st;

	copy_reset(c);
	c->lba = lba;
	c->header = bdev_alloc(dev, dev->block_size);
	if (!c->header)
		return gpt_fail(why, GPT_E_NOMEM, "no memory for a header");
	st = bdev_read(dev, lba, 1, c->header, why);
	if (st != GPT_OK)
		return st;
	/* The header is a block of its own: reading into it left c as it
	 * was. Eva sees it; WP, which cannot follow the void * casts, takes
	 * it from here. */
	//@ assert c->array == \null && c->valid == 0;
	c->present = mem_compare(c->header, GPT_HEADER_SIGNATURE, 8) == 0;
	if (gpt_check_header(dev, c->header, lba, name, c, &c->why) != GPT_OK)
		return GPT_OK;
	/* Not `return read_array(...)`: returned through st, Eva keeps
	 * the states of a failed allocation above apart from a read copy
	 * (-eva-split-return; tests/proof/). */
	st = read_array(dev, name, c, why);
	return st;
}

/* The array of a copy whose header passed: read and its CRC checked. A
 * function of its own, so that WP's goals stay small. */
/*@ requires \valid(c);
    requires \valid_read(dev);
    requires \separated(c, dev, why);
    requires c->array == \null && c->valid == 0;
    requires \valid_read(c->header + (0 .. dev->block_size - 1));
    assigns c->array, c->valid, c->why, *why,
            \at(c->array, Post)[0 .. (integer)c->array_blocks *
                                     dev->block_size - 1];
    ensures \result == GPT_OK ==> gpt_copy_readable(c);
    ensures \result == GPT_OK ==> gpt_copy_blocks(c, dev->block_size);
    exits \false; */
static enum gpt_status read_array(struct blockdev *dev, const char *name,
				  struct gpt_copy *c, struct gpt_reason *why)
{
	size_t array_bytes = (size_t)c->array_blocks * dev->block_size;
	enum gpt_status st;

	if (!entries_fit(c, array_bytes)) {
		gpt_fail(&c->why, GPT_E_DAMAGED,
			 "%s header: %u x %u-byte entries do not fit in %u "
			 "blocks", name, c->num_entries, c->entry_size,
			 c->array_blocks);
		return GPT_OK;
	}
	c->array = bdev_alloc(dev, array_bytes);
	if (!c->array)
		return gpt_fail(why, GPT_E_NOMEM,
				"no memory for a %zu-byte entry array",
				array_bytes);
	st = bdev_read(dev, c->array_lba, c->array_blocks, c->array, why);
	if (st != GPT_OK)
		return st;
	if (check_array_crc(c, name, &c->why) == GPT_OK)
		c->valid = true;
	return GPT_OK;
}

/* The judged copy takes the array at hand, which holds its entries; the
 * CRC decides. Apart from gpt_copy_judge so that WP's goals stay small. */
/*@ requires \valid(c) && c->array == \null && !c->valid;
    requires GPT_ENTRY_MIN_SIZE <= c->entry_size && 1 <= c->num_entries &&
             (integer)c->num_entries * c->entry_size <= GPT_ARRAY_MAX_BYTES;
    requires \valid_read(array +
                         (0 .. (integer)c->num_entries * c->entry_size - 1));
    assigns c->array, c->valid, c->why;
    ensures gpt_copy_readable(c);
    exits \false; */
static void borrow_array(struct gpt_copy *c, uint8_t *array, const char *name)
{
	c->array = array;
	c->valid = check_array_crc(c, name, &c->why) == GPT_OK;
}

void gpt_copy_judge(const struct blockdev *dev, uint8_t *header,
		    uint8_t *array, size_t array_cap, uint64_t lba,
		    const char *name, struct gpt_copy *c)
{
	copy_reset(c);
	c->lba = lba;
	c->header = header;
	c->present = mem_compare(header, GPT_HEADER_SIGNATURE, 8) == 0;
	if (gpt_check_header(dev, header, lba, name, c, &c->why) != GPT_OK)
		return;
	if ((uint64_t)c->array_blocks * dev->block_size > array_cap) {
		gpt_fail(&c->why, GPT_E_DAMAGED,
			 "%s header: entry array of %u blocks, %zu bytes at "
			 "hand", name, c->array_blocks, array_cap);
		return;
	}
	if (!entries_fit(c, array_cap)) {
		gpt_fail(&c->why, GPT_E_DAMAGED,
			 "%s header: %u x %u-byte entries, %zu bytes at hand",
			 name, c->num_entries, c->entry_size, array_cap);
		return;
	}
	borrow_array(c, array, name);
}

enum gpt_status gpt_check_arrays_apart(const struct gpt_copy *a,
				       const struct gpt_copy *b,
				       struct gpt_reason *why)
{
	uint64_t a1 = a->array_lba + a->array_blocks - 1;
	uint64_t b1 = b->array_lba + b->array_blocks - 1;

	if (ranges_overlap(a->array_lba, a1, b->array_lba, b1))
		return gpt_fail(why, GPT_E_DAMAGED,
				"the entry arrays at LBA %llu-%llu and "
				"%llu-%llu overlap",
				(unsigned long long)a->array_lba,
				(unsigned long long)a1,
				(unsigned long long)b->array_lba,
				(unsigned long long)b1);
	return GPT_OK;
}

/* UEFI §5.3.2: two headers, read at p_lba and b_lba, describe the same
 * table and point at each other. Used for the copies on a disk and for
 * the two headers of a backup file; who starts every reason. */
enum gpt_status gpt_compare_header_pair(const struct gpt_header *ph,
					uint64_t p_lba,
					const struct gpt_header *bh,
					uint64_t b_lba, const char *who,
					struct gpt_reason *why)
{
	if (le64(&ph->alternate_lba) != b_lba)
		return gpt_fail(why, GPT_E_DAMAGED,
				"%s: primary AlternateLBA %llu, backup at LBA "
				"%llu", who,
				(unsigned long long)le64(&ph->alternate_lba),
				(unsigned long long)b_lba);
	if (le64(&bh->alternate_lba) != p_lba)
		return gpt_fail(why, GPT_E_DAMAGED,
				"%s: backup AlternateLBA %llu, primary at LBA "
				"%llu", who,
				(unsigned long long)le64(&bh->alternate_lba),
				(unsigned long long)p_lba);
	if (!guid_equal(&ph->disk_guid, &bh->disk_guid))
		return gpt_fail(why, GPT_E_DAMAGED, "%s: disk GUID %s vs %s",
				who, guid_str(&ph->disk_guid).s,
				guid_str(&bh->disk_guid).s);
	if (le64(&ph->first_usable_lba) != le64(&bh->first_usable_lba) ||
	    le64(&ph->last_usable_lba) != le64(&bh->last_usable_lba))
		return gpt_fail(why, GPT_E_DAMAGED,
				"%s: usable range %llu-%llu vs %llu-%llu", who,
				(unsigned long long)le64(&ph->first_usable_lba),
				(unsigned long long)le64(&ph->last_usable_lba),
				(unsigned long long)le64(&bh->first_usable_lba),
				(unsigned long long)le64(&bh->last_usable_lba));
	if (le32(&ph->num_partition_entries) !=
		    le32(&bh->num_partition_entries) ||
	    le32(&ph->size_of_partition_entry) !=
		    le32(&bh->size_of_partition_entry))
		return gpt_fail(why, GPT_E_DAMAGED,
				"%s: %u x %u-byte entries vs %u x %u", who,
				le32(&ph->num_partition_entries),
				le32(&ph->size_of_partition_entry),
				le32(&bh->num_partition_entries),
				le32(&bh->size_of_partition_entry));
	return GPT_OK;
}

/* The copies on a disk: one table, and arrays that do not overlap. The
 * arrays' contents may still differ. The geometry in c is the headers'
 * (gpt_check_header), compared once more so that the entry loops below
 * rely on what they read (tests/proof/). */
/*@ requires \valid_read(p) && \valid_read(b);
    requires why == \null || \separated(why, p, b);
    assigns *why;
    ensures \result == GPT_OK ==> p->num_entries == b->num_entries &&
                                  p->entry_size == b->entry_size;
    exits \false; */
static enum gpt_status compare_headers(const struct gpt_copy *p,
				       const struct gpt_copy *b,
				       struct gpt_reason *why)
{
	if (gpt_compare_header_pair(GPT_HDR(p->header), p->lba,
				    GPT_HDR(b->header), b->lba,
				    "copies disagree", why) != GPT_OK)
		return GPT_E_DAMAGED;
	if (p->num_entries != b->num_entries ||
	    p->entry_size != b->entry_size)
		return gpt_fail(why, GPT_E_DAMAGED,
				"copies disagree: %u x %u-byte entries vs %u x "
				"%u", p->num_entries, p->entry_size,
				b->num_entries, b->entry_size);
	return gpt_check_arrays_apart(p, b, why);
}

enum gpt_status gpt_compare_copies(const struct gpt_copy *p,
				   const struct gpt_copy *b,
				   struct gpt_reason *why)
{
	if (compare_headers(p, b, why) != GPT_OK)
		return GPT_E_DAMAGED;
	/*@ loop invariant 0 <= i <= p->num_entries;
	    loop assigns i; */
	for (uint32_t i = 0; i < p->num_entries; i++) {
		size_t off = (size_t)i * p->entry_size;

		//@ assert (integer)(i + 1) * p->entry_size <= (integer)p->num_entries * p->entry_size;
		if (mem_compare(p->array + off, b->array + off,
				p->entry_size) != 0)
			return gpt_fail(why, GPT_E_DAMAGED,
					"copies disagree: entry %u differs",
					i + 1);
	}
	return GPT_OK;
}

/* Our commit writes one copy, then the other: a cut between them leaves
 * two valid copies that agree but for entries one of them has zeroed. */
bool gpt_copies_split_by_removal(const struct gpt_copy *p,
				 const struct gpt_copy *b)
{
	int zeroed_in = -1; /* 0: primary, 1: backup */

	if (compare_headers(p, b, NULL) != GPT_OK)
		return false;
	/* compare_headers has checked this; said again here, where WP sees
	 * it without following a reason that is NULL (tests/proof/). */
	if (p->num_entries != b->num_entries || p->entry_size != b->entry_size)
		return false;
	/*@ loop invariant 0 <= i <= p->num_entries;
	    loop invariant -1 <= zeroed_in <= 1;
	    loop assigns i, zeroed_in; */
	for (uint32_t i = 0; i < p->num_entries; i++) {
		size_t off = (size_t)i * p->entry_size;
		int here;

		//@ assert (integer)(i + 1) * p->entry_size <= (integer)p->num_entries * p->entry_size;
		if (mem_compare(p->array + off, b->array + off,
				p->entry_size) == 0)
			continue;
		if (mem_is_zero(b->array + off, p->entry_size))
			here = 1;
		else if (mem_is_zero(p->array + off, p->entry_size))
			here = 0;
		else
			return false;
		if (zeroed_in >= 0 && zeroed_in != here)
			return false;
		zeroed_in = here;
	}
	return zeroed_in >= 0;
}
