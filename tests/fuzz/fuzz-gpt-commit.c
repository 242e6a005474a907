// SPDX-License-Identifier: MIT
/* Fuzz target: the commit of a removal (and --repair) on an honest copy of
 * the disk, then restoring the backup a front end saves before it, with
 * the --undo check before and after the restore. Input format:
 * gptinput.h.
 *
 * Invariants (a failure aborts): a commit is refused before its first
 * write, or ends with both copies valid, agreeing, holding the old entries
 * minus the planned ones (in place), the result counting what the disk
 * saw, and converges (nothing left to plan, a second commit writes
 * nothing); nothing is written when there is nothing to do; the backup
 * saved before decodes and restores the old table (old headers, MBR and
 * entries); gpt_check_undo takes that backup after a removal from sound
 * copies and refuses it after the restore; no leak, no stray buffer. */
#include <stdlib.h>
#include <string.h>

#include "gptinput.h"
#include "report.h"

/* Are both copies valid and holding the same entries, byte for byte? */
static bool same_entries(const struct gpt_table *t)
{
	const struct gpt_copy *p = &t->primary, *b = &t->backup;

	return p->valid && b->valid && p->num_entries == b->num_entries &&
	       p->entry_size == b->entry_size &&
	       memcmp(p->array, b->array, array_bytes(p)) == 0;
}

/* Has a commit anything to write? The oracle, independent of the core's
 * gpt_commit_needed (which must agree): entries to remove, or a table
 * that is not yet two valid copies with the same entries (a bad copy to
 * rebuild, a removal cut short between the copies to finish), read from
 * the copies' bytes. A misplaced backup alone stays where it is. */
static bool commit_has_work(const struct gpt_table *t,
			    const struct gpt_plan *plan)
{
	return plan->count > 0 || !same_entries(t);
}

/* The backup a front end saves before a commit, and what it must give
 * back: save -> change -> restore is the original table. */
struct saved {
	uint8_t *file, *header[2], mbr[GPT_BACKUP_SLOT];
	size_t len;
	uint64_t backup_lba;
	bool agreed;
	enum gpt_status encode; /* gpt_backup_encode's status */
};

static void saved_init(struct saved *sv, const struct gpt_table *t,
		       bool needs_write)
{
	struct gpt_reason why;
	size_t size = gpt_backup_size(t);

	memset(sv, 0, sizeof(*sv));
	sv->encode = GPT_E_DAMAGED;
	if (!needs_write || !size)
		return;
	sv->file = malloc(size);
	FUZZ_CHECK(sv->file, "out of memory");
	sv->encode = gpt_backup_encode(t, sv->file, size, &sv->len, &why);
	if (sv->encode != GPT_OK) {
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

/* After a commit: the backup saved before it decodes and restores, and
 * the disk holds the old entries, the old MBR and (copies that agreed)
 * both old headers at their old LBAs, a grown disk's backup included. */
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
static void commit_clean(struct memdisk *d, struct gpt_table *t,
			 const struct input *in, const struct gpt_plan *plan)
{
	bool needs_write = commit_has_work(t, plan);
	struct gpt_commit_result res, res2;
	struct gpt_plan again;
	struct gpt_reason why;
	struct expect x;
	struct saved sv;
	enum gpt_status st;
	const char *diff;

	FUZZ_CHECK(gpt_commit_needed(t, plan) == needs_write,
		   "gpt_commit_needed says %d; %u planned, copies %svalid / "
		   "%svalid, their entries %s", !needs_write, plan->count,
		   t->primary.valid ? "" : "in", t->backup.valid ? "" : "in",
		   same_entries(t) ? "the same" : "different");
	expect_init(&x, t, plan);
	saved_init(&sv, t, needs_write);
	st = gpt_commit_removals(t, plan, GPT_REPAIR_ALLOW, &res, &why);
	FUZZ_CHECK(status_in(st, S(GPT_OK) | S(GPT_E_DAMAGED)),
		   "commit on an honest disk: %s: %s", gpt_status_name(st),
		   why.text);
	/* Commit and backup build the same new table; when it cannot be
	 * built the backup still saves the headers as read. */
	FUZZ_CHECK(!needs_write || sv.encode == GPT_OK ||
			   sv.encode == GPT_E_UNSUPPORTED || st != GPT_OK,
		   "commit done, the backup of the same table refused");
	if (st != GPT_OK) {
		/* Only the placement of a rebuilt copy may refuse here. */
		FUZZ_CHECK(d->done[MD_WRITE] == 0,
			   "commit refused (%s) after %u write(s)", why.text,
			   d->done[MD_WRITE]);
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
	FUZZ_CHECK(res.blocks_written == memdisk_blocks_written(d) &&
			   res.write_calls == d->done[MD_WRITE] &&
			   res.flushes == d->done[MD_FLUSH],
		   "commit result says %u blocks in %u writes, %u flushes; "
		   "the disk saw %u in %u, %u", res.blocks_written,
		   res.write_calls, res.flushes, memdisk_blocks_written(d),
		   d->done[MD_WRITE], d->done[MD_FLUSH]);
	FUZZ_CHECK(needs_write || d->done[MD_WRITE] + d->done[MD_FLUSH] == 0,
		   "nothing to do, yet %u write(s) and %u flush(es)",
		   d->done[MD_WRITE], d->done[MD_FLUSH]);
	gpt_report_commit(&res, &fuzz_sink);

	/* Converged: nothing left to remove, a second run writes nothing. */
	st = gpt_plan_removals(t, in->types, in->ntypes, &again, &why);
	FUZZ_CHECK(st == GPT_OK && again.count == 0,
		   "after commit: plan %s, %u left", gpt_status_name(st),
		   again.count);
	{
		uint32_t w = d->done[MD_WRITE];

		st = gpt_commit_removals(t, &again, GPT_REPAIR_NONE, &res2, &why);
		FUZZ_CHECK(st == GPT_OK && d->done[MD_WRITE] == w,
			   "second commit: %s (%s), %u write(s)",
			   gpt_status_name(st), why.text,
			   d->done[MD_WRITE] - w);
	}
	restore_saved(t, &sv, &x, plan->count);
out:
	saved_fini(&sv);
	expect_fini(&x);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A table --apply --repair would change: commit it. */
static void loaded(struct loaded *l)
{
	struct gpt_plan plan = { 0 };
	struct gpt_reason why;

	if (l->st == GPT_OK &&
	    gpt_check_table(l->t, GPT_REPAIR_ALLOW, &why) == GPT_OK &&
	    gpt_plan_removals(l->t, l->in->types, l->in->ntypes, &plan,
			      &why) == GPT_OK)
		commit_clean(l->d, l->t, l->in, &plan);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	input_run(data, size, false, loaded);
	return 0;
}
