// SPDX-License-Identifier: MIT
/* gptrim_run_disk / gptrim_restore_disk, the per-disk driver both front
 * ends share: report only by default, the backup saved before the first
 * write (and nothing written when it cannot be), exit statuses, summary
 * lines, and report lines within 79 columns. */
#include "unit.h"

#include <stdlib.h>

#include "gptrim.h"

struct run {
	struct memdisk md;
	struct gptrim_options o;
	struct gptrim_env env;
	struct report_sink sink;
	struct disk_outcome res;
	uint32_t lines, long_lines;
	uint32_t saves, writes_before_save;
	enum gpt_status save_status;
	struct gpt_guid saved_guid;
	uint8_t *saved;
	size_t saved_len;
	char summary[256];
};

static void on_line(void *ctx, enum report_level level, const char *text)
{
	struct run *r = ctx;

	(void)level;
	r->lines++;
	if (strlen(text) > 79) {
		r->long_lines++;
		printf("# line over 79 columns: %s\n", text);
	}
}

static enum gpt_status on_save(void *ctx, const struct gpt_guid *disk,
			       const uint8_t *data, size_t len,
			       struct gpt_reason *why)
{
	struct run *r = ctx;

	r->saves++;
	r->writes_before_save += memdisk_calls(&r->md, MD_WRITE);
	r->saved_guid = *disk;
	free(r->saved);
	r->saved = malloc(len);
	assert_non_null(r->saved);
	memcpy(r->saved, data, len);
	r->saved_len = len;
	if (r->save_status != GPT_OK)
		return gpt_fail(why, r->save_status, "test: ESP is full");
	return GPT_OK;
}

/* Run gptrim on fixture with EFI command-line options args[0..n). */
static void run(struct run *r, const char *fixture, int n, char **args)
{
	struct gpt_reason why = { 0 };

	memset(r, 0, sizeof(*r));
	fixture_open(&r->md, fixture);
	assert_status(options_parse(n, args, OPT_FRONTEND_EFI, &r->o, &why),
		      GPT_OK);
	r->sink = (struct report_sink){ on_line, r };
	r->env = (struct gptrim_env){ .out = &r->sink, .save_backup = on_save,
				      .ctx = r };
	memdisk_clear_log(&r->md);
}

static void go(struct run *r, const char *name, enum gptrim_disk_choice choice)
{
	gptrim_run_disk(&r->md.dev, name, &r->o, choice, &r->env,
			&r->res);
	gptrim_summary_line(&r->res, 1, name, r->summary, sizeof(r->summary));
	printf("# %s\n", r->summary);
	assert_true(r->lines > 0);
}

static void done(struct run *r)
{
	free(r->saved);
	assert_int_equal(r->md.live_allocs, 0);
	assert_int_equal(r->md.bad_buffers, 0);
	memdisk_close(&r->md);
}

#define RUN(r, fixture, ...)                                               \
	run(r, fixture, (int)(sizeof((char *[]){ NULL, __VA_ARGS__ }) / \
				     sizeof(char *)) - 1,                   \
	    (char *[]){ __VA_ARGS__, NULL })

static void report_only(void **state)
{
	struct run r;

	(void)state;
	run(&r, "ws2019", 0, NULL);
	go(&r, "ws2019", GPTRIM_DISK_NAMED);
	assert_int_equal(r.res.exit, GPTRIM_EXIT_PENDING);
	assert_int_equal(r.res.planned, 1);
	assert_int_equal(r.res.removed, 0);
	assert_int_equal(memdisk_calls(&r.md, MD_WRITE), 0);
	assert_int_equal(r.saves, 0);
	assert_reason(r.summary, "would remove 1");
	done(&r);
}

/* --apply: the sgdisk-format backup is handed over before any write. */
static void apply_saves_backup_first(void **state)
{
	struct run r;
	size_t len;
	uint8_t *want = fixture_slurp("ws2019.sgdisk", &len);

	(void)state;
	RUN(&r, "ws2019", "--apply");
	go(&r, "ws2019", GPTRIM_DISK_NAMED);
	assert_int_equal(r.res.exit, GPTRIM_EXIT_OK);
	assert_int_equal(r.saves, 1);
	assert_int_equal(r.writes_before_save, 0);
	assert_int_equal(r.saved_len, len);
	assert_memory_equal(r.saved, want, len);
	assert_memory_equal(r.saved_guid.b, want + 512 + 56, 16);
	assert_int_equal(r.res.removed, 1);
	assert_true(r.res.healthy);
	assert_int_equal(r.res.commit.blocks_written, 4);
	assert_reason(r.summary, "removed 1, healthy");
	free(want);

	/* A second run finds nothing to do and writes nothing. */
	memdisk_clear_log(&r.md);
	r.saves = 0;
	go(&r, "ws2019", GPTRIM_DISK_NAMED);
	assert_int_equal(r.res.exit, GPTRIM_EXIT_OK);
	assert_int_equal(r.res.planned, 0);
	assert_int_equal(memdisk_calls(&r.md, MD_WRITE), 0);
	assert_int_equal(r.saves, 0);
	done(&r);
}

static void backup_fails(void **state)
{
	struct run r;

	(void)state;
	RUN(&r, "ws2019", "--apply");
	r.save_status = GPT_E_IO;
	go(&r, "ws2019", GPTRIM_DISK_NAMED);
	assert_int_equal(r.res.exit, GPTRIM_EXIT_BACKUP);
	assert_int_equal(memdisk_calls(&r.md, MD_WRITE), 0);
	done(&r);

	/* No place to save it: refused unless --no-backup. */
	RUN(&r, "ws2019", "--apply");
	r.env.save_backup = NULL;
	go(&r, "ws2019", GPTRIM_DISK_NAMED);
	assert_int_equal(r.res.exit, GPTRIM_EXIT_BACKUP);
	assert_int_equal(memdisk_calls(&r.md, MD_WRITE), 0);
	done(&r);

	RUN(&r, "ws2019", "--apply", "--no-backup");
	go(&r, "ws2019", GPTRIM_DISK_NAMED);
	assert_int_equal(r.res.exit, GPTRIM_EXIT_OK);
	assert_int_equal(r.saves, 0);
	assert_int_equal(r.res.removed, 1);
	done(&r);
}

/* A firmware that overstates the disk's size (U-Boot 2023.01's legacy IDE
 * reports 512 times the sectors): the table looks like a grown disk's, but
 * the disk's "last blocks" cannot be read. Refused before the backup is
 * saved and before any write, with the reason. */
static void overstated_size(void **state)
{
	struct run r;

	(void)state;
	RUN(&r, "ws2019", "--apply");
	r.md.dev.last_lba = (r.md.dev.last_lba + 1) * 512 - 1;
	go(&r, "ws2019", GPTRIM_DISK_NAMED);
	assert_int_equal(r.res.exit, GPTRIM_EXIT_IO);
	assert_int_equal(r.saves, 0);
	assert_int_equal(memdisk_calls(&r.md, MD_WRITE), 0);
	assert_reason(r.summary, "cannot read LBA");
	assert_reason(r.summary, "nothing written");
	done(&r);
}

static void statuses(void **state)
{
	struct run r;

	(void)state;
	RUN(&r, "no-recovery", "--apply");
	go(&r, "no-recovery", GPTRIM_DISK_NAMED);
	assert_int_equal(r.res.exit, GPTRIM_EXIT_OK);
	assert_int_equal(memdisk_calls(&r.md, MD_WRITE), 0);
	done(&r);

	run(&r, "blank", 0, NULL);
	go(&r, "blank", GPTRIM_DISK_NAMED);
	assert_int_equal(r.res.exit, GPTRIM_EXIT_NOT_GPT);
	done(&r);
	run(&r, "blank", 0, NULL);
	go(&r, "blank", GPTRIM_DISK_FOUND);
	assert_int_equal(r.res.exit, GPTRIM_EXIT_OK);
	assert_false(r.res.is_gpt);
	done(&r);

	RUN(&r, "copies-guid", "--apply", "--repair");
	go(&r, "copies-guid", GPTRIM_DISK_NAMED);
	assert_int_equal(r.res.exit, GPTRIM_EXIT_REFUSED);
	assert_int_equal(memdisk_calls(&r.md, MD_WRITE), 0);
	done(&r);

	/* The very first read fails. */
	RUN(&r, "ws2019", "--apply");
	memdisk_fail(&r.md, MD_READ, 1);
	go(&r, "ws2019", GPTRIM_DISK_NAMED);
	assert_int_equal(r.res.exit, GPTRIM_EXIT_IO);
	assert_int_equal(memdisk_calls(&r.md, MD_WRITE), 0);
	done(&r);

	assert_int_equal(gptrim_exit_worst(GPTRIM_EXIT_PENDING,
					   GPTRIM_EXIT_OK), GPTRIM_EXIT_PENDING);
	assert_int_equal(gptrim_exit_worst(GPTRIM_EXIT_REFUSED,
					   GPTRIM_EXIT_IO), GPTRIM_EXIT_IO);
}

/* --repair --apply on a disk with a bad primary: repaired, and the backup
 * saved first can be restored (it decodes). */
static void repair_backup_restorable(void **state)
{
	struct run r;
	struct gpt_backup b;
	struct gpt_reason why = { 0 };
	enum gpt_status st;

	(void)state;
	RUN(&r, "hdr-crc", "--apply");
	go(&r, "hdr-crc", GPTRIM_DISK_NAMED);
	assert_int_equal(r.res.exit, GPTRIM_EXIT_REFUSED);
	assert_int_equal(memdisk_calls(&r.md, MD_WRITE), 0);
	done(&r);

	RUN(&r, "hdr-crc", "--apply", "--repair");
	go(&r, "hdr-crc", GPTRIM_DISK_NAMED);
	assert_int_equal(r.res.exit, GPTRIM_EXIT_OK);
	assert_true(r.res.commit.rebuilt_primary);
	assert_true(r.res.healthy);
	assert_int_equal(r.saves, 1);
	st = gpt_backup_decode(r.saved, r.saved_len, &b, &why);
	printf("# backup saved before the repair: %s%s%s\n",
	       gpt_status_name(st), st ? ": " : "", st ? why.text : "");
	assert_status(st, GPT_OK);
	done(&r);
}

static void restore_disk(void **state)
{
	struct run r;
	size_t len;
	uint8_t *file = fixture_slurp("ws2019.sgdisk", &len);

	(void)state;
	run(&r, "ws2019-removed", 0, NULL);
	gptrim_restore_disk(&r.md.dev, "ws2019-removed", file, len, &r.env,
			    &r.res);
	gptrim_summary_line(&r.res, 1, "ws2019-removed", r.summary,
			    sizeof(r.summary));
	printf("# %s\n", r.summary);
	assert_int_equal(r.res.exit, GPTRIM_EXIT_OK);
	assert_true(r.res.healthy);
	assert_reason(r.summary, "restored, healthy");
	assert_int_equal(r.saves, 1); /* what was there is kept first */
	assert_int_equal(r.writes_before_save, 0);
	done(&r);

	/* The table on the disk cannot be kept: a backup failure (exit 5),
	 * nothing written, as for a removal. */
	run(&r, "ws2019-removed", 0, NULL);
	r.save_status = GPT_E_IO;
	gptrim_restore_disk(&r.md.dev, "x", file, len, &r.env, &r.res);
	assert_int_equal(r.res.exit, GPTRIM_EXIT_BACKUP);
	assert_int_equal(memdisk_calls(&r.md, MD_WRITE), 0);
	done(&r);

	run(&r, "ws2019-otherguid", 0, NULL);
	gptrim_restore_disk(&r.md.dev, "x", file, len, &r.env, &r.res);
	assert_int_equal(r.res.exit, GPTRIM_EXIT_REFUSED);
	assert_int_equal(memdisk_calls(&r.md, MD_WRITE), 0);
	/* Nothing was going to be written: nothing to keep either. */
	assert_int_equal(r.saves, 0);
	done(&r);
	free(file);
}

/* report.h: "lines of at most 79 columns", reasons included (an 80-column
 * firmware console wraps anything longer). */
static void report_width(void **state)
{
	static const char *const fixtures[] = {
		"ws2019", "ws2019-4k", "two-recovery", "grown", "hybrid",
		"mbr-none", "hdr-crc", "copies-guid", "ent-overlap",
		"arr-esize-huge",
	};
	uint32_t long_lines = 0;
	struct run r;

	(void)state;
	for (size_t i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++) {
		RUN(&r, fixtures[i], "--apply");
		r.env.save_backup = NULL; /* and the message saying so */
		go(&r, fixtures[i], GPTRIM_DISK_NAMED);
		long_lines += r.long_lines;
		done(&r);
	}
	if (long_lines)
		fail_msg("%u report lines over 79 columns (see above)",
			 long_lines);
}

/* Lines a report hands to its sink, kept for inspection. */
struct lines {
	char text[16][600];
	size_t n;
};

static void keep_line(void *ctx, enum report_level level, const char *text)
{
	struct lines *l = ctx;

	(void)level;
	assert_true(l->n < 16);
	snprintf(l->text[l->n++], sizeof(l->text[0]), "%s", text);
}

/* A wrapped report never cuts a value: every LBA and GUID (also inside a
 * path longer than a line) is whole on one line; only a line holding a
 * single word longer than the room exceeds 79 columns. */
static void values_never_split(void **state)
{
	static const char path[] = "/srv/vmware/datastore1/a-rather-long-"
		"folder-name/ws2019-flat.vmdk.5753F019-0000-4000-8000-"
		"000000002019.gpt";
	static const char *const values[] = {
		"5753F019-0000-4000-8000-000000002019", "2097151",
		"3145727", "18446744073709551615", path,
	};
	struct lines l = { .n = 0 };
	struct report_sink sink = { keep_line, &l };
	struct gpt_guid g;

	(void)state;
	assert_true(guid_parse(values[0], &g));
	report_line(&sink, REPORT_ERROR, "  Disk %s: restore refused: backup "
		    "of disk %s at LBA %llu, not %llu; entry ends at %llu",
		    path, guid_str(&g).s, 2097151ull, 3145727ull, 18446744073709551615ull);
	report_line(&sink, REPORT_WARN, "  Backup GPT at LBA %llu, not at the "
		    "last LBA %llu (grown disk); disk %s, then LBA %llu and "
		    "LBA %llu", 2097151ull, 3145727ull, guid_str(&g).s, 2097151ull,
		    18446744073709551615ull);
	for (size_t v = 0; v < sizeof(values) / sizeof(values[0]); v++) {
		bool whole = false;

		for (size_t i = 0; i < l.n; i++)
			whole |= strstr(l.text[i], values[v]) != NULL;
		if (!whole)
			fail_msg("%s is cut across lines", values[v]);
	}
	for (size_t i = 0; i < l.n; i++) {
		const char *t = l.text[i];

		printf("# %s\n", t);
		while (*t == ' ')
			t++;
		if (strlen(l.text[i]) > 79 && strchr(t, ' '))
			fail_msg("line %zu has %zu columns and more than one "
				 "word", i + 1, strlen(l.text[i]));
	}
}

int main(void)
{
	struct CMUnitTest tests[] = {
		cmocka_unit_test(report_only),
		cmocka_unit_test(apply_saves_backup_first),
		cmocka_unit_test(backup_fails),
		cmocka_unit_test(overstated_size),
		cmocka_unit_test(statuses),
		cmocka_unit_test(repair_backup_restorable),
		cmocka_unit_test(restore_disk),
		cmocka_unit_test(report_width),
		cmocka_unit_test(values_never_split),
	};

	return unit_run("gptrim", tests, sizeof(tests) / sizeof(tests[0]));
}
