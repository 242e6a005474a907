// SPDX-License-Identifier: MIT
/* Fuzz target: gptrim_run_disk --apply (with --repair: bit 7 of byte 0,
 * gptinput.h), the per-disk driver of both front ends, on a fresh copy of
 * the disk, with the types of the input.
 *
 * Invariants (a failure aborts): on an honest disk the driver never exits
 * for I/O, a pending change or a failed backup; it saves at most one
 * backup, before its first write, and that backup decodes when the table
 * is one (backup_must_decode); a failure writes nothing; exit 0 leaves a
 * healthy table with nothing left to remove; the summary line is
 * terminated; no leak, no stray buffer. */
#include <stdlib.h>
#include <string.h>

#include "gptinput.h"
#include "gptrim.h"
#include "options.h"
#include "report.h"

struct driver_ctx {
	struct memdisk *d;
	bool backup_must_decode; /* of the table loaded from the same disk */
	uint32_t saves;
};

static enum gpt_status driver_save(void *ctx, const struct gpt_guid *disk,
				   const uint8_t *data, size_t len,
				   struct gpt_reason *why)
{
	struct driver_ctx *c = ctx;
	struct gpt_backup b;
	enum gpt_status st;

	(void)disk;
	c->saves++;
	FUZZ_CHECK(c->d->done[MD_WRITE] == 0,
		   "backup saved after %u write(s)", c->d->done[MD_WRITE]);
	st = gpt_backup_decode(data, len, &b, why);
	FUZZ_CHECK(st == GPT_OK || !c->backup_must_decode,
		   "driver's backup of a healthy table does not decode: %s",
		   why->text);
	return GPT_OK;
}

/* The per-disk driver of both front ends, --apply, on a fresh copy. */
static void driver(const struct input *in, bool loaded, bool must_decode)
{
	struct gptrim_options o;
	struct disk_outcome res;
	struct memdisk d;
	struct driver_ctx ctx = { &d, must_decode, 0 };
	struct gptrim_env env = { .out = &fuzz_sink, .save_backup = driver_save,
				  .ctx = &ctx };
	struct gpt_table t;
	struct gpt_plan plan;
	struct gpt_reason why;
	char line[REPORT_LINE_MAX];

	memset(&o, 0, sizeof(o));
	o.apply = true;
	o.repair = in->driver_repair;
	/* No --type means Windows RE; with extra types, name it too. */
	if (in->ntypes > 1) {
		o.ntypes = in->ntypes;
		memcpy(o.types, in->types, in->ntypes * sizeof(o.types[0]));
	}
	input_disk(in, &d);
	gptrim_run_disk(&d.dev, GPT_IN_DISK_NAME, &o, GPTRIM_DISK_NAMED, &env, &res);
	gptrim_summary_line(&res, 1, GPT_IN_DISK_NAME, line, sizeof(line));
	FUZZ_CHECK(strnlen(line, sizeof(line)) < sizeof(line),
		   "summary line not terminated");
	FUZZ_CHECK(res.exit != GPTRIM_EXIT_IO && res.exit != GPTRIM_EXIT_PENDING &&
			   res.exit != GPTRIM_EXIT_BACKUP,
		   "driver on an honest disk: exit %d: %s", (int)res.exit,
		   res.why.text);
	FUZZ_CHECK(ctx.saves <= 1, "%u backups saved", ctx.saves);
	if (res.exit != GPTRIM_EXIT_OK) {
		FUZZ_CHECK(d.done[MD_WRITE] == 0, "exit %d after %u write(s)",
			   (int)res.exit, d.done[MD_WRITE]);
		goto out;
	}
	if (!res.is_gpt || !loaded)
		goto out;
	FUZZ_CHECK(res.healthy, "driver exit 0 but not healthy");
	FUZZ_CHECK(gpt_load(&d.dev, &t, &why) == GPT_OK, "reload: %s",
		   why.text);
	FUZZ_CHECK(t.primary.valid && t.backup.valid && t.copies_agree &&
			   t.entries_ok,
		   "driver exit 0, reload: %s | %s | %s | %s",
		   t.primary.why.text, t.backup.why.text, t.disagree.text,
		   t.entries_why.text);
	FUZZ_CHECK(gpt_plan_removals(&t, in->types, in->ntypes, &plan,
				     &why) == GPT_OK && plan.count == 0,
		   "driver exit 0 but %u entries left", plan.count);
	gpt_table_release(&t);
out:
	memdisk_close(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* From the table the driver will find, what its backup must give; then
 * the driver on a fresh copy of the disk. */
static void loaded(struct loaded *l)
{
	driver(l->in, l->st == GPT_OK,
	       l->st == GPT_OK && backup_must_decode(l->t));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	input_run(data, size, false, loaded);
	return 0;
}
