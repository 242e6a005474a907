// SPDX-License-Identifier: MIT
/* --repair: one bad copy is rebuilt from the good one (and then equals,
 * byte for byte, what sgdisk had written); without --repair, or with both
 * copies bad, the table is refused and nothing is written. */
#include "unit.h"

#include <stdlib.h>

struct row {
	const char *fixture;
	const char *pristine; /* the image before it was broken */
	bool bad_primary;     /* else the backup is bad */
};

static const struct row rows[] = {
	{ "hdr-crc", "ws2019", true },
	{ "hdr-signature", "ws2019", true },
	{ "hdr-revision", "ws2019", true },
	{ "hdr-mylba", "ws2019", true },
	{ "hdr-reserved", "ws2019", true },
	{ "arr-crc", "ws2019", true },
	{ "arr-lba-usable", "ws2019", true },
	{ "arr-count-max", "ws2019", true },
	{ "hdr-backup-crc", "ws2019", false },
	{ "hdr-backup-missing", "ws2019", false },
	{ "hdr-backup-mylba", "ws2019", false },
	{ "arr-backup-crc", "ws2019", false },
	{ "arr-backup-lba-header", "ws2019", false },
	{ "4k-hdr-crc", "ws2019-4k", true },
	{ "4k-arr-crc", "ws2019-4k", true },
};

#define NROWS (sizeof(rows) / sizeof(rows[0]))

/* Blocks [lba, lba + n) of the memdisk equal those of the pristine image. */
static void expect_pristine(const struct memdisk *md, const char *name,
			    uint64_t lba, uint32_t n)
{
	size_t len = (size_t)n * md->dev.block_size;
	uint8_t *want = malloc(len);
	char file[256];

	assert_non_null(want);
	snprintf(file, sizeof(file), "%s.img", name);
	fixture_pread(file, lba * md->dev.block_size, want, len);
	for (uint32_t i = 0; i < n; i++)
		if (memcmp(memdisk_block(md, lba + i),
			   want + (size_t)i * md->dev.block_size,
			   md->dev.block_size))
			fail_msg("%s: LBA %llu differs from the original", name,
				 (unsigned long long)(lba + i));
	free(want);
}

/* One bad copy: refused without --repair, rebuilt with it. */
static void repair_row(void **state)
{
	const struct row *r = *state;
	struct gpt_commit_result res = { 0 };
	struct gpt_reason why = { 0 };
	struct gpt_plan empty = { .count = 0 };
	struct memdisk md;
	struct gpt_table t;
	uint32_t area;

	load_fixture(&md, &t, r->fixture);
	area = 1 + 16384 / md.dev.block_size; /* header + array blocks */
	assert_status(gpt_check_table(&t, GPT_REPAIR_NONE, &why), GPT_E_DAMAGED);
	assert_status(gpt_commit_removals(&t, &empty, GPT_REPAIR_NONE, &res, &why),
		      GPT_E_DAMAGED);
	assert_int_equal(memdisk_calls(&md, MD_WRITE), 0);

	assert_status(gpt_check_table(&t, GPT_REPAIR_ALLOW, &why), GPT_OK);
	assert_status(gpt_commit_removals(&t, &empty, GPT_REPAIR_ALLOW, &res, &why),
		      GPT_OK);
	printf("# %s: rebuilt %s, %u blocks written\n", r->fixture,
	       res.rebuilt_primary ? "primary" : "backup", res.blocks_written);
	assert_int_equal(res.rebuilt_primary, r->bad_primary);
	assert_int_equal(res.rebuilt_backup, !r->bad_primary);
	assert_int_equal(res.removed, 0);
	assert_true(res.blocks_written > 0);
	assert_true(t.primary.valid && t.backup.valid && t.copies_agree);
	expect_pristine(&md, r->pristine, 0, area + 1);
	expect_pristine(&md, r->pristine, md.dev.last_lba + 1 - area, area);
	unload(&md, &t);
}

/* Repair and removal in one commit: both copies new, entry 0 gone. */
static void repair_and_remove(void **state)
{
	struct gpt_commit_result res = { 0 };
	struct gpt_reason why = { 0 };
	struct gpt_plan plan;
	struct memdisk md;
	struct gpt_table t;

	(void)state;
	load_fixture(&md, &t, "hdr-crc");
	assert_status(gpt_check_table(&t, GPT_REPAIR_ALLOW, &why), GPT_OK);
	assert_status(gpt_plan_removals(&t, &GPT_TYPE_WINDOWS_RE, 1, &plan,
					&why), GPT_OK);
	assert_int_equal(plan.count, 1);
	assert_status(gpt_commit_removals(&t, &plan, GPT_REPAIR_ALLOW, &res, &why), GPT_OK);
	assert_true(res.rebuilt_primary);
	assert_int_equal(res.removed, 1);
	assert_true(t.primary.valid && t.backup.valid && t.copies_agree);
	assert_false(gpt_entry_used(gpt_entry_at(&t, 0)));
	assert_true(gpt_entry_used(gpt_entry_at(&t, 1)));
	for (int i = 0; i < 128; i++) {
		assert_int_equal(memdisk_block(&md, 2)[i], 0);
		assert_int_equal(memdisk_block(&md, md.dev.last_lba - 32)[i], 0);
	}
	unload(&md, &t);
}

/* Both copies bad: nothing to rebuild from. */
static void both_bad_refused(void **state)
{
	struct gpt_commit_result res = { 0 };
	struct gpt_reason why = { 0 };
	struct gpt_plan empty = { .count = 0 };
	struct memdisk md;
	struct gpt_table t;

	(void)state;
	load_fixture(&md, &t, "hdr-both-crc");
	assert_int_not_equal(gpt_check_table(&t, GPT_REPAIR_ALLOW, &why), GPT_OK);
	printf("# hdr-both-crc: %s\n", why.text);
	assert_int_not_equal(gpt_commit_removals(&t, &empty, GPT_REPAIR_ALLOW, &res, &why),
			     GPT_OK);
	assert_int_equal(memdisk_calls(&md, MD_WRITE), 0);
	unload(&md, &t);
}

/* Copies that are each valid but disagree: no way to tell which is right. */
static void disagreeing_refused(void **state)
{
	struct gpt_reason why = { 0 };
	struct memdisk md;
	struct gpt_table t;

	(void)state;
	load_fixture(&md, &t, "copies-usable");
	assert_status(gpt_check_table(&t, GPT_REPAIR_ALLOW, &why), GPT_E_DAMAGED);
	unload(&md, &t);
}

int main(void)
{
	struct CMUnitTest tests[NROWS + 3] = {
		cmocka_unit_test(repair_and_remove),
		cmocka_unit_test(both_bad_refused),
		cmocka_unit_test(disagreeing_refused),
	};
	size_t n = 3;

	for (size_t i = 0; i < NROWS; i++)
		tests[n++] = (struct CMUnitTest){
			.name = rows[i].fixture,
			.test_func = repair_row,
			.initial_state = (void *)&rows[i],
		};
	return unit_run("gpt-repair", tests, n);
}
