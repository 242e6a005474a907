// SPDX-License-Identifier: MIT
/* Eva harness: the commit after a successful plan. A device of block size
 * PROOF_BS, any last LBA, unknown bytes, and reads, writes, flushes and
 * allocations that may each fail (the read-back after the writes too: the
 * model's read returns unknown bytes every time). The table is loaded and
 * planned as a run does, then checked for the commit or committed, with
 * or without --repair (each nondeterministically), the result reported
 * and the table released. */
#include "__fc_builtin.h"
#include "gpt.h"
#include "model.h"
#include "report.h"

int main(void)
{
	struct blockdev dev;
	struct gpt_table t;
	struct gpt_reason why;
	struct gpt_plan plan = { 0 }; /* as core/gptrim.c */
	struct gpt_commit_result res;
	struct gpt_guid types[GPT_TYPES_MAX];
	size_t ntypes = Frama_C_interval(0, GPT_TYPES_MAX);
	enum gpt_repair repair = Frama_C_nondet(GPT_REPAIR_NONE, GPT_REPAIR_ALLOW);

	proof_dev_init(&dev, PROOF_BS);
	proof_unknown(types, sizeof(types));
	if (gpt_load(&dev, &t, &why) != GPT_OK)
		goto out;
	//@ split t.primary.valid;
	//@ split t.backup.valid;
	/* The loaded table's blocks, named before the plan: after it WP
	 * then shows only that the plan left them alone (0.2 s a copy),
	 * not that and gpt_load's whole postcondition at once (30 s). */
	//@ assert t.dev == &dev && dev.block_size == PROOF_BS;
	//@ assert gpt_copy_blocks(&t.primary, PROOF_BS);
	//@ assert gpt_copy_blocks(&t.backup, PROOF_BS);
	if (gpt_plan_removals(&t, types, ntypes, &plan, &why) != GPT_OK)
		goto out;
	/* The plan wrote only itself and why: gpt_table_loaded(&t), one
	 * part at a time (WP; the whole at once is beyond the provers). */
	//@ assert gpt_table_readable(&t);
	//@ assert t.dev == &dev && dev.block_size == PROOF_BS;
	//@ assert gpt_copy_blocks(&t.primary, PROOF_BS);
	//@ assert gpt_copy_blocks(&t.backup, PROOF_BS);
	//@ assert \valid_read(t.mbr + (0 .. PROOF_BS - 1));
	/* The check a front end makes before saving its backup, or the
	 * commit itself (which checks again): either, on every table. The
	 * check changes nothing, so the commit without it covers more. */
	if (Frama_C_nondet(0, 1)) {
		(void)gpt_check_commit(&t, &plan, repair, &why);
		goto out;
	}
	if (gpt_commit_removals(&t, &plan, repair, &res, &why) == GPT_OK)
		gpt_report_commit(&res, &proof_sink);
out:
	gpt_table_release(&t);
	return 0;
}
