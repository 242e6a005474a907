// SPDX-License-Identifier: MIT
/* gpt_commit_removals when things go wrong: a device that does not store
 * what it was given, a read, write or flush that fails at each step, and
 * tables that must be refused. Whatever happens, at least one copy stays
 * valid and wholly old or wholly new, and refused tables see no write. */
#include "unit.h"

#include <stdlib.h>

static void prepare(struct memdisk *md, struct gpt_table *t,
		    struct gpt_plan *plan, const char *fixture)
{
	struct gpt_reason why = { 0 };

	load_fixture(md, t, fixture);
	assert_status(gpt_check_table(t, GPT_REPAIR_NONE, &why), GPT_OK);
	assert_status(gpt_plan_removals(t, &GPT_TYPE_WINDOWS_RE, 1, plan, &why),
		      GPT_OK);
	assert_int_equal(plan->count, 1);
	memdisk_clear_log(md);
}

static void readback(enum md_readback mode)
{
	struct gpt_commit_result res = { 0 };
	struct gpt_reason why = { 0 };
	struct gpt_plan plan;
	struct memdisk md;
	struct gpt_table t;
	enum gpt_status st;

	prepare(&md, &t, &plan, "ws2019");
	md.readback = mode;
	st = gpt_commit_removals(&t, &plan, GPT_REPAIR_NONE, &res, &why);
	printf("# %s: %s\n", gpt_status_name(st), why.text);
	assert_status(st, GPT_E_VERIFY);
	assert_true(why.text[0] != 0);
	unload(&md, &t);
}

static void readback_dropped(void **state)
{
	(void)state;
	readback(MD_RB_DROP);
}

static void readback_flipped(void **state)
{
	(void)state;
	readback(MD_RB_FLIP);
}

/* Is this valid copy wholly old (entry 0 as made) or wholly new (entry 0
 * zero, the rest as made)? */
static void check_old_or_new(const struct gpt_copy *c, const char *what)
{
	uint8_t old[16384];
	const uint8_t *a = c->array;
	bool is_old, is_new = true;

	fixture_pread("ws2019.img", 2 * 512, old, sizeof(old));
	is_old = !memcmp(a, old, sizeof(old));
	for (int i = 0; i < 128 && is_new; i++)
		is_new = a[i] == 0;
	is_new = is_new && !memcmp(a + 128, old + 128, sizeof(old) - 128);
	printf("# %s copy: valid, %s\n", what, is_old ? "old" : "new");
	assert_true(is_old || is_new);
}

/* Fail the k-th call of op during the commit of ws2019. */
static void fail_step(enum md_op op, uint32_t k, bool in_backup_half)
{
	struct gpt_commit_result res = { 0 };
	struct gpt_reason why = { 0 };
	struct gpt_plan plan;
	struct memdisk md;
	struct gpt_table t, after;
	uint8_t old[34 * 512];
	size_t failed = SIZE_MAX;

	prepare(&md, &t, &plan, "ws2019");
	memdisk_fail(&md, op, k);
	assert_status(gpt_commit_removals(&t, &plan, GPT_REPAIR_NONE, &res, &why),
		      GPT_E_IO);
	printf("# %s %u failed: %s\n", memdisk_op_name(op), k, why.text);
	for (size_t i = 0; i < md.nlog; i++) {
		if (md.log[i].status != GPT_OK && failed == SIZE_MAX)
			failed = i;
		else if (failed != SIZE_MAX)
			assert_int_not_equal(md.log[i].op, MD_WRITE);
	}
	assert_int_not_equal(failed, SIZE_MAX);
	if (in_backup_half) { /* the primary was not touched */
		fixture_pread("ws2019.img", 0, old, sizeof(old));
		assert_memory_equal(memdisk_block(&md, 0), old, sizeof(old));
	}
	gpt_table_release(&t);

	/* What a later boot finds: one good copy, wholly old or new. */
	md.fail_at[op] = 0;
	memset(&after, 0, sizeof(after));
	assert_status(gpt_load(&md.dev, &after, &why), GPT_OK);
	assert_true(after.primary.valid || after.backup.valid);
	if (after.primary.valid)
		check_old_or_new(&after.primary, "primary");
	if (after.backup.valid)
		check_old_or_new(&after.backup, "backup");
	unload(&md, &after);
}

static void write_1_backup_array(void **state)
{
	(void)state;
	fail_step(MD_WRITE, 1, true);
}

static void write_2_backup_header(void **state)
{
	(void)state;
	fail_step(MD_WRITE, 2, true);
}

static void flush_1(void **state)
{
	(void)state;
	fail_step(MD_FLUSH, 1, true);
}

static void write_3_primary_array(void **state)
{
	(void)state;
	fail_step(MD_WRITE, 3, false);
}

static void write_4_primary_header(void **state)
{
	(void)state;
	fail_step(MD_WRITE, 4, false);
}

static void flush_2(void **state)
{
	(void)state;
	fail_step(MD_FLUSH, 2, false);
}

/* A read failing before the first write: nothing is written. */
static void read_1(void **state)
{
	struct gpt_commit_result res = { 0 };
	struct gpt_reason why = { 0 };
	struct gpt_plan plan;
	struct memdisk md;
	struct gpt_table t;

	(void)state;
	prepare(&md, &t, &plan, "ws2019");
	memdisk_fail(&md, MD_READ, 1);
	assert_status(gpt_commit_removals(&t, &plan, GPT_REPAIR_NONE, &res, &why),
		      GPT_E_IO);
	assert_int_equal(memdisk_calls(&md, MD_WRITE), 0);
	unload(&md, &t);
}

/* Tables gpt_check_table refuses: a commit of entry 0 writes nothing. */
static void refused_writes_nothing(void **state)
{
	static const struct {
		const char *fixture;
		bool even_with_repair;
	} cases[] = {
		{ "hdr-crc", false }, { "arr-crc", false },
		{ "hdr-backup-crc", false }, { "hdr-backup-missing", false },
		{ "hdr-both-crc", true }, { "array-over-4m", true },
		{ "copies-guid", true }, { "copies-count", true },
		{ "copies-array", true }, { "ent-overlap", true },
		{ "ent-beyond-last", true }, { "mbr-none", true },
		{ "blank", true }, { "mbr-only", true },
	};
	struct gpt_plan plan = { .count = 1, .index = { 0 } };

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (int repair = 0; repair <= cases[i].even_with_repair;
		     repair++) {
			struct gpt_commit_result res = { 0 };
			struct gpt_reason why = { 0 };
			struct memdisk md;
			struct gpt_table t;
			enum gpt_status st;

			load_fixture(&md, &t, cases[i].fixture);
			memdisk_clear_log(&md);
			st = gpt_commit_removals(&t, &plan, repair, &res, &why);
			printf("# %s%s: %s: %s\n", cases[i].fixture,
			       repair ? " (repair)" : "", gpt_status_name(st),
			       why.text);
			assert_int_not_equal(st, GPT_OK);
			assert_int_equal(memdisk_calls(&md, MD_WRITE), 0);
			assert_int_equal(memdisk_calls(&md, MD_FLUSH), 0);
			unload(&md, &t);
		}
	}
}

int main(void)
{
	struct CMUnitTest tests[] = {
		cmocka_unit_test(readback_dropped),
		cmocka_unit_test(readback_flipped),
		cmocka_unit_test(write_1_backup_array),
		cmocka_unit_test(write_2_backup_header),
		cmocka_unit_test(flush_1),
		cmocka_unit_test(write_3_primary_array),
		cmocka_unit_test(write_4_primary_header),
		cmocka_unit_test(flush_2),
		cmocka_unit_test(read_1),
		cmocka_unit_test(refused_writes_nothing),
	};

	return unit_run("gpt-commit-faults", tests,
			sizeof(tests) / sizeof(tests[0]));
}
