// SPDX-License-Identifier: MIT
/* Fuzz target: the sgdisk --backup file of every table the loader makes of
 * a disk, decoded again and restored onto a fresh copy of the same disk.
 * Input format: gptinput.h.
 *
 * Invariants (a failure aborts): gpt_backup_size and gpt_backup_encode
 * agree and refuse a short buffer; the backup of one table decodes and
 * names the good copy's entries; a table's own backup restores onto its
 * disk, leaving the same entries and disk GUID (a healthy table: the same
 * headers byte for byte); a refused restore writes nothing; no leak, no
 * stray buffer. */
#include <stdlib.h>
#include <string.h>

#include "gptinput.h"
#include "guid.h"

/* Restore a table's own backup onto a fresh copy of its disk: it is
 * accepted and leaves the good copy's table, both copies valid and
 * agreeing, when
 *  - the disk is at least as large as the backup header's LBA the file
 *    names (the main header's AlternateLBA), and
 *  - the table it holds is one gptrim would write: gpt_check_commit with
 *    --repair accepts the table it was made from.
 * The oracle is that contract of gpt_check_restore (include/gpt.h), read
 * for a backup made from this very disk: its disk GUID is this disk's and
 * it was made at this disk's sector size, whatever sector size the layout
 * of its arrays might suggest (the core only uses that as a clue for the
 * message of a refusal, see regress/fuzz-gpt/
 * restore-sector-size-clue-wrong). No sector size is inferred here. */
static void restore_own_backup(const struct input *in, const struct gpt_table *t,
			       const struct gpt_backup *b)
{
	const struct gpt_header *m =
		(const struct gpt_header *)(const void *)b->main_header;
	const struct gpt_copy *good = gpt_good_copy(t);
	bool must = le64(&m->alternate_lba) <= in->last_lba &&
		    gpt_check_commit(t, NULL, GPT_REPAIR_ALLOW, NULL) == GPT_OK;
	struct gpt_commit_result res;
	struct gpt_reason why;
	struct memdisk d;
	struct gpt_table t2;
	enum gpt_status st;

	input_disk(in, &d);
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
		FUZZ_CHECK(d.done[MD_WRITE] == 0,
			   "restore refused (%s) after %u write(s)", why.text,
			   d.done[MD_WRITE]);
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
			   guid_equal(&copy_header(&t2.primary)->disk_guid,
				      &copy_header(good)->disk_guid),
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
	memdisk_close(&d);
}

/* gpt_backup_encode saves a damaged copy as it would be rebuilt from the
 * good one, or the headers as read when that cannot be built (a commit
 * refuses such a table too: gpt_check_commit). Its file must decode when
 * the table is one (both copies valid and agreeing, or one bad copy that
 * can be rebuilt), LBA 0 has the MBR signature and
 * the headers fit the format's 512-byte slots; the result names the good
 * copy's entries (backup_must_decode, gptinput.c). */
static void backup_round_trip(const struct input *in, const struct gpt_table *t)
{
	const struct gpt_copy *good = gpt_good_copy(t);
	bool must = backup_must_decode(t);
	size_t size = gpt_backup_size(t), len = 0;
	struct gpt_reason why;
	struct gpt_backup b;
	enum gpt_status st;
	bool unstorable;
	uint8_t *buf;

	if (!good) {
		FUZZ_CHECK(size == 0, "backup size %zu without a good copy",
			   size);
		FUZZ_CHECK(gpt_backup_encode(t, NULL, 0, &len, &why) ==
				   GPT_E_DAMAGED,
			   "backup of a table without a good copy");
		return;
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
	FUZZ_CHECK(unstorable ? st == GPT_E_UNSUPPORTED :
				st == GPT_OK || st == GPT_E_DAMAGED,
		   "encode: %s: %s", gpt_status_name(st), why.text);
	FUZZ_CHECK(st != GPT_OK || len == size, "encoded %zu of %zu bytes",
		   len, size);
	if (st != GPT_OK)
		goto out;
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
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void loaded(struct loaded *l)
{
	if (l->st == GPT_OK)
		backup_round_trip(l->in, l->t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	input_run(data, size, false, loaded);
	return 0;
}
