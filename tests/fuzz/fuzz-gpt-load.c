// SPDX-License-Identifier: MIT
/* Fuzz target: the GPT loader over a disk of any bytes and block size, and
 * what a report-only run does with what it loaded: the verdicts, the plan
 * and the report. Input format and the other properties of the same
 * inputs: gptinput.h.
 *
 * Invariants (a failure aborts): an honest disk of four blocks or more
 * loads; a loaded table has the shape the model promises; the verdicts
 * (gpt_check_table with and without --repair) are consistent with the
 * table; the plan names exactly the used entries of the selected types,
 * read here from the entries' type GUIDs; nothing is written; the report
 * lines are well-formed (fuzz_sink); no leak, no stray buffer. */
#include <stdlib.h>
#include <string.h>

#include "gptinput.h"
#include "guid.h"
#include "report.h"

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
		FUZZ_CHECK(le64(&copy_header(c)->my_lba) == c->lba,
			   "copy %d: MyLBA %llu read at %llu", i,
			   (unsigned long long)le64(&copy_header(c)->my_lba),
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

/* What a report-only run does: load, check, plan, report. */
static void explore(struct loaded *l)
{
	const struct input *in = l->in;
	const struct gpt_table *t = l->t;
	enum gpt_status check_plain, check_repair, st = l->st;
	struct gpt_reason why, w2;
	struct gpt_plan plan = { 0 };
	enum gpt_status plan_st;

	if (in->last_lba < 3)
		FUZZ_CHECK(st == GPT_E_NOT_GPT, "load of %llu blocks: %s",
			   (unsigned long long)in->last_lba + 1,
			   gpt_status_name(st));
	else
		FUZZ_CHECK(st == GPT_OK, "load on an honest disk: %s: %s",
			   gpt_status_name(st), l->why.text);
	if (st != GPT_OK)
		return;
	check_table_shape(t, in);
	gpt_report_table(t, GPT_IN_DISK_NAME, NULL, &fuzz_sink);

	check_plain = gpt_check_table(t, GPT_REPAIR_NONE, &why);
	check_repair = gpt_check_table(t, GPT_REPAIR_ALLOW, &w2);
	FUZZ_CHECK(status_in(check_plain, S(GPT_OK) | S(GPT_E_NOT_GPT) |
						     S(GPT_E_DAMAGED)) &&
			   status_in(check_repair,
				     S(GPT_OK) | S(GPT_E_NOT_GPT) |
					     S(GPT_E_DAMAGED)),
		   "check_table: %s / %s", gpt_status_name(check_plain),
		   gpt_status_name(check_repair));
	FUZZ_CHECK(check_plain != GPT_OK || check_repair == GPT_OK,
		   "accepted as is, refused with --repair: %s", w2.text);
	FUZZ_CHECK(check_plain != GPT_OK ||
			   (t->primary.valid && t->backup.valid &&
			    t->copies_agree && t->entries_ok &&
			    (t->mbr_kind == MBR_PROTECTIVE ||
			     t->mbr_kind == MBR_HYBRID)),
		   "accepted without --repair but not healthy");
	FUZZ_CHECK(check_repair != GPT_OK ||
			   (gpt_good_copy(t) && t->entries_ok),
		   "accepted with --repair without good entries");

	plan_st = gpt_plan_removals(t, in->types, in->ntypes, &plan, &why);
	if (!gpt_good_copy(t))
		FUZZ_CHECK(plan_st == GPT_E_DAMAGED && plan.count == 0,
			   "plan without a good copy: %s", why.text);
	else
		FUZZ_CHECK(status_in(plan_st, S(GPT_OK) | S(GPT_E_LIMIT)),
			   "plan: %s", why.text);
	if (plan_st == GPT_OK) {
		check_plan(t, in, &plan);
		gpt_report_table(t, GPT_IN_DISK_NAME, &plan, &fuzz_sink);
	}
	FUZZ_CHECK(l->d->done[MD_WRITE] == 0 && l->d->done[MD_FLUSH] == 0,
		   "%u write(s), %u flush(es) without a commit",
		   l->d->done[MD_WRITE], l->d->done[MD_FLUSH]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	input_run(data, size, false, explore);
	return 0;
}
