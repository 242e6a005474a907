/* SPDX-License-Identifier: MIT */
/* Private to core/: checks and the write engine shared by load, commit and
 * restore. */
#ifndef GPTRIM_GPT_INTERNAL_H
#define GPTRIM_GPT_INTERNAL_H

#include "gpt.h"
#include "strbuf.h"
#include "guid.h"

/* Overflow-checked arithmetic; false on overflow. */
/*@ assigns *r;
    exits \false; */
static inline bool u64_mul(uint64_t a, uint64_t b, uint64_t *r)
{
	*r = a * b;
	return a == 0 || *r / a == b;
}
/*@ assigns *r;
    exits \false; */
static inline bool u64_add(uint64_t a, uint64_t b, uint64_t *r)
{
	*r = a + b;
	return *r >= a;
}

/* The bytes of blocks blocks of bs bytes: both 32-bit, so no overflow;
 * said as a contract so that WP need not find it again at each use. */
/*@ assigns \nothing;
    ensures \result == (integer)blocks * bs;
    exits \false; */
static inline size_t bdev_bytes(uint32_t blocks, uint32_t bs)
{
	//@ assert (integer)blocks * bs <= (integer)4294967295 * bs;
	//@ assert (integer)4294967295 * bs <= (integer)4294967295 * 4294967295;
	return (size_t)blocks * bs;
}

/* Does backup b's entry array hold c's entries? The decode's size check
 * and the geometry checks make it so; said again where the file's array is
 * read, so that each read is bounded where it happens (tests/proof/). */
/*@ requires \valid_read(b) && \valid_read(c);
    assigns \nothing;
    ensures \result <==>
            (integer)c->num_entries * c->entry_size <= b->array_bytes;
    exits \false; */
static inline bool gpt_backup_holds(const struct gpt_backup *b,
				    const struct gpt_copy *c)
{
	return (uint64_t)c->num_entries * c->entry_size <= b->array_bytes;
}

/* Two copies' entry arrays must not share a block, or writing one would
 * overwrite the other. */
/*@ assigns *why; exits \false; */
enum gpt_status gpt_check_arrays_apart(const struct gpt_copy *a,
				       const struct gpt_copy *b,
				       struct gpt_reason *why);

/* Check the header in block (read from lba) against every rule of UEFI
 * §5.3.2 that needs no entry array; fill c's geometry. */
/*@ assigns c->array_lba, c->array_blocks, c->num_entries, c->entry_size,
            *why;
    exits \false; */
enum gpt_status gpt_check_header(const struct blockdev *dev,
				 const uint8_t *block, uint64_t lba,
				 const char *name, struct gpt_copy *c,
				 struct gpt_reason *why);
/* Read the header at lba and its array into c and validate both. I/O and
 * memory failures are returned; a failed check only marks c invalid. */
/*@ requires \valid(c);
    requires \valid_read(dev);
    requires \separated(c, dev, why);
    assigns *c, *why, \at(c->header, Post)[0 .. dev->block_size - 1],
            \at(c->array, Post)[0 .. (integer)\at(c->array_blocks, Post) *
                                     dev->block_size - 1];
    ensures \result == GPT_OK ==> gpt_copy_readable(c);
    ensures \result == GPT_OK ==> gpt_copy_blocks(c, dev->block_size);
    exits \false; */
enum gpt_status gpt_read_copy(struct blockdev *dev, uint64_t lba,
			      const char *name, struct gpt_copy *c,
			      struct gpt_reason *why);
/*@ exits \false; */
void gpt_copy_release(struct blockdev *dev, struct gpt_copy *c);
/* The same checks on a header block and its array already in memory (read
 * at, or to be written to, lba; array_cap bytes at array). c borrows the
 * buffers: never gpt_copy_release it. */
/*@ requires \valid(c) && \valid_read(dev) && 512 <= dev->block_size;
    requires \valid_read(header + (0 .. dev->block_size - 1));
    requires \valid_read(array + (0 .. array_cap - 1));
    assigns *c;
    ensures gpt_copy_readable(c);
    exits \false; */
void gpt_copy_judge(const struct blockdev *dev, uint8_t *header,
		    uint8_t *array, size_t array_cap, uint64_t lba,
		    const char *name, struct gpt_copy *c);
/* The entry checks' scratch for the good copy (t->used), allocated before
 * the verdicts: gpt_table_assess then writes only into blocks that exist
 * when it is called, which its assigns clause names (tests/proof/).
 * GPT_E_NOMEM, or GPT_OK (nothing allocated when no copy is valid). t
 * holds none yet. */
/*@ requires gpt_table_readable(t);
    requires \valid(t) && \valid_read(t->dev);
    requires \separated(why, t, t->dev);
    requires t->used == \null;
    assigns t->used, t->used_count, *why;
    ensures \result == GPT_OK ==> gpt_table_scratch(t);
    ensures gpt_table_readable(t);
    ensures \old(gpt_table_loaded(t)) ==> gpt_table_loaded(t);
    exits \false; */
enum gpt_status gpt_table_alloc_scratch(struct gpt_table *t,
					struct gpt_reason *why);
/* An empty table, holding nothing: a typed copy, which WP follows (the
 * bytes mem_zero writes through a cast it does not), in a function of its
 * own so that its callers' goals do not carry every field's value
 * (tests/proof/README.md, tenth round). */
/*@ requires \valid(t);
    assigns *t;
    ensures t->used == \null && t->used_count == 0;
    exits \false; */
void gpt_table_reset(struct gpt_table *t);
/* Give the scratch back to dev (t->dev, or the device of a table still
 * being built) and forget it; t may hold none. */
/*@ requires \valid(t);
    assigns t->used, t->used_count;
    ensures t->used == \null && t->used_count == 0;
    exits \false; */
void gpt_table_free_scratch(struct blockdev *dev, struct gpt_table *t);
/* The verdicts on a table whose copies are read: do they agree, is the
 * backup misplaced, are the entries sound. */
/*@ requires gpt_table_readable(t);
    requires \valid(t);
    requires \valid_read(t->dev);
    requires gpt_table_scratch(t);
    assigns t->copies_agree, t->disagree, t->split_by_removal,
            t->backup_misplaced, t->entries_ok, t->entries_why,
            t->used[0 .. t->used_count - 1];
    ensures gpt_table_readable(t);
    ensures \old(gpt_table_loaded(t)) ==> gpt_table_loaded(t);
    exits \false; */
void gpt_table_assess(struct gpt_table *t);

/* Entry i of copy c, or NULL when out of range. */
/*@ requires c == \null || gpt_copy_readable(c);
    assigns \nothing;
    ensures \result == \null || gpt_entry_readable(\result);
    ensures c != \null && c->array != \null && i < c->num_entries ==>
            \result != \null;
    exits \false; */
const struct gpt_entry *gpt_copy_entry(const struct gpt_copy *c, uint32_t i);

/* Used entries: in range, start <= end, no overlap, unique GUIDs unique.
 * used: room for num_entries indices, the caller's (see
 * gpt_table_alloc_scratch). */
/*@ requires gpt_copy_readable(c) && c->array != \null;
    requires \valid(used + (0 .. c->num_entries - 1));
    requires \separated(used + (0 .. c->num_entries - 1), why, c);
    assigns used[0 .. c->num_entries - 1], *why;
    exits \false; */
enum gpt_status gpt_check_entries(const struct gpt_copy *c, uint32_t *used,
				  struct gpt_reason *why);
/* Do two headers (read at p_lba, b_lba) describe one table and point at
 * each other? who starts the reason. */
/*@ assigns *why; exits \false; */
enum gpt_status gpt_compare_header_pair(const struct gpt_header *ph,
					uint64_t p_lba,
					const struct gpt_header *bh,
					uint64_t b_lba, const char *who,
					struct gpt_reason *why);
/* Do two valid copies agree and cross-link? */
/*@ requires gpt_copy_readable(primary) && gpt_copy_readable(backup);
    requires primary->array != \null && backup->array != \null;
    requires \separated(why, primary, backup);
    assigns *why;
    exits \false; */
enum gpt_status gpt_compare_copies(const struct gpt_copy *primary,
				   const struct gpt_copy *backup,
				   struct gpt_reason *why);
/* Both valid, and alike but for entries one of them has zeroed: a
 * removal cut between the two copies. */
/*@ requires gpt_copy_readable(primary) && gpt_copy_readable(backup);
    requires primary->array != \null && backup->array != \null;
    assigns \nothing;
    exits \false; */
bool gpt_copies_split_by_removal(const struct gpt_copy *primary,
				 const struct gpt_copy *backup);
/*@ assigns *why;
    exits \false; */
enum mbr_kind mbr_classify(const uint8_t *mbr, struct gpt_reason *why);

/* CRC of the first size bytes of a header, its CRC field taken as zero. */
/*@ requires 20 <= size;
    requires \valid_read(header + (0 .. size - 1));
    assigns \nothing;
    exits \false; */
uint32_t gpt_header_crc(const uint8_t *header, uint32_t size);
/* Recompute a header block's array and header CRCs; GPT_E_DAMAGED, and
 * nothing changed, if its HeaderSize does not fit the block. */
/*@ requires 512 <= block_size;
    requires \valid(header + (0 .. block_size - 1));
    requires \valid_read(array + (0 .. array_bytes - 1));
    assigns header[0 .. block_size - 1], *why;
    exits \false; */
enum gpt_status gpt_header_seal(uint8_t *header, uint32_t block_size,
				const uint8_t *array, uint64_t array_bytes,
				struct gpt_reason *why);

/* A complete GPT to put on the disk: both copies share one array. */
/* The two copies by name: the arrays of both below are indexed by them. */
enum gpt_copy_index { GPT_COPY_BACKUP = 0, GPT_COPY_PRIMARY = 1, GPT_COPIES };
struct gpt_target {
	const uint8_t *array;       /* array_blocks blocks */
	uint32_t array_blocks;
	const uint8_t *header[GPT_COPIES]; /* one block each, sealed */
	uint64_t header_lba[GPT_COPIES];
	uint64_t array_lba[GPT_COPIES];
	const uint8_t *mbr;         /* one block, or NULL to leave LBA 0 */
	bool primary_first;         /* the on-disk primary is the bad copy */
};
/* For the proof: a target the write engine may hand to the disk whole
 * (block size bs). gpt_target_build ensures it; the writers require it. */
/*@ predicate gpt_target_whole(struct gpt_target *tg, integer bs) =
      \valid_read(tg) && 1 <= tg->array_blocks &&
      \valid_read(tg->array + (0 .. (integer)tg->array_blocks * bs - 1)) &&
      \valid_read(tg->header[0] + (0 .. bs - 1)) &&
      \valid_read(tg->header[1] + (0 .. bs - 1)) &&
      (tg->mbr != \null ==> \valid_read(tg->mbr + (0 .. bs - 1)));
*/
/* The table t becomes once plan's entries are removed, a bad copy rebuilt
 * from the good one and a misplaced backup moved to the end. */
struct gpt_target_bufs {
	uint8_t *array;
	uint8_t *header[GPT_COPIES];
	size_t array_bytes;
};
enum gpt_status gpt_target_build(const struct gpt_table *t,
				 const struct gpt_plan *plan,
				 struct gpt_target_bufs *b, struct gpt_target *tg,
				 struct gpt_commit_result *res,
				 struct gpt_reason *why);
/*@ exits \false; */
void gpt_target_free(struct blockdev *dev, struct gpt_target_bufs *b);

/* Write the blocks of target that differ from the disk, in the safe order,
 * then re-read and validate. */
/*@ requires \valid(dev) && 512 <= dev->block_size;
    requires gpt_target_whole(target, dev->block_size);
    requires \valid(res);
    requires \separated(res, why, target, dev);
    exits \false; */
enum gpt_status gpt_write_target(struct blockdev *dev,
				 const struct gpt_target *target,
				 struct gpt_commit_result *res,
				 struct gpt_reason *why);

#endif
