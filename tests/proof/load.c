// SPDX-License-Identifier: MIT
/* Eva harness: everything that reads a disk before any change. A device of
 * block size PROOF_BS (512, 1024, 2048 or 4096; one analysis each), any
 * last LBA, unknown bytes in every block, reads and allocations that may
 * fail; then one of what a run does with what it loaded: the report, the
 * verdict with or without --repair, a plan for up to GPT_TYPES_MAX
 * unknown types and the report of the plan, an entry by any index; and
 * the release. One use per path, straight after gpt_load: none of them
 * changes the table (their contracts say so), and WP then needs nothing
 * but gpt_load's postcondition to prove what each requires. */
#include "__fc_builtin.h"
#include "gpt.h"
#include "model.h"
#include "report.h"

/*@ requires gpt_table_readable(t); */
static void use_entry(const struct gpt_table *t)
{
	const struct gpt_entry *e =
		gpt_entry_at(t, Frama_C_unsigned_int_interval(0, UINT32_MAX));

	if (e)
		(void)gpt_entry_used(e);
}

/*@ requires gpt_table_readable(t);
    requires \valid_read(types + (0 .. ntypes - 1)); */
static void plan_and_report(const struct gpt_table *t,
			    const struct gpt_guid *types, size_t ntypes)
{
	struct gpt_plan plan = { 0 }; /* as core/gptrim.c */
	struct gpt_reason why;

	if (gpt_plan_removals(t, types, ntypes, &plan, &why) == GPT_OK)
		gpt_report_table(t, "disk", &plan, &proof_sink);
}

int main(void)
{
	struct blockdev dev;
	struct gpt_table t;
	struct gpt_reason why;
	struct gpt_guid types[GPT_TYPES_MAX];
	size_t ntypes = Frama_C_interval(0, GPT_TYPES_MAX);

	proof_dev_init(&dev, PROOF_BS);
	proof_unknown(types, sizeof(types));
	if (gpt_load(&dev, &t, &why) != GPT_OK) {
		gpt_table_release(&t);
		return 0;
	}
	/* One analysis per pair of verdicts on the copies: the report and
	 * the plan ask for the good copy again and again (gpt_good_copy),
	 * and Eva must not mix a table whose primary is valid with one whose
	 * backup is. */
	//@ split t.primary.valid;
	//@ split t.backup.valid;
	switch (Frama_C_interval(0, 4)) {
	case 0:
		gpt_report_table(&t, "disk", 0, &proof_sink);
		break;
	case 1:
		(void)gpt_check_table(&t, GPT_REPAIR_NONE, &why);
		break;
	case 2:
		(void)gpt_check_table(&t, GPT_REPAIR_ALLOW, &why);
		break;
	case 3:
		use_entry(&t);
		break;
	default:
		plan_and_report(&t, types, ntypes);
		break;
	}
	gpt_table_release(&t);
	return 0;
}
