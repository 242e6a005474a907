// SPDX-License-Identifier: MIT
/* Loading a disk's GPT and the verdict on whether it may be changed.
 * Backup location: the primary's AlternateLBA when the primary header is
 * sound, else the last LBA (Linux efi.c find_valid_gpt, EDK2 PartitionDxe). */
#include "gpt_internal.h"

void gpt_table_release(struct gpt_table *t)
{
	if (!t->dev)
		return;
	bdev_free(t->dev, t->mbr, t->dev->block_size);
	t->mbr = NULL;
	gpt_table_free_scratch(t->dev, t);
	gpt_copy_release(t->dev, &t->primary);
	gpt_copy_release(t->dev, &t->backup);
}

const struct gpt_copy *gpt_good_copy(const struct gpt_table *t)
{
	if (t->primary.valid)
		return &t->primary;
	if (t->backup.valid)
		return &t->backup;
	return NULL;
}

const struct gpt_entry *gpt_entry_at(const struct gpt_table *t, uint32_t i)
{
	return gpt_copy_entry(gpt_good_copy(t), i);
}

/* Where to look for the backup header: the primary's AlternateLBA only
 * when the primary is wholly valid, else the last LBA (EDK2 PartitionDxe,
 * Linux efi.c find_valid_gpt). A commit cut after a rebuilt backup was
 * written at the end but before the primary was finished is then read as
 * the firmware reads it. */
/*@ assigns \nothing;
    exits \false; */
static uint64_t backup_location(const struct gpt_table *t)
{
	if (t->primary.valid)
		return le64(&GPT_HDR(t->primary.header)->alternate_lba);
	return t->dev->last_lba;
}

/* Do the copies agree, or differ only by a removal cut short; is the
 * backup misplaced? Each verdict its own function with the fields it
 * sets as its assigns clause: WP then carries gpt_table_readable(t) past
 * it without looking inside (tests/proof/). */
/*@ requires gpt_table_readable(t);
    requires \valid(t);
    requires \valid_read(t->dev);
    assigns t->copies_agree, t->disagree, t->split_by_removal,
            t->backup_misplaced;
    exits \false; */
static void judge_copies(struct gpt_table *t)
{
	t->copies_agree = false;
	gpt_reason_clear(&t->disagree);
	if (t->primary.valid && t->backup.valid)
		t->copies_agree = gpt_compare_copies(&t->primary, &t->backup,
						     &t->disagree) == GPT_OK;
	t->split_by_removal = t->primary.valid && t->backup.valid &&
			  !t->copies_agree &&
			  gpt_copies_split_by_removal(&t->primary, &t->backup);
	t->backup_misplaced = t->backup.valid &&
			      t->backup.lba != t->dev->last_lba;
}

/* The entry checks on the good copy, when the copies allow it. */
/*@ requires gpt_table_readable(t);
    requires \valid(t);
    requires \valid_read(t->dev);
    requires gpt_table_scratch(t);
    assigns t->entries_ok, t->entries_why, t->used[0 .. t->used_count - 1];
    ensures gpt_table_readable(t);
    ensures \old(gpt_table_loaded(t)) ==> gpt_table_loaded(t);
    exits \false; */
static void judge_entries(struct gpt_table *t)
{
	const struct gpt_copy *good = gpt_good_copy(t);

	t->entries_ok = false;
	gpt_reason_clear(&t->entries_why);
	if (good && (t->copies_agree || t->split_by_removal || !t->primary.valid ||
		     !t->backup.valid))
		t->entries_ok = gpt_check_entries(good, t->used,
						  &t->entries_why) == GPT_OK;
}

enum gpt_status gpt_table_alloc_scratch(struct gpt_table *t,
					struct gpt_reason *why)
{
	const struct gpt_copy *good = gpt_good_copy(t);
	uint32_t n;

	t->used_count = 0;
	if (!good)
		return GPT_OK;
	n = good->num_entries;
	t->used = bdev_alloc(t->dev, (size_t)n * sizeof(uint32_t));
	if (!t->used)
		return gpt_fail(why, GPT_E_NOMEM,
				"no memory to check %u entries", n);
	t->used_count = n;
	/* A block of its own, as Eva sees; for WP. */
	//@ assert \separated(t->used + (0 .. n - 1), t, t->dev);
	return GPT_OK;
}

void gpt_table_reset(struct gpt_table *t)
{
	*t = (struct gpt_table){ 0 };
}

void gpt_table_free_scratch(struct blockdev *dev, struct gpt_table *t)
{
	bdev_free(dev, t->used, (size_t)t->used_count * sizeof(uint32_t));
	t->used = NULL;
	t->used_count = 0;
}

void gpt_table_assess(struct gpt_table *t)
{
	judge_copies(t);
	/* What judge_entries requires, a step at a time (WP): the copies'
	 * geometry, the device and the scratch are as they were. */
	//@ assert gpt_table_readable(t);
	/*@ assert t->dev == \at(t->dev, Pre) && t->used == \at(t->used, Pre) &&
	           t->used_count == \at(t->used_count, Pre) &&
	           t->primary.valid == \at(t->primary.valid, Pre) &&
	           t->backup.valid == \at(t->backup.valid, Pre) &&
	           t->primary.num_entries == \at(t->primary.num_entries, Pre) &&
	           t->backup.num_entries == \at(t->backup.num_entries, Pre); */
	//@ assert gpt_table_scratch(t);
	judge_entries(t);
}

/* LBA 0 and both copies read into t: gpt_load without the verdicts
 * (gpt_table_assess), a function of its own so that WP proves
 * gpt_table_loaded(t) here and gpt_table_assess only keeps it. */
/*@ requires \valid(t);
    requires \valid(dev);
    requires \separated(t, dev, why);
    assigns *t, *why, \at(t->mbr, Post)[0 .. dev->block_size - 1],
            \at(t->primary.header, Post)[0 .. dev->block_size - 1],
            \at(t->primary.array, Post)[0 .. (integer)\at(t->primary.array_blocks, Post) *
                                            dev->block_size - 1],
            \at(t->backup.header, Post)[0 .. dev->block_size - 1],
            \at(t->backup.array, Post)[0 .. (integer)\at(t->backup.array_blocks, Post) *
                                           dev->block_size - 1];
    ensures t->dev == dev;
    ensures dev->block_size == \old(dev->block_size);
    ensures t->used == \null;
    ensures \result == GPT_OK ==> gpt_table_loaded(t);
    exits \false; */
static enum gpt_status gpt_table_read(struct blockdev *dev,
				      struct gpt_table *t,
				      struct gpt_reason *why)
{
	enum gpt_status st;

	gpt_table_reset(t);
	t->dev = dev;
	if (!bdev_block_size_ok(dev->block_size))
		return gpt_fail(why, GPT_E_UNSUPPORTED,
				"block size %u is not a power of two in "
				"512..4096", dev->block_size);
	if (dev->last_lba < GPT_MIN_DISK_BLOCKS - 1)
		return gpt_fail(why, GPT_E_NOT_GPT,
				"disk of %llu blocks is too small for a GPT",
				(unsigned long long)dev->last_lba + 1);
	t->mbr = bdev_alloc(dev, dev->block_size);
	if (!t->mbr)
		return gpt_fail(why, GPT_E_NOMEM, "no memory for LBA 0");
	/* Each buffer read into is a block of its own (Eva); so a read left
	 * the table, the device and the buffers read before as they were
	 * (WP). */
	//@ assert \separated(t->mbr + (0 .. dev->block_size - 1), t, dev, why);
	st = bdev_read(dev, 0, 1, t->mbr, why);
	if (st != GPT_OK)
		return st;
	t->mbr_kind = mbr_classify(t->mbr, &t->mbr_why);

	st = gpt_read_copy(dev, GPT_PRIMARY_HEADER_LBA, "primary",
			   &t->primary, why);
	if (st != GPT_OK)
		return st;
	/* Stated after each copy's read: the sizes gpt_read_copy's
	 * assigns clause names are the ones this contract names (WP). */
	//@ assert dev->block_size == \at(dev->block_size, Pre);
	/*@ assert \separated(t->primary.header + (0 .. dev->block_size - 1),
	                      t->primary.array + (0 .. (integer)t->primary.array_blocks *
	                                                 dev->block_size - 1),
	                      t, dev, t->mbr + (0 .. dev->block_size - 1)); */
	//@ assert gpt_copy_blocks(&t->primary, dev->block_size);
	st = gpt_read_copy(dev, backup_location(t), "backup", &t->backup, why);
	if (st != GPT_OK)
		return st;
	//@ assert dev->block_size == \at(dev->block_size, Pre);
	/*@ assert \separated(t->backup.header + (0 .. dev->block_size - 1),
	                      t->backup.array + (0 .. (integer)t->backup.array_blocks *
	                                                dev->block_size - 1),
	                      t, dev, t->mbr + (0 .. dev->block_size - 1)); */
	/* gpt_table_loaded(t), one copy at a time (WP proves each in a
	 * fraction of the time it takes for the two together). */
	//@ assert gpt_copy_readable(&t->backup);
	//@ assert gpt_copy_readable(&t->primary);
	//@ assert gpt_copy_blocks(&t->backup, dev->block_size);
	//@ assert gpt_copy_blocks(&t->primary, dev->block_size);
	return GPT_OK;
}

/* The contract is here, not in gpt.h: a prototype's contract without
 * assigns gets a default one no tool can check where the body is not
 * analysed (tests/proof/, the option parser's harnesses). Every block it
 * writes is named by its value at the end (a caller keeps the blocks it
 * allocated itself valid across the call: verify_target). */
/*@ requires \valid(t);
    requires \valid(dev);
    requires \separated(t, dev, why);
    assigns *t, *why, \at(t->mbr, Post)[0 .. dev->block_size - 1],
            \at(t->primary.header, Post)[0 .. dev->block_size - 1],
            \at(t->primary.array, Post)[0 .. (integer)\at(t->primary.array_blocks, Post) *
                                            dev->block_size - 1],
            \at(t->backup.header, Post)[0 .. dev->block_size - 1],
            \at(t->backup.array, Post)[0 .. (integer)\at(t->backup.array_blocks, Post) *
                                           dev->block_size - 1],
            \at(t->used, Post)[0 .. \at(t->used_count, Post) - 1];
    ensures t->dev == dev;
    ensures dev->block_size == \old(dev->block_size);
    ensures \result == GPT_OK ==> gpt_table_loaded(t);
    exits \false; */
enum gpt_status gpt_load(struct blockdev *dev, struct gpt_table *t,
			 struct gpt_reason *why)
{
	enum gpt_status st = gpt_table_read(dev, t, why);

	if (st != GPT_OK)
		return st;
	st = gpt_table_alloc_scratch(t, why);
	if (st != GPT_OK)
		return st;
	gpt_table_assess(t);
	return GPT_OK;
}

/*@ assigns *why; exits \false; */
enum gpt_status gpt_check_table(const struct gpt_table *t,
				enum gpt_repair repair,
				struct gpt_reason *why)
{
	const struct gpt_copy *p = &t->primary, *b = &t->backup;

	if (!p->present && !b->present) {
		if (t->mbr_kind == MBR_PROTECTIVE || t->mbr_kind == MBR_HYBRID)
			return gpt_fail(why, GPT_E_DAMAGED,
					"protective MBR present, but no GPT "
					"header at LBA 1 or at LBA %llu",
					(unsigned long long)b->lba);
		return gpt_fail(why, GPT_E_NOT_GPT, "no GPT (%s)",
				t->mbr_kind == MBR_ONLY ? "MBR disk" :
							  "blank or unknown");
	}
	/* Linux and EDK2 ignore a GPT without a protective MBR. */
	if (t->mbr_kind == MBR_NONE || t->mbr_kind == MBR_ONLY)
		return gpt_fail(why, GPT_E_DAMAGED,
				"protective MBR missing (%s): the firmware "
				"would not use this GPT", t->mbr_why.text);
	if (!p->valid && !b->valid)
		return gpt_fail(why, GPT_E_DAMAGED, "both copies bad: %s; %s",
				p->why.text, b->why.text);
	if (!p->valid || !b->valid) {
		const struct gpt_copy *bad = p->valid ? b : p;

		if (repair != GPT_REPAIR_ALLOW)
			return gpt_fail(why, GPT_E_DAMAGED,
					"%s; --repair rebuilds it from the %s "
					"copy", bad->why.text,
					p->valid ? "primary" : "backup");
	} else if (t->split_by_removal && repair != GPT_REPAIR_ALLOW) {
		return gpt_fail(why, GPT_E_DAMAGED,
				"%s, removed in one copy only (a removal cut "
				"short?); --repair rewrites the backup from the "
				"primary", t->disagree.text);
	} else if (!t->copies_agree && !t->split_by_removal) {
		return gpt_fail(why, GPT_E_DAMAGED, "%s", t->disagree.text);
	}
	if (!t->entries_ok)
		return gpt_fail(why, GPT_E_DAMAGED, "%s", t->entries_why.text);
	return GPT_OK;
}

enum gpt_status gpt_plan_removals(const struct gpt_table *t,
				  const struct gpt_guid *types, size_t ntypes,
				  struct gpt_plan *plan, struct gpt_reason *why)
{
	const struct gpt_copy *c = gpt_good_copy(t);
	uint32_t n = 0;

	plan->count = 0;
	if (!c)
		return gpt_fail(why, GPT_E_DAMAGED, "no valid GPT copy");
	/* Counted in a local and stored at each return: Frama-C Eva
	 * (tests/proof/) then bounds the count by GPT_PLAN_MAX. */
	/*@ loop invariant 0 <= i <= c->num_entries && n <= GPT_PLAN_MAX;
	    loop invariant \forall integer k; 0 <= k < n ==>
	                     plan->index[k] < c->num_entries;
	    loop assigns i, n, plan->index[0 .. GPT_PLAN_MAX - 1]; */
	for (uint32_t i = 0; i < c->num_entries; i++) {
		const struct gpt_entry *e = gpt_copy_entry(c, i);
		bool match = false;

		/*@ loop assigns k, match; */
		for (size_t k = 0; k < ntypes && !match; k++)
			match = guid_equal(&e->type_guid, &types[k]);
		if (!match)
			continue;
		if (n >= GPT_PLAN_MAX) {
			plan->count = n;
			return gpt_fail(why, GPT_E_LIMIT,
					"more than %u entries match; refusing "
					"such an unusual table", GPT_PLAN_MAX);
		}
		plan->index[n++] = i;
	}
	plan->count = n;
	return GPT_OK;
}
