/* SPDX-License-Identifier: MIT */
/* The GPT model and operations of the portable core: load and validate both
 * copies, plan removals, commit them safely, back up and restore.
 * Rules: UEFI 2.10 §5.2-5.3, Linux block/partitions/efi.c, EDK2 PartitionDxe,
 * gptfdisk; see docs/design.md "The GPT rules we enforce" and "Changing a
 * disk". */
#ifndef GPTRIM_GPT_H
#define GPTRIM_GPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "blockdev.h"
#include "gpt_ondisk.h"
#include "gpt_status.h"

enum mbr_kind {
	MBR_NONE,       /* no 0x55AA signature at LBA 0 */
	MBR_PROTECTIVE, /* one 0xEE record starting at LBA 1, nothing else */
	MBR_HYBRID,     /* an 0xEE record and other records */
	MBR_ONLY,       /* a legacy MBR without an 0xEE record */
};

/* One copy of the GPT (header + entry array) as read from the disk. */
struct gpt_copy {
	bool present;           /* a header signature was found */
	bool valid;             /* header and array passed every check */
	struct gpt_reason why;  /* the first failed check when !valid */
	uint64_t lba;           /* where the header was read */
	uint8_t *header;        /* one block as read; NULL if unread */
	uint8_t *array;         /* array_blocks blocks as read, or NULL */
	uint64_t array_lba;
	uint32_t array_blocks;
	uint32_t num_entries;
	uint32_t entry_size;
};

struct gpt_table {
	struct blockdev *dev;
	uint8_t *mbr;                  /* LBA 0, one block */
	enum mbr_kind mbr_kind;
	struct gpt_reason mbr_why;     /* why not protective, if it is not */
	struct gpt_copy primary;
	struct gpt_copy backup;
	bool copies_agree;             /* both valid and consistent */
	struct gpt_reason disagree;    /* first difference when not */
	bool backup_misplaced;         /* valid backup before the last LBA */
	/* Both copies valid and alike but for entries one of them has
	 * zeroed: a removal cut between the copies (the backup goes first,
	 * or the primary when it is being rebuilt). --repair takes the
	 * primary, the copy the firmware and Linux use, and rewrites the
	 * backup. */
	bool split_by_removal;
	bool entries_ok;               /* used entries in range, no overlap */
	struct gpt_reason entries_why;
	/* The entry checks' scratch (an index per entry of the good copy),
	 * held until gpt_table_release: gpt_load then hands back every
	 * block it allocates, and its assigns clause can name them all
	 * (tests/proof/README.md). */
	uint32_t *used;
	uint32_t used_count;
};

/* For the proof (tests/proof/README.md): what every reader of a copy's
 * entries relies on. A copy whose array is set holds num_entries entries
 * of entry_size >= 128 bytes in it; a valid copy has its array. gpt_load
 * ensures it of both copies; the readers require it. */
/*@ lemma gpt_mul_monotonic: \forall integer a, b, k;
      0 <= a <= b && 0 <= k ==> a * k <= b * k;
    predicate gpt_copy_readable(struct gpt_copy *c) =
      \valid_read(c) &&
      (c->valid ==> c->array != \null) &&
      (c->array != \null ==>
         GPT_ENTRY_MIN_SIZE <= c->entry_size &&
         (integer)c->num_entries * c->entry_size <= GPT_ARRAY_MAX_BYTES &&
         \valid_read(c->array +
                     (0 .. (integer)c->num_entries * c->entry_size - 1)));
    predicate gpt_entry_readable(struct gpt_entry *e) =
      \valid_read((uint8_t *)e + (0 .. sizeof(struct gpt_entry) - 1));
    predicate gpt_table_readable(struct gpt_table *t) =
      \valid_read(t) && gpt_copy_readable(&t->primary) &&
      gpt_copy_readable(&t->backup);
*/
/* ... and what the commit relies on besides (block size bs): a valid copy
 * read from the disk has its header block and its array's blocks whole
 * (the commit copies and compares them whole), and LBA 0 is loaded.
 * gpt_load ensures it; gpt_copy_judge's borrowed buffers need not. */
/*@ predicate gpt_copy_blocks(struct gpt_copy *c, integer bs) =
      c->valid ==>
        \valid_read(c->header + (0 .. bs - 1)) && 1 <= c->array_blocks &&
        (integer)c->num_entries * c->entry_size <=
          (integer)c->array_blocks * bs &&
        \valid_read(c->array + (0 .. (integer)c->array_blocks * bs - 1));
    predicate gpt_table_blocks(struct gpt_table *t, integer bs) =
      gpt_copy_blocks(&t->primary, bs) && gpt_copy_blocks(&t->backup, bs) &&
      \valid_read(t->mbr + (0 .. bs - 1));
    predicate gpt_table_loaded(struct gpt_table *t) =
      gpt_table_readable(t) && \valid_read(t->dev) &&
      gpt_table_blocks(t, t->dev->block_size);
*/
/* ... and the entry checks' scratch (gpt_table_alloc_scratch): an index
 * per entry of the good copy, in a block apart from the table. */
/*@ predicate gpt_table_scratch(struct gpt_table *t) =
      (t->primary.valid ==> t->used_count == t->primary.num_entries) &&
      (!t->primary.valid && t->backup.valid ==>
         t->used_count == t->backup.num_entries) &&
      \valid(t->used + (0 .. t->used_count - 1)) &&
      \separated(t->used + (0 .. t->used_count - 1), t, t->dev);
*/

/* The smallest disk that holds a GPT: the protective MBR at LBA 0, the
 * primary header at LBA 1, an entry array block, the backup header at the
 * last LBA (UEFI 2.10 §5.3.1). gpt_load calls a smaller disk GPT_E_NOT_GPT. */
#define GPT_MIN_DISK_BLOCKS 4u

/* Read LBA 0, both headers and both arrays and validate them. Nothing is
 * written. Returns GPT_OK when the disk could be read (the verdict is in
 * the table), or an I/O / memory error. Release with gpt_table_release. */
enum gpt_status gpt_load(struct blockdev *dev, struct gpt_table *t,
			 struct gpt_reason *why);
/*@ exits \false; */
void gpt_table_release(struct gpt_table *t);

/* The copy that is the source of truth: primary if valid, else backup
 * (the EDK2 rule), else NULL. */
/*@ requires gpt_table_readable(t);
    assigns \nothing;
    ensures \result == \null || \result == &t->primary ||
            \result == &t->backup;
    ensures \result != \null ==> gpt_copy_readable(\result) &&
                                  \result->array != \null;
    ensures t->primary.valid ==> \result == &t->primary;
    ensures !t->primary.valid && t->backup.valid ==> \result == &t->backup;
    ensures !t->primary.valid && !t->backup.valid ==> \result == \null;
    exits \false; */
const struct gpt_copy *gpt_good_copy(const struct gpt_table *t);

/* What a check or a commit may do beyond removing entries (--repair).
 * The values are those of false and true, so older callers passing a bool
 * still mean the same. */
enum gpt_repair {
	GPT_REPAIR_NONE = 0,  /* both copies must be valid */
	GPT_REPAIR_ALLOW = 1, /* one bad copy is rebuilt from the good one */
};

/* May this table be changed? GPT_OK, or GPT_E_NOT_GPT / GPT_E_DAMAGED with
 * the failed check. With GPT_REPAIR_ALLOW one bad copy is accepted (it will
 * be rebuilt from the good one); copies that are each valid but disagree
 * are always refused. */
enum gpt_status gpt_check_table(const struct gpt_table *t,
				enum gpt_repair repair,
				struct gpt_reason *why);

/* Used entry i of the good copy (NULL when out of range). The entry may be
 * larger than struct gpt_entry; only the first 128 bytes are described. */
/*@ requires gpt_table_readable(t);
    assigns \nothing;
    ensures \result == \null || gpt_entry_readable(\result);
    exits \false; */
const struct gpt_entry *gpt_entry_at(const struct gpt_table *t, uint32_t i);
/*@ requires gpt_entry_readable(e);
    assigns \nothing;
    exits \false; */
bool gpt_entry_used(const struct gpt_entry *e);

#define GPT_PLAN_MAX 128u
#define GPT_TYPES_MAX 8u

struct gpt_plan {
	uint32_t count;
	uint32_t index[GPT_PLAN_MAX]; /* entry indices, ascending */
};
/* A plan for num entries, for copy c: each index one of the entries. */
/*@ predicate gpt_plan_in(struct gpt_plan *p, integer num) =
      \valid_read(p) && p->count <= GPT_PLAN_MAX &&
      \forall integer k; 0 <= k < p->count ==> p->index[k] < num;
    predicate gpt_plan_fits(struct gpt_plan *p, struct gpt_copy *c) =
      gpt_plan_in(p, c->num_entries);
*/

/* Select the used entries whose type is one of types[0..ntypes). */
/*@ requires gpt_table_readable(t);
    requires \valid_read(types + (0 .. ntypes - 1));
    requires \valid(plan) && \separated(plan, t);
    assigns *plan, *why;
    ensures \result == GPT_OK ==>
            gpt_plan_fits(plan, t->primary.valid ? &t->primary : &t->backup);
    exits \false;
*/
enum gpt_status gpt_plan_removals(const struct gpt_table *t,
				  const struct gpt_guid *types, size_t ntypes,
				  struct gpt_plan *plan, struct gpt_reason *why);

struct gpt_commit_result {
	uint32_t blocks_written;
	uint32_t write_calls;
	uint32_t flushes;
	uint32_t removed;
	bool rebuilt_primary;  /* --repair rebuilt it from the backup */
	bool rebuilt_backup;
	bool backup_moved;     /* grown disk: backup moved to the last LBA */
	uint64_t old_backup_lba;
	uint64_t new_backup_lba;
	uint64_t old_last_usable;
	uint64_t new_last_usable;
	bool stale_erased;     /* restore: the replaced backup copy erased */
	uint64_t stale_lba;
};

/* Would gpt_commit_removals write anything: entries to remove, a bad copy
 * to rebuild, a removal cut short to finish? */
/*@ assigns \nothing; exits \false; */
bool gpt_commit_needed(const struct gpt_table *t, const struct gpt_plan *plan);

/* Everything gpt_commit_removals checks before its first write (the table,
 * and that a bad or misplaced copy can be placed), without writing: a
 * front end calls it before saving the backup. */
enum gpt_status gpt_check_commit(const struct gpt_table *t,
				 const struct gpt_plan *plan,
				 enum gpt_repair repair, struct gpt_reason *why);

/* Zero each planned entry in place (never compact), rebuild a bad copy with
 * GPT_REPAIR_ALLOW, move a misplaced backup to the end, and write only the
 * blocks that change: backup array, backup header, flush, primary array,
 * primary header, flush. Then re-read and validate both copies; a mismatch
 * is GPT_E_VERIFY. The table must pass gpt_check_table first. With an empty
 * plan and nothing to repair, nothing is written. On success the table is
 * reloaded to the new state. */
enum gpt_status gpt_commit_removals(struct gpt_table *t,
				    const struct gpt_plan *plan,
				    enum gpt_repair repair,
				    struct gpt_commit_result *res,
				    struct gpt_reason *why);

/* sgdisk --backup format: 512-byte slots for the protective MBR, the main
 * header and the backup header, then the entry array (num x size bytes),
 * whatever the block size. */
#define GPT_BACKUP_SLOT 512u
/* The largest backup file: three slots and the largest entry array the
 * loader accepts. Both front ends read backups up to this size. */
#define GPT_BACKUP_MAX_BYTES (3u * GPT_BACKUP_SLOT + GPT_ARRAY_MAX_BYTES)

/* Can the format hold this table? A header larger than a slot cannot be
 * stored: GPT_E_UNSUPPORTED, with the reason. */
enum gpt_status gpt_check_backup(const struct gpt_table *t,
				 struct gpt_reason *why);
/* Bytes gpt_backup_encode produces for t (0 if t has no good copy). */
size_t gpt_backup_size(const struct gpt_table *t);
enum gpt_status gpt_backup_encode(const struct gpt_table *t, uint8_t *out,
				  size_t cap, size_t *len,
				  struct gpt_reason *why);

/* A decoded backup file; pointers into the caller's buffer. */
struct gpt_backup {
	const uint8_t *mbr;
	const uint8_t *main_header;
	const uint8_t *backup_header;
	const uint8_t *array;
	uint32_t array_bytes;
};
/* For the proof (tests/proof/README.md): a decoded backup's slots and
 * entry array lie in the file. gpt_backup_decode ensures it; its readers
 * require it. */
/*@ predicate gpt_backup_whole(struct gpt_backup *b) =
      \valid_read(b->mbr + (0 .. GPT_BACKUP_SLOT - 1)) &&
      \valid_read(b->main_header + (0 .. GPT_BACKUP_SLOT - 1)) &&
      \valid_read(b->backup_header + (0 .. GPT_BACKUP_SLOT - 1)) &&
      0 < b->array_bytes <= GPT_ARRAY_MAX_BYTES &&
      \valid_read(b->array + (0 .. b->array_bytes - 1));
*/
/* Check a backup file on its own: sizes, signatures, CRCs, consistency.
 * b points into buf. */
/*@ requires \valid_read(buf + (0 .. len - 1));
    requires \valid(b) && \valid(why);
    requires \separated(buf + (0 .. len - 1), b, why);
    requires \separated(b, why);
    assigns *b, *why;
    ensures \result == GPT_OK ==> gpt_backup_whole(b);
    exits \false; */
enum gpt_status gpt_backup_decode(const uint8_t *buf, size_t len,
				  struct gpt_backup *b, struct gpt_reason *why);
/* Does an encoded backup (buf, len bytes) decode, and would it put back
 * t's MBR, disk GUID, entry geometry and entry array byte for byte?
 * GPT_E_IO with the difference otherwise: a backup that cannot restore
 * the table is a failed backup. The driver checks every backup it encodes
 * with it before handing it to the front end (a --restore over a table
 * whose bad copy cannot be rebuilt excepted: that backup keeps the table
 * as read, and is saved with a warning). Nothing is read or written. */
/*@ requires gpt_table_readable(t);
    requires \valid_read(buf + (0 .. len - 1));
    requires \valid(why) && \separated(why, t, buf + (0 .. len - 1));
    exits \false; */
enum gpt_status gpt_backup_verify(const struct gpt_table *t,
				  const uint8_t *buf, size_t len,
				  struct gpt_reason *why);
/* Does a decoded backup belong to the disk t was loaded from (sector size,
 * a disk at least as large as its backup header's LBA, disk GUID when the
 * disk has a valid GPT), and would the loader accept the table it writes
 * (protective or hybrid MBR, both headers, the arrays, the entries)?
 * Nothing is written. */
/*@ requires gpt_table_loaded(t);
    requires 512 <= t->dev->block_size <= 4096;
    requires \valid_read(b) && gpt_backup_whole(b);
    requires \valid(why) && \separated(why, t, t->dev, b);
    exits \false; */
enum gpt_status gpt_check_restore(const struct gpt_table *t,
				  const struct gpt_backup *b,
				  struct gpt_reason *why);
/* --undo: is the table t holds exactly what gptrim's change left of the
 * table in backup b? The same MBR, disk GUID and geometry (entry count
 * and size, FirstUsableLBA, the primary array's LBA, every header byte
 * but the CRCs and locations), the backup copy where b has it or moved
 * further out with its array just before it and LastUsableLBA just before
 * that (gptrim's commit on a grown disk), and the same entries but for at
 * least one that is used in b and all zero on the disk. *restored receives
 * how many (0 on failure). t must be sound (both copies valid and
 * agreeing): GPT_E_DAMAGED otherwise; any other difference is
 * GPT_E_MISMATCH naming the first one found. A second --undo after a
 * successful one therefore fails: nothing is zero on the disk that is used
 * in the newest backup. Pure: nothing is read or written, and
 * gpt_check_restore (sector size, the loader's rules) is still needed
 * before gpt_restore. */
/*@ requires gpt_table_readable(t);
    requires \valid_read(b) && gpt_backup_whole(b);
    requires \valid(restored) && \valid(why);
    requires \separated(restored, t, b, why);
    requires \separated(why, t, b);
    exits \false; */
enum gpt_status gpt_check_undo(const struct gpt_table *t,
			       const struct gpt_backup *b, uint32_t *restored,
			       struct gpt_reason *why);
/* Write a decoded backup back to the disk t was loaded from, after
 * gpt_check_restore. Every copy goes where the backup says it was (on a
 * grown disk the backup GPT goes back before the end); the disk's current
 * backup copy, when the restored table has it elsewhere, is erased after
 * the restored table is durable. Same ordered commit and read-back as
 * removals; the protective MBR is written last. */
enum gpt_status gpt_restore(struct gpt_table *t, const struct gpt_backup *b,
			    struct gpt_commit_result *res,
			    struct gpt_reason *why);

/*@ requires \valid_read((const uint8_t *)data + (0 .. len - 1));
    assigns \nothing;
    exits \false; */
uint32_t crc32_calc(const void *data, size_t len);
/*@ requires \valid_read((const uint8_t *)data + (0 .. len - 1));
    assigns \nothing;
    exits \false; */
uint32_t crc32_update(uint32_t crc, const void *data, size_t len);

#endif
