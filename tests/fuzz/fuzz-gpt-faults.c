// SPDX-License-Identifier: MIT
/* Fuzz target: load, plan and commit with one failing call: the k-th
 * alloc, read, write or flush (byte 1 of the input, gptinput.h).
 *
 * Invariants (a failure aborts): no crash, no leak, no stray buffer; a
 * load fails only through the fault (or a disk too small for a GPT); a
 * commit fails only through the fault or a refusal before writing, and
 * then the disk, read again without the fault, still has a valid copy
 * that is wholly the old table or wholly the new one. */
#include <stdlib.h>
#include <string.h>

#include "gptinput.h"
#include "report.h"

/* The faulted pass: the k-th call of one operation fails. No crash, no
 * leak, and if the commit failed, the disk still reads as the old table or
 * the new one (docs/design.md "Changing a disk"; a failed write stores nothing,
 * like a cut before it). The clean run of the same disk is
 * fuzz-gpt-load's and fuzz-gpt-commit's. */
static void faulted(struct loaded *l)
{
	const struct input *in = l->in;
	struct memdisk *d = l->d;
	struct gpt_table *t = l->t;
	enum gpt_status st = l->st;
	struct gpt_reason why;
	struct gpt_table t2;
	struct gpt_plan plan = { 0 };
	struct gpt_commit_result res;
	struct expect x;
	const struct gpt_copy *good;
	const char *diff;

	if (st != GPT_OK) {
		FUZZ_CHECK(d->fault_fired || in->last_lba < 3,
			   "load failed without a fault: %s", l->why.text);
		return;
	}
	gpt_report_table(t, GPT_IN_DISK_NAME, NULL, &fuzz_sink);
	if (gpt_check_table(t, GPT_REPAIR_ALLOW, &why) != GPT_OK ||
	    gpt_plan_removals(t, in->types, in->ntypes, &plan, &why) !=
		    GPT_OK)
		return;
	if (d->fault_fired) {
		/* A failed read made this table: then fuzz-gpt-load judges
		 * the disk; only check that a commit does not crash. */
		(void)gpt_commit_removals(t, &plan, GPT_REPAIR_ALLOW, &res, &why);
		return;
	}
	expect_init(&x, t, &plan);
	st = gpt_commit_removals(t, &plan, GPT_REPAIR_ALLOW, &res, &why);
	if (st != GPT_OK) {
		FUZZ_CHECK(d->fault_fired || st == GPT_E_DAMAGED,
			   "commit failed without a fault: %s", why.text);
		memdisk_fail(d, in->fault_op, 0);
		st = gpt_load(&d->dev, &t2, &why);
		FUZZ_CHECK(st == GPT_OK, "reload after a failed commit: %s",
			   why.text);
		good = gpt_good_copy(&t2);
		FUZZ_CHECK(good, "no valid copy left after the commit failed "
			   "(%s, call %u): primary: %s | backup: %s",
			   memdisk_op_name(in->fault_op),
			   in->fault_k, t2.primary.why.text, t2.backup.why.text);
		diff = old_or_new(&x, good);
		FUZZ_CHECK(!diff, "after a failed commit the %s copy: %s",
			   good == &t2.primary ? "primary" : "backup", diff);
		gpt_table_release(&t2);
	}
	expect_fini(&x);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	input_run(data, size, true, faulted);
	return 0;
}
