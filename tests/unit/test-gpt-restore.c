// SPDX-License-Identifier: MIT
/* gpt_restore of sgdisk --backup files: after the recovery entry was
 * removed (by sgdisk or by us) the original GPT areas come back byte for
 * byte, in the safe order with LBA 0 last; a file of another disk (GUID,
 * sector count, sector size) is refused and nothing is written. */
#include "unit.h"

#include <stdlib.h>

struct restore {
	uint8_t *file;
	size_t len;
	struct gpt_backup b;
	struct gpt_commit_result res;
	struct gpt_reason why;
};

static void read_backup(struct restore *r, const char *sgdisk_file)
{
	memset(r, 0, sizeof(*r));
	r->file = fixture_slurp(sgdisk_file, &r->len);
	assert_status(gpt_backup_decode(r->file, r->len, &r->b, &r->why),
		      GPT_OK);
}

/* LBA 0-33 and the last 33 blocks (512-byte equivalents) as made. */
static void expect_gpt_areas(const struct memdisk *md, const char *image)
{
	uint32_t bs = md->dev.block_size, area = 2 + 16384 / bs;
	size_t len = (size_t)area * bs;
	uint64_t tail = md->dev.last_lba + 2 - area;
	uint8_t *want = malloc(len);

	assert_non_null(want);
	fixture_pread(image, 0, want, len);
	assert_memory_equal(memdisk_block(md, 0), want, len);
	fixture_pread(image, tail * bs, want, len - bs);
	assert_memory_equal(memdisk_block(md, tail), want, len - bs);
	free(want);
}

/* Writes go backup copy, flush, primary copy, LBA 0 last, flush. */
static void expect_safe_order(const struct memdisk *md)
{
	uint64_t backup_start = md->dev.last_lba - 16384 / md->dev.block_size;
	int phase = 0; /* 0 backup, 1 primary, 2 MBR */
	uint32_t flushes = 0;
	bool flushed_last = false;

	for (size_t i = 0; i < md->nlog; i++) {
		const struct md_call *l = &md->log[i];
		int p;

		if (l->op == MD_FLUSH) {
			flushes++;
			flushed_last = true;
		}
		if (l->op != MD_WRITE)
			continue;
		flushed_last = false;
		p = l->lba == 0 ? 2 : l->lba >= backup_start ? 0 : 1;
		if (p < phase || (p >= 1 && flushes < 1))
			fail_msg("write %llu+%u out of order",
				 (unsigned long long)l->lba, l->count);
		phase = p;
	}
	assert_true(flushed_last);
}

static void restore_onto(const char *image, const char *sgdisk_file,
			 const char *pristine, bool remove_first)
{
	struct restore r;
	struct memdisk md;
	struct gpt_table t;
	struct gpt_plan plan;
	char file[256];

	read_backup(&r, sgdisk_file);
	load_fixture(&md, &t, image);
	if (remove_first) {
		assert_status(gpt_plan_removals(&t, &GPT_TYPE_WINDOWS_RE, 1,
						&plan, &r.why), GPT_OK);
		assert_status(gpt_commit_removals(&t, &plan, GPT_REPAIR_NONE, &r.res,
						  &r.why), GPT_OK);
		assert_int_equal(r.res.removed, 1);
	}
	if (remove_first || strstr(image, "-removed"))
		assert_false(gpt_entry_used(gpt_entry_at(&t, 0)));
	memdisk_clear_log(&md);
	assert_status(gpt_restore(&t, &r.b, &r.res, &r.why), GPT_OK);
	printf("# %s <- %s: %u blocks written\n", image, sgdisk_file,
	       r.res.blocks_written);
	memdisk_dump_log(&md);
	expect_safe_order(&md);
	snprintf(file, sizeof(file), "%s.img", pristine);
	expect_gpt_areas(&md, file);
	assert_true(t.primary.valid && t.backup.valid && t.copies_agree);
	assert_true(gpt_entry_used(gpt_entry_at(&t, 0)));
	unload(&md, &t);
	free(r.file);
}

static void after_sgdisk_delete(void **state)
{
	(void)state;
	restore_onto("ws2019-removed", "ws2019.sgdisk", "ws2019", false);
}

static void after_our_removal(void **state)
{
	(void)state;
	restore_onto("ws2019", "ws2019.sgdisk", "ws2019", true);
}

static void after_our_removal_4k(void **state)
{
	(void)state;
	restore_onto("ws2019-4k", "ws2019-4k.sgdisk", "ws2019-4k", true);
}

static void after_our_removal_2k(void **state)
{
	(void)state;
	restore_onto("ws2019-2k", "ws2019-2k.sgdisk", "ws2019-2k", true);
}

/* What a restore is for: both copies broken, or LBA 0 wiped. */
static void onto_damaged_disks(void **state)
{
	(void)state;
	restore_onto("hdr-both-crc", "ws2019.sgdisk", "ws2019", false);
	restore_onto("mbr-none", "ws2019.sgdisk", "ws2019", false);
	restore_onto("ent-overlap", "ws2019.sgdisk", "ws2019", false);
}

/* A zero-filled disk of size bytes, loaded, with an empty log. */
static void open_blank(struct memdisk *md, struct gpt_table *t, size_t size)
{
	struct gpt_reason why;

	assert_int_equal(memdisk_open_buffer(md, NULL, 0, size, 512), 0);
	assert_status(gpt_load(&md->dev, t, &why), GPT_OK);
	memdisk_clear_log(md);
}

/* A wiped disk of the right size takes the backup, MBR included. */
static void onto_blank_disk(void **state)
{
	struct restore r;
	struct memdisk md;
	struct gpt_table t;

	(void)state;
	read_backup(&r, "ws2019.sgdisk");
	open_blank(&md, &t, 1ull << 30);
	assert_status(gpt_restore(&t, &r.b, &r.res, &r.why), GPT_OK);
	expect_safe_order(&md);
	expect_gpt_areas(&md, "ws2019.img");
	assert_int_equal(t.mbr_kind, MBR_PROTECTIVE);
	unload(&md, &t);
	free(r.file);
}

/* Restoring r's backup onto image fails with want, naming keywords, and
 * nothing is written. Frees r's file. */
static void refused_with(struct restore *r, const char *image,
			 enum gpt_status want, const char *keywords)
{
	struct memdisk md;
	struct gpt_table t;
	enum gpt_status st;

	load_fixture(&md, &t, image);
	memdisk_clear_log(&md);
	st = gpt_restore(&t, &r->b, &r->res, &r->why);
	printf("# %s: %s: %s\n", image, gpt_status_name(st), r->why.text);
	assert_status(st, want);
	assert_reason(r->why.text, keywords);
	assert_int_equal(memdisk_calls(&md, MD_WRITE), 0);
	assert_int_equal(memdisk_calls(&md, MD_FLUSH), 0);
	unload(&md, &t);
	free(r->file);
}

static void refused(const char *image, const char *sgdisk_file,
		    const char *keywords)
{
	struct restore r;

	read_backup(&r, sgdisk_file);
	refused_with(&r, image, GPT_E_MISMATCH, keywords);
}

static void other_disk_guid(void **state)
{
	(void)state;
	refused("ws2019-otherguid", "ws2019.sgdisk", "disk|GUID");
	refused("ws2019", "ws2022.sgdisk", "disk|GUID|sectors");
}

/* A disk smaller than the backup header's LBA cannot take it. */
static void smaller_disk(void **state)
{
	struct restore r;
	struct memdisk md;
	struct gpt_table t;

	(void)state;
	read_backup(&r, "ws2019.sgdisk");
	open_blank(&md, &t, 512u << 20);
	assert_status(gpt_restore(&t, &r.b, &r.res, &r.why), GPT_E_MISMATCH);
	assert_reason(r.why.text, "2097152 sectors");
	assert_int_equal(memdisk_calls(&md, MD_WRITE), 0);
	unload(&md, &t);
	free(r.file);
}

/* A grown disk (backup GPT before the end): our removal moves the backup
 * to the end; the restore puts it back where it was, and erases the moved
 * copy once the restored table is durable. Every block the two wrote is
 * as the fixture was made. */
static void grown_disk_round_trip(void **state)
{
	static const uint64_t old_backup = 2097151, areas[][2] = {
		{ 0, 34 }, { 2097119, 33 }, { 2228191, 33 },
	};
	struct restore r;
	struct memdisk md;
	struct gpt_table t;
	struct gpt_plan plan;
	uint8_t *want = malloc(34 * 512);

	(void)state;
	assert_non_null(want);
	read_backup(&r, "ws2019.sgdisk");
	load_fixture(&md, &t, "grown");
	assert_true(t.backup_misplaced && t.backup.lba == old_backup);
	assert_status(gpt_plan_removals(&t, &GPT_TYPE_WINDOWS_RE, 1, &plan,
					&r.why), GPT_OK);
	assert_status(gpt_commit_removals(&t, &plan, GPT_REPAIR_NONE, &r.res, &r.why),
		      GPT_OK);
	assert_true(r.res.backup_moved);
	assert_int_equal(t.backup.lba, md.dev.last_lba);
	memdisk_clear_log(&md);
	assert_status(gpt_restore(&t, &r.b, &r.res, &r.why), GPT_OK);
	memdisk_dump_log(&md);
	assert_true(r.res.stale_erased);
	assert_int_equal(r.res.stale_lba, md.dev.last_lba);
	assert_int_equal(t.backup.lba, old_backup);
	assert_true(t.primary.valid && t.backup.valid && t.copies_agree);
	assert_int_equal(md.dev.last_lba, areas[2][0] + 32);
	for (size_t i = 0; i < sizeof(areas) / sizeof(areas[0]); i++) {
		size_t len = areas[i][1] * 512;

		fixture_pread("grown.img", areas[i][0] * 512, want, len);
		if (memcmp(memdisk_block(&md, areas[i][0]), want, len) != 0)
			fail_msg("LBA %llu..%llu differ from the original",
				 (unsigned long long)areas[i][0],
				 (unsigned long long)(areas[i][0] +
						      areas[i][1] - 1));
	}
	unload(&md, &t);
	free(want);
	free(r.file);
}

/* The loader's rules for the MBR: 0x55AA without an 0xEE record is a
 * table the firmware ignores, and a restore refuses to write it. */
static void mbr_without_protective_record(void **state)
{
	struct restore r;

	(void)state;
	read_backup(&r, "ws2019.sgdisk");
	memset(r.file + 446, 0, 64); /* the four records; 0x55AA stays */
	assert_status(gpt_backup_decode(r.file, r.len, &r.b, &r.why), GPT_OK);
	refused_with(&r, "ws2019", GPT_E_DAMAGED, "0xEE");
}

/* Same GUID and sector count, 512-byte instead of 4096-byte sectors. */
static void other_sector_size(void **state)
{
	(void)state;
	refused("samecount-512", "ws2019-4k.sgdisk", "sector size|byte sectors");
}

int main(void)
{
	struct CMUnitTest tests[] = {
		cmocka_unit_test(after_sgdisk_delete),
		cmocka_unit_test(after_our_removal),
		cmocka_unit_test(after_our_removal_4k),
		cmocka_unit_test(after_our_removal_2k),
		cmocka_unit_test(onto_damaged_disks),
		cmocka_unit_test(onto_blank_disk),
		cmocka_unit_test(other_disk_guid),
		cmocka_unit_test(smaller_disk),
		cmocka_unit_test(grown_disk_round_trip),
		cmocka_unit_test(mbr_without_protective_record),
		cmocka_unit_test(other_sector_size),
	};

	return unit_run("gpt-restore", tests, sizeof(tests) / sizeof(tests[0]));
}
