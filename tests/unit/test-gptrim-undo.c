// SPDX-License-Identifier: MIT
/* gptrim_undo_disk (--undo), through gptrim_run_disk as both front ends
 * call it: a fix then an undo gives back the sgdisk-made fixture, every
 * block either wrote equal to the pristine image file; the undo saves the
 * table it replaces before its first write, and that backup redoes the
 * fix; a second undo, a report-only undo, a disk without a backup, a
 * failed save and a front end without load_backup behave as documented in
 * gptrim.h. The backup store is a list in memory: the newest is the last
 * one saved. */
#include "unit.h"

#include <stdlib.h>

#include "gptrim.h"

#define STORE_MAX 8

struct run {
	struct memdisk md;
	const char *fixture;
	struct gptrim_env env;
	struct report_sink sink;
	struct disk_outcome res;
	uint8_t *store[STORE_MAX];
	size_t store_len[STORE_MAX];
	uint32_t nstore;
	uint32_t writes_at_save[STORE_MAX];
	uint32_t loads, frees;
	enum gpt_status save_status;
	char summary[256];
};

static void on_line(void *ctx, enum report_level level, const char *text)
{
	(void)ctx;
	(void)level;
	if (strlen(text) > 79)
		fail_msg("line over 79 columns: %s", text);
}

static enum gpt_status on_save(void *ctx, const struct gpt_guid *disk,
			       const uint8_t *data, size_t len,
			       struct gpt_reason *why)
{
	struct run *r = ctx;

	(void)disk;
	if (r->save_status != GPT_OK)
		return gpt_fail(why, r->save_status, "test: ESP is full");
	assert_true(r->nstore < STORE_MAX);
	r->store[r->nstore] = malloc(len);
	assert_non_null(r->store[r->nstore]);
	memcpy(r->store[r->nstore], data, len);
	r->store_len[r->nstore] = len;
	r->writes_at_save[r->nstore] = memdisk_calls(&r->md, MD_WRITE);
	r->nstore++;
	return GPT_OK;
}

/* The newest backup: a private copy, as a front end reads a file. */
static enum gpt_status on_load(void *ctx, const struct gpt_guid *disk,
			       uint8_t **data, size_t *len,
			       struct gpt_reason *why)
{
	struct run *r = ctx;
	uint32_t n = r->nstore;

	if (n == 0)
		return gpt_fail(why, GPT_E_MISMATCH, "no gptrim backup of "
				"disk %s in the test's store", guid_str(disk).s);
	r->loads++;
	*data = malloc(r->store_len[n - 1]);
	assert_non_null(*data);
	memcpy(*data, r->store[n - 1], r->store_len[n - 1]);
	*len = r->store_len[n - 1];
	return GPT_OK;
}

static void on_free(void *ctx, uint8_t *data, size_t len)
{
	struct run *r = ctx;

	(void)len;
	r->frees++;
	free(data);
}

static void open_run(struct run *r, const char *fixture)
{
	memset(r, 0, sizeof(*r));
	r->fixture = fixture;
	fixture_open(&r->md, fixture);
	r->sink = (struct report_sink){ on_line, r };
	r->env = (struct gptrim_env){ &r->sink, on_save, r, on_load, on_free };
}

static void close_run(struct run *r)
{
	for (uint32_t i = 0; i < r->nstore; i++)
		free(r->store[i]);
	assert_int_equal(r->loads, r->frees);
	assert_int_equal(r->md.live_allocs, 0);
	assert_int_equal(r->md.bad_buffers, 0);
	memdisk_close(&r->md);
}

/* gptrim with these EFI options on the disk; the writes it made. */
static uint32_t go(struct run *r, enum gptrim_disk_choice choice, int argc, char **argv)
{
	struct gptrim_options o;
	struct gpt_reason why = { 0 };
	uint32_t before = memdisk_calls(&r->md, MD_WRITE);

	assert_status(options_parse(argc, argv, OPT_FRONTEND_EFI, &o, &why),
		      GPT_OK);
	gptrim_run_disk(&r->md.dev, r->fixture, &o, choice, &r->env,
			&r->res);
	gptrim_summary_line(&r->res, 1, r->fixture, r->summary,
			    sizeof(r->summary));
	printf("# %s\n", r->summary);
	return memdisk_calls(&r->md, MD_WRITE) - before;
}
#define GO(r, choice, ...)                                                 \
	go(r, choice,                                                      \
	   (int)(sizeof((char *[]){ __VA_ARGS__ }) / sizeof(char *)),      \
	   (char *[]){ __VA_ARGS__ })

/* The fixture, fixed by gptrim --apply: the writes that took. */
static uint32_t open_fixed(struct run *r, const char *fixture)
{
	open_run(r, fixture);
	return GO(r, GPTRIM_DISK_NAMED, "--apply");
}

/* Every block written since the disk was opened is the pristine image's
 * again (the rest was never touched). */
static void assert_original(struct run *r)
{
	uint32_t bs = r->md.dev.block_size;
	uint8_t *want = malloc(bs);
	char file[256];
	uint32_t n = 0;

	assert_non_null(want);
	snprintf(file, sizeof(file), "%s.img", r->fixture);
	for (uint64_t lba = 0; lba <= r->md.dev.last_lba; lba++) {
		if (!r->md.written[lba])
			continue;
		n++;
		fixture_pread(file, lba * bs, want, bs);
		if (memcmp(want, memdisk_block(&r->md, lba), bs) != 0)
			fail_msg("%s: LBA %llu is not the original's",
				 r->fixture, (unsigned long long)lba);
	}
	assert_true(n > 0);
	free(want);
}

/* Fix, undo: the original; the undo saved the fixed table before its
 * first write. */
static void round_trip(const char *fixture, uint32_t removed)
{
	struct run r;
	uint32_t fix_writes;

	fix_writes = open_fixed(&r, fixture);
	assert_int_equal(r.res.exit, GPTRIM_EXIT_OK);
	assert_int_equal(r.res.removed, removed);
	assert_int_equal(r.nstore, 1);
	assert_true(GO(&r, GPTRIM_DISK_NAMED, "--apply", "--undo") > 0);
	assert_int_equal(r.res.exit, GPTRIM_EXIT_OK);
	assert_true(r.res.undo && r.res.restored && r.res.healthy);
	assert_int_equal(r.res.undo_entries, removed);
	assert_reason(r.summary, removed == 1 ? "undone: restored 1 entry, "
			"healthy" : "undone: restored 2 entries, healthy");
	assert_int_equal(r.nstore, 2);
	assert_int_equal(r.writes_at_save[1], fix_writes);
	assert_original(&r);
	close_run(&r);
}

static void undo_layouts(void **state)
{
	(void)state;
	round_trip("ws2019", 1);
	round_trip("ws2022", 1);
	round_trip("two-recovery", 2);
	round_trip("grown", 1);
	round_trip("ws2019-4k", 1);
}

/* The undo's own save comes before its first write, and restoring it
 * gives back the fixed table: an undo can be undone. */
static void undo_saves_first(void **state)
{
	struct run r;
	uint32_t fix_writes;
	uint8_t *fixed;

	(void)state;
	fix_writes = open_fixed(&r, "ws2019");
	fixed = malloc(r.md.dev.block_size);
	assert_non_null(fixed);
	memcpy(fixed, memdisk_block(&r.md, 1), r.md.dev.block_size);
	GO(&r, GPTRIM_DISK_NAMED, "--apply", "--undo");
	assert_int_equal(r.res.exit, GPTRIM_EXIT_OK);
	assert_int_equal(r.writes_at_save[1], fix_writes);
	gptrim_restore_disk(&r.md.dev, "ws2019", r.store[1], r.store_len[1],
			    &r.env, &r.res);
	assert_int_equal(r.res.exit, GPTRIM_EXIT_OK);
	assert_memory_equal(memdisk_block(&r.md, 1), fixed,
			    r.md.dev.block_size);
	free(fixed);
	close_run(&r);
}

/* Without --apply: what would be restored (exit 1), nothing written or
 * saved. After a successful undo the newest backup is the fixed table: a
 * second undo is refused, nothing written or saved. */
static void report_then_twice(void **state)
{
	struct run r;

	(void)state;
	open_fixed(&r, "two-recovery");
	assert_int_equal(GO(&r, GPTRIM_DISK_NAMED, "--undo"), 0);
	assert_int_equal(r.res.exit, GPTRIM_EXIT_PENDING);
	assert_int_equal(r.res.undo_entries, 2);
	assert_reason(r.summary, "would restore 2");
	assert_int_equal(r.nstore, 1);
	GO(&r, GPTRIM_DISK_NAMED, "--apply", "--undo");
	assert_int_equal(r.res.exit, GPTRIM_EXIT_OK);
	assert_int_equal(GO(&r, GPTRIM_DISK_NAMED, "--apply", "--undo"), 0);
	assert_int_equal(r.res.exit, GPTRIM_EXIT_REFUSED);
	assert_false(r.res.restored);
	assert_reason(r.res.why.text, "already undone");
	assert_reason(r.summary, "refused");
	assert_int_equal(r.nstore, 2);
	assert_original(&r);
	close_run(&r);
}

/* No backup of the disk: refused when named (exit 4), skipped when the
 * firmware found it among all disks; no GPT: as without --undo. */
static void no_backup(void **state)
{
	struct run r;

	(void)state;
	open_run(&r, "ws2019");
	assert_int_equal(GO(&r, GPTRIM_DISK_NAMED, "--apply", "--undo"), 0);
	assert_int_equal(r.res.exit, GPTRIM_EXIT_REFUSED);
	assert_reason(r.summary, "no gptrim backup");
	GO(&r, GPTRIM_DISK_FOUND, "--apply", "--undo");
	assert_int_equal(r.res.exit, GPTRIM_EXIT_OK);
	assert_reason(r.summary, "skipped");
	assert_int_equal(r.nstore, 0);
	close_run(&r);

	open_run(&r, "blank");
	GO(&r, GPTRIM_DISK_FOUND, "--apply", "--undo");
	assert_int_equal(r.res.exit, GPTRIM_EXIT_OK);
	assert_reason(r.summary, "no GPT, skipped");
	GO(&r, GPTRIM_DISK_NAMED, "--apply", "--undo");
	assert_int_equal(r.res.exit, GPTRIM_EXIT_NOT_GPT);
	assert_int_equal(r.loads + r.nstore, 0);
	close_run(&r);
}

/* The table the undo replaces cannot be kept: exit 5, nothing written;
 * a front end that cannot look for backups: refused. */
static void save_fails(void **state)
{
	struct run r;

	(void)state;
	open_fixed(&r, "ws2019");
	r.save_status = GPT_E_IO;
	assert_int_equal(GO(&r, GPTRIM_DISK_NAMED, "--apply", "--undo"), 0);
	assert_int_equal(r.res.exit, GPTRIM_EXIT_BACKUP);
	r.env.load_backup = NULL;
	assert_int_equal(GO(&r, GPTRIM_DISK_NAMED, "--apply", "--undo"), 0);
	assert_int_equal(r.res.exit, GPTRIM_EXIT_REFUSED);
	assert_reason(r.res.why.text, "front end");
	close_run(&r);
}

int main(void)
{
	struct CMUnitTest tests[] = {
		cmocka_unit_test(undo_layouts),
		cmocka_unit_test(undo_saves_first),
		cmocka_unit_test(report_then_twice),
		cmocka_unit_test(no_backup),
		cmocka_unit_test(save_fails),
	};

	return unit_run("gptrim-undo", tests, sizeof(tests) / sizeof(tests[0]));
}
