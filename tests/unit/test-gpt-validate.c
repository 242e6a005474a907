// SPDX-License-Identifier: MIT
/* gpt_load's verdicts: every rule of docs/design.md "The GPT rules we enforce", each with a
 * fixture (tests/fixtures/variants.sh) that breaks exactly that rule. The
 * copy (or table) must be judged bad and the reason must name the field.
 * Loading never writes. */
#include "unit.h"

#include "report.h"

enum kind {
	GOOD,        /* both copies valid, agreeing, entries fine */
	BAD_PRIMARY, /* the primary copy is invalid, the backup good */
	BAD_BACKUP,
	BAD_BOTH,
	DISAGREE,    /* each copy valid, but they differ */
	BAD_ENTRIES, /* copies fine, used entries not */
};

struct row {
	const char *fixture;
	enum kind kind;
	const char *keywords; /* the reason names one of these */
};

static const struct row rows[] = {
	{ "ws2019", GOOD, NULL },
	{ "ws2022", GOOD, NULL },
	{ "two-recovery", GOOD, NULL },
	{ "no-recovery", GOOD, NULL },
	{ "ws2019-1k", GOOD, NULL },
	{ "ws2019-2k", GOOD, NULL },
	{ "ws2019-4k", GOOD, NULL },
	{ "hdr-size-512", GOOD, NULL },     /* HeaderSize == block size */
	{ "4k-hdr-size-4096", GOOD, NULL },
	{ "arr-esize-256", GOOD, NULL },    /* 128 x 2^1 */
	{ "array-4m", GOOD, NULL },         /* exactly at the cap */
	{ "hdr-signature", BAD_PRIMARY, "signature" },
	{ "hdr-revision", BAD_PRIMARY, "revision" },
	{ "hdr-size-91", BAD_PRIMARY, "HeaderSize|header size" },
	{ "hdr-size-513", BAD_PRIMARY, "HeaderSize|header size" },
	{ "4k-hdr-size-4097", BAD_PRIMARY, "HeaderSize|header size" },
	{ "2k-hdr-size-2049", BAD_PRIMARY, "HeaderSize|header size" },
	{ "1k-hdr-size-1025", BAD_PRIMARY, "HeaderSize|header size" },
	{ "hdr-crc", BAD_PRIMARY, "header CRC|HeaderCRC32" },
	{ "4k-hdr-crc", BAD_PRIMARY, "header CRC|HeaderCRC32" },
	{ "hdr-reserved", BAD_PRIMARY, "reserved" },
	{ "hdr-mylba", BAD_PRIMARY, "MyLBA" },
	{ "hdr-altlba", BAD_PRIMARY, "AlternateLBA" },
	{ "hdr-usable-inverted", BAD_PRIMARY, "FirstUsable" },
	{ "hdr-lastusable", BAD_PRIMARY, "LastUsable" },
	{ "hdr-backup-crc", BAD_BACKUP, "header CRC|HeaderCRC32" },
	{ "hdr-backup-mylba", BAD_BACKUP, "MyLBA" },
	{ "hdr-backup-missing", BAD_BACKUP, "signature" },
	{ "hdr-both-crc", BAD_BOTH, "header CRC|HeaderCRC32" },
	{ "arr-lba-header", BAD_PRIMARY, "array" },
	{ "arr-lba-usable", BAD_PRIMARY, "array" },
	{ "arr-lba-beyond", BAD_PRIMARY, "array" },
	{ "arr-backup-lba-header", BAD_BACKUP, "array" },
	{ "arr-backup-lba-usable", BAD_BACKUP, "array" },
	{ "arr-esize-0", BAD_PRIMARY, "SizeOfPartitionEntry|entry size" },
	{ "arr-esize-100", BAD_PRIMARY, "SizeOfPartitionEntry|entry size" },
	{ "arr-esize-129", BAD_PRIMARY, "SizeOfPartitionEntry|entry size" },
	{ "arr-esize-huge", BAD_PRIMARY,
	  "SizeOfPartitionEntry|entry size|limit|overflow" },
	{ "arr-count-0", BAD_PRIMARY,
	  "NumberOfPartitionEntries|entry count|number of entries" },
	{ "arr-count-wrap", BAD_PRIMARY,
	  "NumberOfPartitionEntries|limit|overflow" },
	{ "arr-count-max", BAD_PRIMARY,
	  "NumberOfPartitionEntries|limit|overflow" },
	{ "arr-crc", BAD_PRIMARY, "array CRC|array: CRC|PartitionEntryArrayCRC32" },
	{ "4k-arr-crc", BAD_PRIMARY,
	  "array CRC|array: CRC|PartitionEntryArrayCRC32" },
	{ "arr-backup-crc", BAD_BACKUP,
	  "array CRC|array: CRC|PartitionEntryArrayCRC32" },
	{ "array-over-4m", BAD_BOTH, "limit|4 MiB|4194304" },
	{ "copies-guid", DISAGREE, "GUID" },
	{ "copies-count", DISAGREE, "entries|NumberOfPartitionEntries" },
	{ "copies-usable", DISAGREE, "usable" },
	{ "copies-array", DISAGREE, "entry|array" },
	{ "copies-crosslink", DISAGREE, "AlternateLBA" },
	{ "ent-start-gt-end", BAD_ENTRIES, "StartingLBA|start" },
	{ "ent-below-first", BAD_ENTRIES, "usable range|FirstUsable" },
	{ "ent-beyond-last", BAD_ENTRIES, "usable range|LastUsable" },
	{ "ent-overlap", BAD_ENTRIES, "overlap" },
};

#define NROWS (sizeof(rows) / sizeof(rows[0]))

static void expect_copy(const struct gpt_copy *c, bool valid,
			const char *what, const struct row *r)
{
	if (c->valid == valid) {
		if (!valid) {
			printf("# %s: %s\n", r->fixture, c->why.text);
			assert_true(c->why.status != GPT_OK);
			assert_reason(c->why.text, r->keywords);
		}
		return;
	}
	fail_msg("%s: %s copy is %s (%s)", r->fixture, what,
		 c->valid ? "valid" : "invalid", c->why.text);
}

/* A copy that breaks a rule: it alone is invalid, and refused. */
static void check_bad_copy(const struct row *r, struct gpt_table *t)
{
	struct gpt_reason why = { 0 };

	expect_copy(&t->primary, r->kind == BAD_BACKUP, "primary", r);
	expect_copy(&t->backup, r->kind == BAD_PRIMARY, "backup", r);
	assert_false(t->copies_agree);
	assert_int_not_equal(gpt_check_table(t, GPT_REPAIR_NONE, &why), GPT_OK);
	assert_true(why.text[0] != 0);
}

/* Two valid copies that differ: refused, with or without --repair. */
static void check_disagree(const struct row *r, struct gpt_table *t)
{
	struct gpt_reason why = { 0 };
	const char *text = t->disagree.text;

	if (!t->backup.valid)
		text = t->backup.why.text; /* cross-link judged on its own */
	else
		assert_true(t->primary.valid);
	printf("# %s: %s\n", r->fixture, text);
	assert_false(t->copies_agree);
	assert_reason(text, r->keywords);
	assert_status(gpt_check_table(t, GPT_REPAIR_NONE, &why), GPT_E_DAMAGED);
	if (t->backup.valid)
		assert_status(gpt_check_table(t, GPT_REPAIR_ALLOW, &why), GPT_E_DAMAGED);
}

static void check_entries(const struct row *r, struct gpt_table *t)
{
	struct gpt_reason why = { 0 };

	assert_true(t->primary.valid && t->backup.valid && t->copies_agree);
	printf("# %s: %s\n", r->fixture, t->entries_why.text);
	assert_false(t->entries_ok);
	assert_reason(t->entries_why.text, r->keywords);
	assert_status(gpt_check_table(t, GPT_REPAIR_NONE, &why), GPT_E_DAMAGED);
	assert_status(gpt_check_table(t, GPT_REPAIR_ALLOW, &why), GPT_E_DAMAGED);
}

static void check_good(const struct row *r, struct gpt_table *t)
{
	struct gpt_reason why = { 0 };

	expect_copy(&t->primary, true, "primary", r);
	expect_copy(&t->backup, true, "backup", r);
	assert_true(t->copies_agree);
	assert_true(t->entries_ok);
	assert_false(t->backup_misplaced);
	assert_int_equal(t->mbr_kind, MBR_PROTECTIVE);
	assert_int_equal(t->primary.lba, 1);
	assert_int_equal(t->backup.lba, t->dev->last_lba);
	assert_ptr_equal(gpt_good_copy(t), &t->primary);
	assert_status(gpt_check_table(t, GPT_REPAIR_NONE, &why), GPT_OK);
}

static void validate_row(void **state)
{
	const struct row *r = *state;
	struct memdisk md;
	struct gpt_table t;

	load_fixture(&md, &t, r->fixture);
	assert_int_equal(md.done[MD_WRITE] + md.done[MD_FLUSH], 0);
	assert_true(t.primary.present || r->kind != GOOD);
	switch (r->kind) {
	case GOOD:
		check_good(r, &t);
		break;
	case BAD_PRIMARY:
	case BAD_BACKUP:
		check_bad_copy(r, &t);
		break;
	case BAD_BOTH:
		expect_copy(&t.primary, false, "primary", r);
		expect_copy(&t.backup, false, "backup", r);
		assert_null(gpt_good_copy(&t));
		break;
	case DISAGREE:
		check_disagree(r, &t);
		break;
	case BAD_ENTRIES:
		check_entries(r, &t);
		break;
	}
	unload(&md, &t);
}

/* LBA 0: a protective MBR is required; hybrid and legacy MBRs named. */
static void mbr_kinds(void **state)
{
	static const struct {
		const char *fixture;
		enum mbr_kind kind;
		bool gpt;
	} cases[] = {
		{ "ws2019", MBR_PROTECTIVE, true },
		{ "ws2019-4k", MBR_PROTECTIVE, true },
		{ "hybrid", MBR_HYBRID, true },
		{ "mbr-only", MBR_ONLY, false },
		{ "mbr-none", MBR_NONE, true },
		{ "blank", MBR_NONE, false },
	};
	struct memdisk md;
	struct gpt_table t;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		load_fixture(&md, &t, cases[i].fixture);
		printf("# %s: %s%s%s\n", cases[i].fixture,
		       mbr_kind_name(t.mbr_kind), t.mbr_why.text[0] ? ": " : "",
		       t.mbr_why.text);
		if (t.mbr_kind != cases[i].kind)
			fail_msg("%s: MBR %s, expected %s", cases[i].fixture,
				 mbr_kind_name(t.mbr_kind),
				 mbr_kind_name(cases[i].kind));
		assert_int_equal(t.primary.valid, cases[i].gpt);
		assert_int_equal(t.backup.valid, cases[i].gpt);
		unload(&md, &t);
	}
}

/* No GPT at all: not refused as damaged but "not a GPT disk". */
static void not_gpt(void **state)
{
	const char *names[] = { "blank", "mbr-only" };
	struct gpt_reason why = { 0 };
	struct memdisk md;
	struct gpt_table t;

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		load_fixture(&md, &t, names[i]);
		assert_false(t.primary.present);
		assert_false(t.backup.present);
		assert_null(gpt_good_copy(&t));
		assert_status(gpt_check_table(&t, GPT_REPAIR_ALLOW, &why), GPT_E_NOT_GPT);
		unload(&md, &t);
	}
}

/* Valid copies without a protective MBR are refused, even with repair. */
static void missing_pmbr_refused(void **state)
{
	struct gpt_reason why = { 0 };
	struct memdisk md;
	struct gpt_table t;

	(void)state;
	load_fixture(&md, &t, "mbr-none");
	assert_true(t.primary.valid && t.backup.valid && t.copies_agree);
	assert_int_not_equal(gpt_check_table(&t, GPT_REPAIR_NONE, &why), GPT_OK);
	printf("# mbr-none: %s\n", why.text);
	assert_reason(why.text, "MBR|protective");
	assert_int_not_equal(gpt_check_table(&t, GPT_REPAIR_ALLOW, &why), GPT_OK);
	unload(&md, &t);
}

/* The disk grew: the backup is valid but not at the last LBA. */
static void grown_disk(void **state)
{
	struct gpt_reason why = { 0 };
	struct memdisk md;
	struct gpt_table t;

	(void)state;
	load_fixture(&md, &t, "grown");
	assert_true(t.primary.valid && t.backup.valid && t.copies_agree);
	assert_true(t.backup_misplaced);
	assert_int_equal(t.backup.lba, (1ull << 30) / 512 - 1);
	assert_int_equal(t.dev->last_lba, (1088ull << 20) / 512 - 1);
	assert_status(gpt_check_table(&t, GPT_REPAIR_NONE, &why), GPT_OK);
	unload(&md, &t);
}

int main(void)
{
	struct CMUnitTest tests[NROWS + 4] = {
		cmocka_unit_test(mbr_kinds),
		cmocka_unit_test(not_gpt),
		cmocka_unit_test(missing_pmbr_refused),
		cmocka_unit_test(grown_disk),
	};
	size_t n = 4;

	for (size_t i = 0; i < NROWS; i++)
		tests[n++] = (struct CMUnitTest){
			.name = rows[i].fixture,
			.test_func = validate_row,
			.initial_state = (void *)&rows[i],
		};
	return unit_run("gpt-validate", tests, n);
}
