// SPDX-License-Identifier: MIT
/* Fuzz target: the GPT loader over a disk of any bytes and block size, and
 * everything a run does with what it loaded: the verdict, the plan, the
 * report, the sgdisk backup round trip, restoring that backup, the commit
 * and its read-back, and the per-disk driver of both front ends.
 *
 * Input layout:
 *   byte 0  bits 0-1  block size 512 << n
 *           bits 2-5  types to remove besides Windows RE: EFI system,
 *                     Microsoft basic data, Microsoft reserved, Linux data
 *           bit 6     also run gptrim_run_disk --apply on a fresh copy
 *           bit 7     ... with --repair
 *   byte 1  a second, faulted pass: 0 none; else bits 6-7 the operation
 *           (alloc, read, write, flush) and bits 0-5 k: its k-th call fails
 *   rest    the disk from LBA 0, zero-padded to whole blocks (at least
 *           MIN_BLOCKS)
 *
 * Invariants (a failure aborts): nothing is written before a commit; the
 * verdicts are consistent with the table; a commit on an honest disk ends
 * with both copies valid, agreeing, holding the old entries minus the
 * planned ones (in place) and converges; a failed commit leaves a copy that
 * is wholly the old table or wholly the new one; a healthy table's backup
 * decodes and restores onto its own disk; after a removal from sound
 * copies gpt_check_undo takes the backup saved before it (the removed
 * entries to put back), and after the restore refuses it (a second
 * --undo); no leak, no stray buffer.
 *
 * A custom mutator recomputes the CRCs of the headers after most mutations
 * so that they reach the checks behind the CRCs. */
#include <stdlib.h>
#include <string.h>

#include "fuzzdisk.h"
#include "fuzzfix.h"
#include "gpt.h"
#include "gptrim.h"
#include "guid.h"
#include "options.h"
#include "report.h"

#define HDR_BYTES 2u
#define MIN_BLOCKS 2u
#define DISK_NAME "fuzz"

struct input {
	const uint8_t *img;
	size_t len;
	uint32_t bs;
	uint64_t last_lba;
	struct gpt_guid types[5];
	uint32_t ntypes;
	unsigned int extra_types; /* bits 2-5 of byte 0, as a mask */
	bool driver, driver_repair;
	enum fd_op fault_op;
	uint32_t fault_k;
};

/* What the clean pass learnt, for the commit and the driver pass. */
struct verdict {
	bool loaded;
	bool backup_must_decode;
	enum gpt_status encode;        /* gpt_backup_encode's status */
	enum gpt_status check_repair, check_plain;
};

static const char *const extra_type_text[4] = {
	"C12A7328-F81F-11D2-BA4B-00A0C93EC93B", /* EFI system */
	"EBD0A0A2-B9E5-4433-87C0-68B6B72699C7", /* Microsoft basic data */
	"E3C9E316-0B5C-4DB8-817D-F92DF00215AE", /* Microsoft reserved */
	"0FC63DAF-8483-4772-8E79-3D69D8477DE4", /* Linux filesystem data */
};

static void decode_input(const uint8_t *data, size_t size, struct input *in)
{
	memset(in, 0, sizeof(*in));
	in->bs = 512u << (data[0] & 3);
	in->extra_types = (data[0] >> 2) & 0xF;
	in->driver = data[0] & 0x40;
	in->driver_repair = data[0] & 0x80;
	in->fault_op = (enum fd_op)(data[1] >> 6);
	in->fault_k = data[1] & 0x3F;
	in->img = data + HDR_BYTES;
	in->len = size - HDR_BYTES;
	in->last_lba = (in->len + in->bs - 1) / in->bs;
	if (in->last_lba < MIN_BLOCKS)
		in->last_lba = MIN_BLOCKS;
	in->last_lba--;
	in->types[in->ntypes++] = GPT_TYPE_WINDOWS_RE;
	for (int i = 0; i < 4; i++)
		if (in->extra_types & (1u << i))
			FUZZ_CHECK(guid_parse(extra_type_text[i],
					      &in->types[in->ntypes++]),
				   "guid_parse(\"%s\")", extra_type_text[i]);
}

static const struct gpt_header *hdr(const struct gpt_copy *c)
{
	return (const struct gpt_header *)(const void *)c->header;
}

static uint32_t header_size(const struct gpt_copy *c)
{
	return le32(&hdr(c)->header_size);
}

static size_t array_bytes(const struct gpt_copy *c)
{
	return (size_t)c->num_entries * c->entry_size;
}

static uint8_t *dup_bytes(const void *p, size_t n)
{
	uint8_t *q = malloc(n ? n : 1);

	FUZZ_CHECK(q, "out of memory (%zu bytes)", n);
	memcpy(q, p, n);
	return q;
}

static bool status_in(enum gpt_status st, unsigned int mask)
{
	return (mask >> st) & 1u;
}
#define S(x) (1u << (x))

/* Structural facts every loaded table must satisfy. */
static void check_table_shape(const struct gpt_table *t,
			      const struct input *in)
{
	const struct gpt_copy *copies[2] = { &t->primary, &t->backup };

	FUZZ_CHECK(t->mbr, "loaded table without LBA 0");
	for (int i = 0; i < 2; i++) {
		const struct gpt_copy *c = copies[i];

		FUZZ_CHECK(c->header, "copy %d: no header block", i);
		FUZZ_CHECK(!c->valid || c->present, "copy %d valid, not present",
			   i);
		if (!c->valid)
			continue;
		FUZZ_CHECK(c->array && c->array_blocks &&
				   (uint64_t)c->num_entries * c->entry_size <=
					   (uint64_t)c->array_blocks * in->bs,
			   "copy %d: %u x %u entries in %u blocks", i,
			   c->num_entries, c->entry_size, c->array_blocks);
		FUZZ_CHECK(c->lba <= in->last_lba &&
				   c->array_lba + c->array_blocks - 1 <=
					   in->last_lba,
			   "copy %d beyond the disk", i);
		FUZZ_CHECK(le64(&hdr(c)->my_lba) == c->lba,
			   "copy %d: MyLBA %llu read at %llu", i,
			   (unsigned long long)le64(&hdr(c)->my_lba),
			   (unsigned long long)c->lba);
	}
	FUZZ_CHECK(t->primary.lba == 1, "primary read at LBA %llu",
		   (unsigned long long)t->primary.lba);
	FUZZ_CHECK(!t->copies_agree || (t->primary.valid && t->backup.valid),
		   "copies agree but one is invalid");
	FUZZ_CHECK(!t->entries_ok || gpt_good_copy(t),
		   "entries_ok without a good copy");
	FUZZ_CHECK(!t->backup_misplaced || t->backup.valid,
		   "misplaced backup that is not valid");
}

static bool type_selected(const struct input *in, const struct gpt_entry *e)
{
	for (uint32_t i = 0; i < in->ntypes; i++)
		if (guid_equal(&e->type_guid, &in->types[i]))
			return true;
	return false;
}

/* The plan names exactly the used entries of the selected types, in
 * ascending order. */
static void check_plan(const struct gpt_table *t, const struct input *in,
		       const struct gpt_plan *plan)
{
	const struct gpt_copy *c = gpt_good_copy(t);
	uint32_t k = 0;

	FUZZ_CHECK(c, "a plan without a good copy");
	FUZZ_CHECK(plan->count <= GPT_PLAN_MAX, "plan of %u", plan->count);
	for (uint32_t i = 0; i < c->num_entries; i++) {
		const struct gpt_entry *e = gpt_entry_at(t, i);

		FUZZ_CHECK(e, "entry %u of %u missing", i, c->num_entries);
		if (!type_selected(in, e))
			continue;
		FUZZ_CHECK(k < plan->count && plan->index[k] == i,
			   "entry %u matches but is not planned (plan %u of %u)",
			   i, k, plan->count);
		k++;
	}
	FUZZ_CHECK(k == plan->count, "plan of %u, %u entries match",
		   plan->count, k);
	FUZZ_CHECK(!gpt_entry_at(t, c->num_entries), "entry past the end");
}

/* The sector size restore infers from a backup (see gpt_restore): the
 * backup array ends just before the backup header, this disk's size
 * first; 0 when it fits none. */
static uint32_t implied_sector_size(const struct gpt_backup *b, uint32_t bs)
{
	const struct gpt_header *k =
		(const struct gpt_header *)(const void *)b->backup_header;

	const uint32_t sizes[] = { bs, 512, 1024, 2048, 4096 };

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		if (le64(&k->partition_entry_lba) +
			    (b->array_bytes + sizes[i] - 1) / sizes[i] ==
		    le64(&k->my_lba))
			return sizes[i];
	return 0;
}

/* Restore a table's own backup onto a fresh copy of its disk: when it
 * belongs there (the disk has the size and sector size it names) and its
 * entries are sound, it is accepted and leaves the good copy's table, both
 * copies valid and agreeing. */
static void restore_own_backup(const struct input *in, const struct gpt_table *t,
			       const struct gpt_backup *b)
{
	const struct gpt_header *m =
		(const struct gpt_header *)(const void *)b->main_header;
	const struct gpt_copy *good = gpt_good_copy(t);
	uint32_t ss = implied_sector_size(b, in->bs);
	/* A table gptrim accepts (with --repair) restores from its backup. */
	bool must = le64(&m->alternate_lba) <= in->last_lba &&
		    (ss == 0 || ss == in->bs) &&
		    gpt_check_commit(t, NULL, true, NULL) == GPT_OK;
	struct gpt_commit_result res;
	struct gpt_reason why;
	struct fuzzdisk d;
	struct gpt_table t2;
	enum gpt_status st;

	fuzzdisk_init(&d, in->img, in->len, in->bs, in->last_lba);
	st = gpt_load(&d.dev, &t2, &why);
	FUZZ_CHECK(st == GPT_OK, "reload of the same disk: %s", why.text);
	st = gpt_restore(&t2, b, &res, &why);
	if (must)
		FUZZ_CHECK(st == GPT_OK, "restoring a table's own backup onto "
			   "its disk: %s: %s", gpt_status_name(st), why.text);
	if (st != GPT_OK) {
		FUZZ_CHECK(status_in(st, S(GPT_E_MISMATCH) | S(GPT_E_DAMAGED) |
					     S(GPT_E_LIMIT)),
			   "restore: %s: %s", gpt_status_name(st), why.text);
		FUZZ_CHECK(d.calls[FD_WRITE] == 0,
			   "restore refused (%s) after %u write(s)", why.text,
			   d.calls[FD_WRITE]);
		goto out;
	}
	FUZZ_CHECK(t2.primary.valid && t2.backup.valid && t2.copies_agree &&
			   t2.entries_ok,
		   "after restoring its own backup: %s | %s | %s | %s",
		   t2.primary.why.text, t2.backup.why.text, t2.disagree.text,
		   t2.entries_why.text);
	FUZZ_CHECK(t2.primary.num_entries == good->num_entries &&
			   t2.primary.entry_size == good->entry_size &&
			   memcmp(t2.primary.array, good->array,
				  array_bytes(good)) == 0 &&
			   guid_equal(&hdr(&t2.primary)->disk_guid,
				      &hdr(good)->disk_guid),
		   "restoring its own backup changed the entries or the disk "
		   "GUID");
	/* A healthy table comes back byte for byte (copies that disagree,
	 * e.g. a stale backup, come back as the rebuilt pair). */
	if (t->copies_agree)
		FUZZ_CHECK(memcmp(t2.primary.header, t->primary.header,
				  header_size(&t->primary)) == 0 &&
				   memcmp(t2.backup.header, t->backup.header,
					  header_size(&t->backup)) == 0,
			   "restoring its own backup changed a header");
out:
	gpt_table_release(&t2);
	fuzzdisk_fini(&d);
}

/* gpt_backup_encode saves a damaged copy as it would be rebuilt from the
 * good one, or the headers as read when that cannot be built (a commit
 * refuses such a table too: gpt_check_commit). Its file must decode when
 * the table is one (both copies valid and agreeing, or one bad copy that
 * can be rebuilt), LBA 0 has the MBR signature and
 * the headers fit the format's 512-byte slots; the result names the good
 * copy's entries. Returns whether it had to decode. */
static bool backup_round_trip(const struct input *in, const struct gpt_table *t,
			      enum gpt_status *encode_st)
{
	const struct gpt_copy *good = gpt_good_copy(t);
	bool one_table = (t->primary.valid && t->backup.valid &&
			  t->copies_agree) ||
			 (t->primary.valid != t->backup.valid &&
			  gpt_check_commit(t, NULL, true, NULL) == GPT_OK);
	bool must = one_table && le16(t->mbr + 510) == 0xAA55 &&
		    good && header_size(good) <= GPT_BACKUP_SLOT &&
		    (!t->primary.valid ||
		     header_size(&t->primary) <= GPT_BACKUP_SLOT) &&
		    (!t->backup.valid ||
		     header_size(&t->backup) <= GPT_BACKUP_SLOT);
	size_t size = gpt_backup_size(t), len = 0;
	struct gpt_reason why;
	struct gpt_backup b;
	enum gpt_status st;
	bool unstorable;
	uint8_t *buf;

	*encode_st = GPT_E_DAMAGED;
	if (!good) {
		FUZZ_CHECK(size == 0, "backup size %zu without a good copy",
			   size);
		FUZZ_CHECK(gpt_backup_encode(t, NULL, 0, &len, &why) ==
				   GPT_E_DAMAGED,
			   "backup of a table without a good copy");
		return false;
	}
	FUZZ_CHECK(size == 3 * GPT_BACKUP_SLOT + array_bytes(good),
		   "backup size %zu for %u x %u entries", size,
		   good->num_entries, good->entry_size);
	buf = malloc(size);
	FUZZ_CHECK(buf, "out of memory");
	/* A valid copy's header larger than a slot cannot be stored. */
	unstorable = (t->primary.valid &&
		      header_size(&t->primary) > GPT_BACKUP_SLOT) ||
		     (t->backup.valid &&
		      header_size(&t->backup) > GPT_BACKUP_SLOT);
	st = gpt_backup_encode(t, buf, size - 1, &len, &why);
	FUZZ_CHECK(st == (unstorable ? GPT_E_UNSUPPORTED : GPT_E_LIMIT),
		   "encode into a short buffer: %s", gpt_status_name(st));
	st = gpt_backup_encode(t, buf, size, &len, &why);
	*encode_st = st;
	FUZZ_CHECK(unstorable ? st == GPT_E_UNSUPPORTED :
				st == GPT_OK || st == GPT_E_DAMAGED,
		   "encode: %s: %s", gpt_status_name(st), why.text);
	FUZZ_CHECK(st != GPT_OK || len == size, "encoded %zu of %zu bytes",
		   len, size);
	if (st != GPT_OK) {
		must = false;
		goto out;
	}
	st = gpt_backup_decode(buf, len, &b, &why);
	if (must)
		FUZZ_CHECK(st == GPT_OK, "the backup of a table with %s does "
			   "not decode: %s", t->primary.valid &&
			   t->backup.valid ? "two good copies" :
					     "one bad copy", why.text);
	if (st == GPT_OK) {
		FUZZ_CHECK(b.mbr == buf && b.main_header == buf + 512 &&
				   b.backup_header == buf + 1024 &&
				   b.array == buf + 1536 &&
				   b.array_bytes == array_bytes(good) &&
				   memcmp(b.array, good->array,
					  b.array_bytes) == 0,
			   "decoded backup does not describe the table");
		restore_own_backup(in, t, &b);
	}
out:
	free(buf);
	return must;
}

/* The table before a commit, and what it must become. */
struct expect {
	uint8_t *old_array; /* num x size bytes of the good copy */
	uint8_t *new_array; /* the same with the planned entries zeroed */
	size_t bytes;
	uint32_t num_entries, entry_size;
	struct gpt_guid disk_guid;
	uint64_t first_usable;
	bool primary_valid, backup_valid, backup_misplaced, split_by_removal;
	uint64_t primary_array_lba;
};

static void expect_init(struct expect *x, const struct gpt_table *t,
			const struct gpt_plan *plan)
{
	const struct gpt_copy *good = gpt_good_copy(t);

	x->bytes = array_bytes(good);
	x->num_entries = good->num_entries;
	x->entry_size = good->entry_size;
	x->old_array = dup_bytes(good->array, x->bytes);
	x->new_array = dup_bytes(good->array, x->bytes);
	for (uint32_t k = 0; k < plan->count; k++)
		memset(x->new_array + (size_t)plan->index[k] * x->entry_size, 0,
		       x->entry_size);
	x->disk_guid = hdr(good)->disk_guid;
	x->first_usable = le64(&hdr(good)->first_usable_lba);
	x->primary_valid = t->primary.valid;
	x->backup_valid = t->backup.valid;
	x->split_by_removal = t->split_by_removal;
	x->backup_misplaced = t->backup_misplaced;
	x->primary_array_lba = t->primary.array_lba;
}

static void expect_fini(struct expect *x)
{
	free(x->old_array);
	free(x->new_array);
}

/* Is copy c exactly the old table or exactly the new one? */
static const char *old_or_new(const struct expect *x, const struct gpt_copy *c)
{
	if (c->num_entries != x->num_entries || c->entry_size != x->entry_size)
		return "entry count or size changed";
	if (!guid_equal(&hdr(c)->disk_guid, &x->disk_guid))
		return "disk GUID changed";
	if (le64(&hdr(c)->first_usable_lba) != x->first_usable)
		return "FirstUsableLBA changed";
	if (memcmp(c->array, x->old_array, x->bytes) == 0)
		return NULL;
	if (memcmp(c->array, x->new_array, x->bytes) == 0)
		return NULL;
	return "entry array is neither the old nor the new one";
}

/* The backup a front end saves before a commit, and what it must give
 * back: save -> change -> restore is the original table. */
struct saved {
	uint8_t *file, *header[2], mbr[GPT_BACKUP_SLOT];
	size_t len;
	uint64_t backup_lba;
	bool agreed;
};

static void saved_init(struct saved *sv, const struct gpt_table *t,
		       bool needs_write)
{
	struct gpt_reason why;
	size_t size = gpt_backup_size(t);

	memset(sv, 0, sizeof(*sv));
	if (!needs_write || !size)
		return;
	sv->file = malloc(size);
	FUZZ_CHECK(sv->file, "out of memory");
	if (gpt_backup_encode(t, sv->file, size, &sv->len, &why) != GPT_OK) {
		free(sv->file);
		sv->file = NULL;
		return;
	}
	sv->agreed = t->copies_agree;
	sv->backup_lba = t->backup.lba;
	memcpy(sv->mbr, t->mbr, sizeof(sv->mbr));
	if (!sv->agreed)
		return; /* the file holds the pair as rebuilt */
	sv->header[0] = dup_bytes(t->primary.header, header_size(&t->primary));
	sv->header[1] = dup_bytes(t->backup.header, header_size(&t->backup));
}

static void saved_fini(struct saved *sv)
{
	free(sv->file);
	free(sv->header[0]);
	free(sv->header[1]);
}

/* After a commit: the backup saved before it decodes and restores, and
 * the disk holds the old entries, the old MBR and (copies that agreed)
 * both old headers at their old LBAs, a grown disk's backup included. */
/* --undo: the table a removal from sound copies left is, to
 * gpt_check_undo, exactly that change of the backup (removed entries put
 * back); the restored table is not (a second undo refuses). A repair may
 * be refused, but the check must hold up. */
static void check_undo(const struct gpt_table *t, const struct gpt_backup *b,
		       const struct saved *sv, uint32_t removed, bool after)
{
	struct gpt_reason why;
	uint32_t k = 0;
	enum gpt_status st = gpt_check_undo(t, b, &k, &why);

	FUZZ_CHECK(st == GPT_OK || st == GPT_E_MISMATCH ||
			   st == GPT_E_DAMAGED,
		   "undo check: %s", gpt_status_name(st));
	FUZZ_CHECK(st == GPT_OK ? k > 0 : k == 0,
		   "undo check: %s with %u entries", gpt_status_name(st), k);
	if (after)
		FUZZ_CHECK(st != GPT_OK, "undo check accepts the restored "
			   "table: a second --undo would write");
	else if (sv->agreed && removed)
		FUZZ_CHECK(st == GPT_OK && k == removed,
			   "undo check after removing %u from sound copies: "
			   "%s, %u: %s", removed, gpt_status_name(st), k,
			   why.text);
}

static void restore_saved(struct gpt_table *t, const struct saved *sv,
			  const struct expect *x, uint32_t removed)
{
	struct gpt_commit_result res;
	struct gpt_reason why;
	struct gpt_backup b;
	enum gpt_status st;

	if (!sv->file)
		return;
	st = gpt_backup_decode(sv->file, sv->len, &b, &why);
	FUZZ_CHECK(st == GPT_OK, "the backup saved before a commit does not "
		   "decode: %s", why.text);
	check_undo(t, &b, sv, removed, false);
	st = gpt_restore(t, &b, &res, &why);
	FUZZ_CHECK(st == GPT_OK, "the backup saved before a commit does not "
		   "restore: %s: %s", gpt_status_name(st), why.text);
	FUZZ_CHECK(t->primary.valid && t->backup.valid && t->copies_agree &&
			   t->entries_ok &&
			   memcmp(t->primary.array, x->old_array, x->bytes) == 0 &&
			   memcmp(t->mbr, sv->mbr, sizeof(sv->mbr)) == 0,
		   "save, change, restore: not the old entries and MBR");
	if (sv->agreed)
		FUZZ_CHECK(t->backup.lba == sv->backup_lba &&
				   memcmp(t->primary.header, sv->header[0],
					  header_size(&t->primary)) == 0 &&
				   memcmp(t->backup.header, sv->header[1],
					  header_size(&t->backup)) == 0,
			   "save, change, restore: not the old headers (backup "
			   "at LBA %llu, was %llu)",
			   (unsigned long long)t->backup.lba,
			   (unsigned long long)sv->backup_lba);
	check_undo(t, &b, sv, removed, true);
}

/* Commit on an honest disk: refused before writing, or done right. */
static void commit_clean(struct fuzzdisk *d, struct gpt_table *t,
			 const struct input *in, const struct gpt_plan *plan,
			 const struct verdict *v)
{
	bool needs_write = plan->count || !t->primary.valid ||
			   !t->backup.valid || t->split_by_removal;
	struct gpt_commit_result res, res2;
	struct gpt_plan again;
	struct gpt_reason why;
	struct expect x;
	struct saved sv;
	enum gpt_status st;
	const char *diff;

	expect_init(&x, t, plan);
	saved_init(&sv, t, needs_write);
	st = gpt_commit_removals(t, plan, true, &res, &why);
	FUZZ_CHECK(status_in(st, S(GPT_OK) | S(GPT_E_DAMAGED)),
		   "commit on an honest disk: %s: %s", gpt_status_name(st),
		   why.text);
	/* Commit and backup build the same new table; when it cannot be
	 * built the backup still saves the headers as read. */
	FUZZ_CHECK(!needs_write || v->encode == GPT_OK ||
			   v->encode == GPT_E_UNSUPPORTED || st != GPT_OK,
		   "commit done, the backup of the same table refused");
	if (st != GPT_OK) {
		/* Only the placement of a rebuilt copy may refuse here. */
		FUZZ_CHECK(d->calls[FD_WRITE] == 0,
			   "commit refused (%s) after %u write(s)", why.text,
			   d->calls[FD_WRITE]);
		goto out;
	}
	FUZZ_CHECK(t->primary.valid && t->backup.valid && t->copies_agree,
		   "after commit: primary: %s | backup: %s | %s",
		   t->primary.why.text, t->backup.why.text, t->disagree.text);
	FUZZ_CHECK(t->entries_ok, "after commit, entries: %s",
		   t->entries_why.text);
	/* A grown disk's backup moves with the first write; with nothing to
	 * remove or repair nothing is written, and it stays. */
	FUZZ_CHECK(t->backup.lba == in->last_lba ||
			   (!needs_write && x.backup_misplaced),
		   "after commit the backup is at LBA %llu of %llu",
		   (unsigned long long)t->backup.lba,
		   (unsigned long long)in->last_lba);
	FUZZ_CHECK(memcmp(t->primary.array, x.new_array, x.bytes) == 0 &&
			   t->primary.num_entries == x.num_entries &&
			   t->primary.entry_size == x.entry_size,
		   "after commit the entries are not the old ones minus the "
		   "%u planned", plan->count);
	diff = old_or_new(&x, &t->primary);
	FUZZ_CHECK(!diff, "after commit: %s", diff);
	FUZZ_CHECK(!x.primary_valid || t->primary.array_lba ==
					       x.primary_array_lba,
		   "primary array moved from LBA %llu to %llu",
		   (unsigned long long)x.primary_array_lba,
		   (unsigned long long)t->primary.array_lba);
	FUZZ_CHECK(res.removed == plan->count && res.rebuilt_primary ==
							 !x.primary_valid &&
			   res.rebuilt_backup == (!x.backup_valid || x.split_by_removal),
		   "commit result: removed %u of %u, rebuilt %d/%d",
		   res.removed, plan->count, res.rebuilt_primary,
		   res.rebuilt_backup);
	FUZZ_CHECK(res.blocks_written == d->blocks_written &&
			   res.write_calls == d->calls[FD_WRITE] &&
			   res.flushes == d->calls[FD_FLUSH],
		   "commit result says %u blocks in %u writes, %u flushes; "
		   "the disk saw %u in %u, %u", res.blocks_written,
		   res.write_calls, res.flushes, d->blocks_written,
		   d->calls[FD_WRITE], d->calls[FD_FLUSH]);
	FUZZ_CHECK(needs_write || d->calls[FD_WRITE] + d->calls[FD_FLUSH] == 0,
		   "nothing to do, yet %u write(s) and %u flush(es)",
		   d->calls[FD_WRITE], d->calls[FD_FLUSH]);
	gpt_report_commit(&res, &fuzz_sink);

	/* Converged: nothing left to remove, a second run writes nothing. */
	st = gpt_plan_removals(t, in->types, in->ntypes, &again, &why);
	FUZZ_CHECK(st == GPT_OK && again.count == 0,
		   "after commit: plan %s, %u left", gpt_status_name(st),
		   again.count);
	{
		uint32_t w = d->calls[FD_WRITE];

		st = gpt_commit_removals(t, &again, false, &res2, &why);
		FUZZ_CHECK(st == GPT_OK && d->calls[FD_WRITE] == w,
			   "second commit: %s (%s), %u write(s)",
			   gpt_status_name(st), why.text,
			   d->calls[FD_WRITE] - w);
	}
	restore_saved(t, &sv, &x, plan->count);
out:
	saved_fini(&sv);
	expect_fini(&x);
}

/* The clean pass: everything a report-only and an --apply run do. */
static void explore(const struct input *in, struct verdict *v)
{
	struct gpt_reason why, w2;
	struct gpt_table t;
	struct gpt_plan plan = { 0 };
	struct fuzzdisk d;
	enum gpt_status st, plan_st;

	fuzzdisk_init(&d, in->img, in->len, in->bs, in->last_lba);
	st = gpt_load(&d.dev, &t, &why);
	if (in->last_lba < 3)
		FUZZ_CHECK(st == GPT_E_NOT_GPT, "load of %llu blocks: %s",
			   (unsigned long long)in->last_lba + 1,
			   gpt_status_name(st));
	else
		FUZZ_CHECK(st == GPT_OK, "load on an honest disk: %s: %s",
			   gpt_status_name(st), why.text);
	if (st != GPT_OK)
		goto out;
	v->loaded = true;
	check_table_shape(&t, in);
	gpt_report_table(&t, DISK_NAME, NULL, &fuzz_sink);

	v->check_plain = gpt_check_table(&t, false, &why);
	v->check_repair = gpt_check_table(&t, true, &w2);
	FUZZ_CHECK(status_in(v->check_plain, S(GPT_OK) | S(GPT_E_NOT_GPT) |
						     S(GPT_E_DAMAGED)) &&
			   status_in(v->check_repair,
				     S(GPT_OK) | S(GPT_E_NOT_GPT) |
					     S(GPT_E_DAMAGED)),
		   "check_table: %s / %s", gpt_status_name(v->check_plain),
		   gpt_status_name(v->check_repair));
	FUZZ_CHECK(v->check_plain != GPT_OK || v->check_repair == GPT_OK,
		   "accepted as is, refused with --repair: %s", w2.text);
	FUZZ_CHECK(v->check_plain != GPT_OK ||
			   (t.primary.valid && t.backup.valid &&
			    t.copies_agree && t.entries_ok &&
			    (t.mbr_kind == MBR_PROTECTIVE ||
			     t.mbr_kind == MBR_HYBRID)),
		   "accepted without --repair but not healthy");
	FUZZ_CHECK(v->check_repair != GPT_OK ||
			   (gpt_good_copy(&t) && t.entries_ok),
		   "accepted with --repair without good entries");

	plan_st = gpt_plan_removals(&t, in->types, in->ntypes, &plan, &why);
	if (!gpt_good_copy(&t))
		FUZZ_CHECK(plan_st == GPT_E_DAMAGED && plan.count == 0,
			   "plan without a good copy: %s", why.text);
	else
		FUZZ_CHECK(status_in(plan_st, S(GPT_OK) | S(GPT_E_LIMIT)),
			   "plan: %s", why.text);
	if (plan_st == GPT_OK) {
		check_plan(&t, in, &plan);
		gpt_report_table(&t, DISK_NAME, &plan, &fuzz_sink);
	}
	v->backup_must_decode = backup_round_trip(in, &t, &v->encode);
	FUZZ_CHECK(d.calls[FD_WRITE] == 0 && d.calls[FD_FLUSH] == 0,
		   "%u write(s), %u flush(es) before any commit",
		   d.calls[FD_WRITE], d.calls[FD_FLUSH]);

	if (v->check_repair == GPT_OK && plan_st == GPT_OK)
		commit_clean(&d, &t, in, &plan, v);
out:
	gpt_table_release(&t);
	fuzzdisk_fini(&d);
}

/* The faulted pass: the k-th call of one operation fails. No crash, no
 * leak, and if the commit failed, the disk still reads as the old table or
 * the new one (DESIGN.md "Writing safely"; a failed write stores nothing,
 * like a cut before it). */
static void faulted(const struct input *in)
{
	struct gpt_reason why;
	struct gpt_table t, t2;
	struct gpt_plan plan = { 0 };
	struct gpt_commit_result res;
	struct fuzzdisk d;
	struct expect x;
	enum gpt_status st;
	const struct gpt_copy *good;
	const char *diff;

	fuzzdisk_init(&d, in->img, in->len, in->bs, in->last_lba);
	fuzzdisk_fault(&d, in->fault_op, in->fault_k);
	st = gpt_load(&d.dev, &t, &why);
	if (st != GPT_OK) {
		FUZZ_CHECK(d.fault_fired || in->last_lba < 3,
			   "load failed without a fault: %s", why.text);
		goto out;
	}
	gpt_report_table(&t, DISK_NAME, NULL, &fuzz_sink);
	if (gpt_check_table(&t, true, &why) != GPT_OK ||
	    gpt_plan_removals(&t, in->types, in->ntypes, &plan, &why) !=
		    GPT_OK)
		goto out;
	if (d.fault_fired) {
		/* A failed read made this table: then the clean pass judges
		 * the disk; only check that a commit does not crash. */
		st = gpt_commit_removals(&t, &plan, true, &res, &why);
		goto out;
	}
	expect_init(&x, &t, &plan);
	st = gpt_commit_removals(&t, &plan, true, &res, &why);
	if (st != GPT_OK) {
		FUZZ_CHECK(d.fault_fired || st == GPT_E_DAMAGED,
			   "commit failed without a fault: %s", why.text);
		fuzzdisk_fault(&d, FD_NONE, 0);
		st = gpt_load(&d.dev, &t2, &why);
		FUZZ_CHECK(st == GPT_OK, "reload after a failed commit: %s",
			   why.text);
		good = gpt_good_copy(&t2);
		FUZZ_CHECK(good, "no valid copy left after the commit failed "
			   "(%s, call %u): primary: %s | backup: %s",
			   in->fault_op == FD_WRITE   ? "write" :
			   in->fault_op == FD_FLUSH ? "flush" :
			   in->fault_op == FD_READ  ? "read" : "alloc",
			   in->fault_k, t2.primary.why.text, t2.backup.why.text);
		diff = old_or_new(&x, good);
		FUZZ_CHECK(!diff, "after a failed commit the %s copy: %s",
			   good == &t2.primary ? "primary" : "backup", diff);
		gpt_table_release(&t2);
	}
	expect_fini(&x);
out:
	gpt_table_release(&t);
	fuzzdisk_fini(&d);
}

struct driver_ctx {
	struct fuzzdisk *d;
	const struct verdict *v;
	uint32_t saves;
};

static enum gpt_status driver_save(void *ctx, const struct gpt_guid *disk,
				   const uint8_t *data, size_t len,
				   struct gpt_reason *why)
{
	struct driver_ctx *c = ctx;
	struct gpt_backup b;
	enum gpt_status st;

	(void)disk;
	c->saves++;
	FUZZ_CHECK(c->d->calls[FD_WRITE] == 0,
		   "backup saved after %u write(s)", c->d->calls[FD_WRITE]);
	st = gpt_backup_decode(data, len, &b, why);
	FUZZ_CHECK(st == GPT_OK || !c->v->backup_must_decode,
		   "driver's backup of a healthy table does not decode: %s",
		   why->text);
	return GPT_OK;
}

/* The per-disk driver of both front ends, --apply, on a fresh copy. */
static void driver(const struct input *in, const struct verdict *v)
{
	struct gptrim_options o;
	struct disk_outcome res;
	struct fuzzdisk d;
	struct driver_ctx ctx = { &d, v, 0 };
	struct gptrim_env env = { .out = &fuzz_sink, .save_backup = driver_save,
				  .ctx = &ctx };
	struct gpt_table t;
	struct gpt_plan plan;
	struct gpt_reason why;
	char line[REPORT_LINE_MAX];

	memset(&o, 0, sizeof(o));
	o.apply = true;
	o.repair = in->driver_repair;
	/* No --type means Windows RE; with extra types, name it too. */
	if (in->ntypes > 1) {
		o.ntypes = in->ntypes;
		memcpy(o.types, in->types, in->ntypes * sizeof(o.types[0]));
	}
	fuzzdisk_init(&d, in->img, in->len, in->bs, in->last_lba);
	gptrim_run_disk(&d.dev, DISK_NAME, &o, true, &env, &res);
	gptrim_summary_line(&res, 1, DISK_NAME, line, sizeof(line));
	FUZZ_CHECK(strnlen(line, sizeof(line)) < sizeof(line),
		   "summary line not terminated");
	FUZZ_CHECK(res.exit != GPTRIM_EXIT_IO && res.exit != GPTRIM_EXIT_PENDING &&
			   res.exit != GPTRIM_EXIT_BACKUP,
		   "driver on an honest disk: exit %d: %s", (int)res.exit,
		   res.why.text);
	FUZZ_CHECK(ctx.saves <= 1, "%u backups saved", ctx.saves);
	if (res.exit != GPTRIM_EXIT_OK) {
		FUZZ_CHECK(d.calls[FD_WRITE] == 0, "exit %d after %u write(s)",
			   (int)res.exit, d.calls[FD_WRITE]);
		goto out;
	}
	if (!res.is_gpt || !v->loaded)
		goto out;
	FUZZ_CHECK(res.healthy, "driver exit 0 but not healthy");
	FUZZ_CHECK(gpt_load(&d.dev, &t, &why) == GPT_OK, "reload: %s",
		   why.text);
	FUZZ_CHECK(t.primary.valid && t.backup.valid && t.copies_agree &&
			   t.entries_ok,
		   "driver exit 0, reload: %s | %s | %s | %s",
		   t.primary.why.text, t.backup.why.text, t.disagree.text,
		   t.entries_why.text);
	FUZZ_CHECK(gpt_plan_removals(&t, in->types, in->ntypes, &plan,
				     &why) == GPT_OK && plan.count == 0,
		   "driver exit 0 but %u entries left", plan.count);
	gpt_table_release(&t);
out:
	fuzzdisk_fini(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in;
	struct verdict v = { 0 };

	if (size < HDR_BYTES)
		return 0;
	decode_input(data, size, &in);
	explore(&in, &v);
	if (in.fault_k && in.fault_op < FD_OPS)
		faulted(&in);
	if (in.driver)
		driver(&in, &v);
	return 0;
}

size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size,
			       unsigned int seed);

/* Where a loader would look for the backup header of img. */
static uint64_t backup_lba(const uint8_t *img, size_t len, uint32_t bs,
			   uint64_t last_lba, uint32_t *r)
{
	if (fuzzfix_rand(r) % 2 && 2u * bs <= len &&
	    memcmp(img + bs, GPT_HEADER_SIGNATURE, 8) == 0)
		return le64(img + bs + 32);
	return last_lba;
}

/* Half the time libFuzzer's own mutation, else one to three changes of
 * header or entry fields (fuzzfix_tweak_header), or the disk grown or
 * shrunk by a few blocks; then the CRCs are recomputed (for libFuzzer's
 * mutations, of none, one or both copies). */
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size,
			       unsigned int seed)
{
	uint32_t r = seed, mode, bs, seal = 3;
	uint8_t *img = data + HDR_BYTES;
	size_t len;
	uint64_t last;

	if (size <= HDR_BYTES || max_size <= HDR_BYTES)
		return LLVMFuzzerMutate(data, size, max_size);
	mode = fuzzfix_rand(&r) % 16;
	bs = 512u << (data[0] & 3);
	if (mode < 8) {
		size = LLVMFuzzerMutate(data, size, max_size);
		seal = fuzzfix_rand(&r) % 4;
		if (size <= HDR_BYTES)
			return size;
		bs = 512u << (data[0] & 3);
	} else if (mode < 15) {
		len = size - HDR_BYTES;
		last = (len + bs - 1) / bs;
		last = (last < MIN_BLOCKS ? MIN_BLOCKS : last) - 1;
		for (uint32_t n = 1 + fuzzfix_rand(&r) % 3; n; n--)
			if (!fuzzfix_tweak_header(img, len, bs,
						  fuzzfix_rand(&r) % 2 ?
						  1 : backup_lba(img, len, bs,
								 last, &r),
						  last, &r))
				fuzzfix_tweak_header(img, len, bs, 1, last, &r);
	} else {
		/* A grown or shrunk disk: whole blocks at the end. */
		size_t blocks = 1 + fuzzfix_rand(&r) % 8, delta = blocks * bs;

		if (fuzzfix_rand(&r) % 2 && size + delta <= max_size) {
			memset(data + size, 0, delta);
			size += delta;
		} else if (size - HDR_BYTES > delta) {
			size -= delta;
		}
	}
	len = size - HDR_BYTES;
	last = (len + bs - 1) / bs;
	last = (last < MIN_BLOCKS ? MIN_BLOCKS : last) - 1;
	if (seal & 2) {
		if (2u * bs <= len &&
		    memcmp(img + bs, GPT_HEADER_SIGNATURE, 8) == 0)
			fuzzfix_seal_header(img, len, bs, le64(img + bs + 32));
		fuzzfix_seal_header(img, len, bs, last);
	}
	if (seal & 1)
		fuzzfix_seal_header(img, len, bs, 1);
	return size;
}
