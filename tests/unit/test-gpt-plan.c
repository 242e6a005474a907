// SPDX-License-Identifier: MIT
/* gpt_plan_removals: which used entries a run would remove. */
#include "unit.h"

static const char MSR[] = "E3C9E316-0B5C-4DB8-817D-F92DF00215AE";
static const char BASIC_DATA[] = "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7";

/* Plan on fixture with the given type strings (NULL: Windows RE), and
 * compare with the expected entry indices. */
static void expect_plan(const char *fixture, const char *const *types,
			size_t ntypes, const uint32_t *want, uint32_t nwant)
{
	struct gpt_guid g[GPT_TYPES_MAX];
	struct gpt_reason why = { 0 };
	struct gpt_plan plan;
	struct memdisk md;
	struct gpt_table t;

	for (size_t i = 0; i < ntypes; i++)
		assert_true(guid_parse(types[i], &g[i]));
	if (!types) {
		g[0] = GPT_TYPE_WINDOWS_RE;
		ntypes = 1;
	}
	load_fixture(&md, &t, fixture);
	memset(&plan, 0xA5, sizeof(plan));
	assert_status(gpt_plan_removals(&t, g, ntypes, &plan, &why), GPT_OK);
	printf("# %s: %u entries planned\n", fixture, plan.count);
	assert_int_equal(plan.count, nwant);
	for (uint32_t i = 0; i < nwant; i++) {
		const struct gpt_entry *e = gpt_entry_at(&t, plan.index[i]);

		assert_int_equal(plan.index[i], want[i]);
		assert_non_null(e);
		assert_true(gpt_entry_used(e));
	}
	assert_int_equal(md.done[MD_WRITE], 0);
	unload(&md, &t);
}

static void ws2019_recovery_first(void **state)
{
	static const uint32_t want[] = { 0 };

	(void)state;
	expect_plan("ws2019", NULL, 0, want, 1);
}

static void ws2022_recovery_last(void **state)
{
	static const uint32_t want[] = { 3 };

	(void)state;
	expect_plan("ws2022", NULL, 0, want, 1);
}

static void two_recovery_entries(void **state)
{
	static const uint32_t want[] = { 0, 4 };

	(void)state;
	expect_plan("two-recovery", NULL, 0, want, 2);
}

static void none_found(void **state)
{
	(void)state;
	expect_plan("no-recovery", NULL, 0, NULL, 0);
}

static void other_type(void **state)
{
	static const char *const types[] = { MSR };
	static const uint32_t want[] = { 2 };

	(void)state;
	expect_plan("ws2019", types, 1, want, 1);
}

/* Several types: every match, in ascending entry order. */
static void several_types(void **state)
{
	static const char *const types[] = {
		BASIC_DATA, "de94bba4-06d1-4d40-a16a-bfd50179d6ac", MSR
	};
	static const uint32_t want[] = { 1, 2, 3 }; /* not the ESP (0) */

	(void)state;
	expect_plan("ws2022", types, 3, want, 3);
}

/* A type given explicitly replaces Windows RE: it is not added to it. */
static void other_type_only(void **state)
{
	static const char *const types[] = { BASIC_DATA };
	static const uint32_t want2[] = { 2 }, want3[] = { 3 };

	(void)state;
	expect_plan("no-recovery", types, 1, want2, 1);
	expect_plan("ws2019", types, 1, want3, 1);
}

/* 256-byte entries: entry 1 is the bytes at offset 256 (the MSR here). */
static void entry_size_256(void **state)
{
	static const char *const types[] = { MSR };
	static const uint32_t want0[] = { 0 }, want1[] = { 1 };

	(void)state;
	expect_plan("arr-esize-256", NULL, 0, want0, 1);
	expect_plan("arr-esize-256", types, 1, want1, 1);
}

/* The primary is bad: the plan comes from the backup (the good copy). */
static void plan_from_backup(void **state)
{
	static const uint32_t want[] = { 0 };

	(void)state;
	expect_plan("hdr-crc", NULL, 0, want, 1);
}

static void entry_accessors(void **state)
{
	struct memdisk md;
	struct gpt_table t;
	const struct gpt_entry *e;

	(void)state;
	load_fixture(&md, &t, "ws2019");
	e = gpt_entry_at(&t, 0);
	assert_non_null(e);
	assert_true(guid_equal(&e->type_guid, &GPT_TYPE_WINDOWS_RE));
	assert_int_equal(le64(&e->starting_lba), 2048);
	assert_int_equal(le64(&e->ending_lba), 1023999);
	assert_true(gpt_entry_used(gpt_entry_at(&t, 3)));
	assert_false(gpt_entry_used(gpt_entry_at(&t, 4)));
	assert_false(gpt_entry_used(gpt_entry_at(&t, 127)));
	assert_null(gpt_entry_at(&t, 128));
	assert_null(gpt_entry_at(&t, UINT32_MAX));
	unload(&md, &t);

	load_fixture(&md, &t, "blank"); /* no good copy: no entries */
	assert_null(gpt_entry_at(&t, 0));
	unload(&md, &t);
}

int main(void)
{
	struct CMUnitTest tests[] = {
		cmocka_unit_test(ws2019_recovery_first),
		cmocka_unit_test(ws2022_recovery_last),
		cmocka_unit_test(two_recovery_entries),
		cmocka_unit_test(none_found),
		cmocka_unit_test(other_type),
		cmocka_unit_test(several_types),
		cmocka_unit_test(other_type_only),
		cmocka_unit_test(entry_size_256),
		cmocka_unit_test(plan_from_backup),
		cmocka_unit_test(entry_accessors),
	};

	return unit_run("gpt-plan", tests, sizeof(tests) / sizeof(tests[0]));
}
