/* SPDX-License-Identifier: MIT */
/* One disk through the core (report, or apply, or restore), then the
 * firmware's own confirmation: after a write the partition driver is made
 * to re-read the disk and its partition handles are compared with what was
 * removed. Ends with the summary line a script can grep, and a dated line
 * in \EFI\gptrim\gptrim.log on the disk's ESP when the disk was changed. */
#include "gptrim-efi.h"
#include "strbuf.h"
#include "version.h"

/* Make the firmware re-read the disk, then check its view; a mismatch
 * makes the disk an I/O / read-back failure (exit status 6). A firmware
 * that could not or did not re-read (U-Boot makes partitions when it probes
 * a device, not through a driver) still shows the old partitions: that is
 * said and not compared, and the outcome is the core's read-back of both
 * copies, which is what guarantees the disk. After a failed commit the
 * view is only reported: the write that failed stays the disk's reason
 * (the firmware shows the old table, or the new one if only the last
 * flush failed, and EDK2 rewrites a copy left invalid from the valid one,
 * as it would on the next boot). */
static void confirm(struct efi_disk *d, const struct fw_parts *before,
		    const struct gptrim_options *o, bool restored,
		    struct disk_outcome *res)
{
	struct fw_parts *after;
	const struct gpt_guid *types;
	struct gpt_reason why;
	bool failed = res->exit != GPTRIM_EXIT_OK, reread;
	size_t ntypes;
	EFI_STATUS err;

	err = fw_reread(d, before, &reread);
	if (err != EFI_SUCCESS) {
		report_line(&console_sink, REPORT_WARN, "  making the firmware "
			    "re-read disk %u: %s; its partitions are not "
			    "compared", d->number, efi_status_text(err));
		return;
	}
	if (!reread) {
		report_line(&console_sink, REPORT_WARN, "  this firmware did "
			    "not re-read disk %u (its partition handles are "
			    "unchanged): it lists the old partitions until the "
			    "next boot; the read-back of both GPT copies "
			    "decides", d->number);
		return;
	}
	if (!before) {
		con_line(REPORT_WARN, "  the firmware's partitions of disk %u "
			 "were not listed before writing: not compared",
			 d->number);
		return;
	}
	after = efi_alloc(sizeof(*after));
	if (!after) {
		con_line(REPORT_WARN, "  no memory to list the firmware's "
			 "partitions of disk %u", d->number);
		return;
	}
	err = fw_partitions(d, after);
	if (err != EFI_SUCCESS) {
		con_line(REPORT_WARN, "  listing the firmware's partitions "
			 "of disk %u: %s", d->number, efi_status_text(err));
		goto out;
	}
	types = options_types(o, &ntypes);
	if (restored) /* nothing was removed: only report the view */
		ntypes = 0;
	if (fw_confirm(before, after, restored ? 0 : res->removed, types,
		       ntypes, &why) == GPT_OK || restored || failed)
		goto out;
	con_line(REPORT_ERROR, "  %s", why.text);
	res->why = why;
	res->status = why.status;
	res->healthy = false;
	res->exit = gptrim_exit_worst(res->exit, GPTRIM_EXIT_IO);
out:
	efi_free(after);
}

/* --disk N names the disks; without it they are whatever the firmware
 * shows, and one without a GPT is skipped. */
static enum gptrim_disk_choice disk_choice(const struct gptrim_options *o)
{
	return o->ndisks > 0 ? GPTRIM_DISK_NAMED : GPTRIM_DISK_FOUND;
}

/* A write-protected disk (Media->ReadOnly): the report only. When the
 * run would change it (entries to remove, a repair, a --restore) it is an
 * I/O failure (exit 6) that says so; the firmware would refuse the writes
 * anyway, after the backup on its ESP had failed half-way. restore: the
 * --restore file's bytes, NULL for a removal or an undo. */
static void run_readonly(struct efi_disk *d, const struct gptrim_options *o,
			 const uint8_t *restore, const struct gptrim_env *env,
			 struct disk_outcome *res)
{
	struct gptrim_options report = *o;

	report.apply = false;
	if (!restore) {
		gptrim_run_disk(&d->dev, d->name, &report, disk_choice(o), env,
				res);
		/* Its summary is an --apply run's ("removed 0, healthy"). */
		res->report_only = !o->apply;
		if (res->exit != GPTRIM_EXIT_PENDING)
			return;
	}
	gpt_fail(&res->why, GPT_E_IO, "read-only medium (write-protected): "
		 "%s, nothing written", restore ? "cannot restore" :
		 o->undo ? "cannot undo" : "cannot remove the entries");
	con_line(REPORT_ERROR, "  Refused: %s", res->why.text);
	res->status = GPT_E_IO;
	res->exit = GPTRIM_EXIT_IO;
}

static void log_result(struct efi_disk *d, const char *summary,
		       const struct esp_ctx *ctx)
{
	char line[REPORT_LINE_MAX + DISK_NAME_MAX];
	struct strbuf sb;
	EFI_STATUS err;

	sb_init(&sb, line, sizeof(line));
	sb_printf(&sb, "%s (gptrim %s", summary, GPTRIM_VERSION);
	if (ctx->saved[0])
		sb_printf(&sb, ", backup %s", ctx->saved);
	sb_putc(&sb, ')');
	err = esp_log(d, line);
	/* No ESP on this disk: no log either (the backup step said so). */
	if (err != EFI_SUCCESS && err != EFI_NOT_FOUND)
		con_line(REPORT_WARN, "  appending to \\EFI\\gptrim\\gptrim.log "
			 "on disk %u: %s", d->number, efi_status_text(err));
}

void efi_run_disk(struct efi_disk *d, const struct gptrim_options *o,
	      const uint8_t *restore, size_t restore_len,
	      struct disk_outcome *res)
{
	struct esp_ctx ctx = { .disk = d };
	struct gptrim_env env = {
		.out = &console_sink,
		.save_backup = esp_save_backup,
		.ctx = &ctx,
		.load_backup = esp_load_backup,
		.free_backup = esp_free_backup,
	};
	char summary[REPORT_LINE_MAX + DISK_NAME_MAX];
	struct fw_parts *before = NULL;
	bool writes = o->apply || restore;
	enum gpt_status st;

	mem_zero(res, sizeof(*res));
	if (o->no_backup)
		env.save_backup = NULL;
	con_line(REPORT_INFO, "%s", "");
	st = blockio_open(d, &res->why);
	if (st != GPT_OK) {
		con_line(REPORT_ERROR, "Disk %s: %s", d->name, res->why.text);
		res->status = st;
		res->exit = st == GPT_E_UNSUPPORTED ? GPTRIM_EXIT_REFUSED :
						      GPTRIM_EXIT_IO;
		goto summary;
	}
	if (writes && d->bio->Media->ReadOnly) {
		run_readonly(d, o, restore, &env, res);
		goto summary;
	}
	if (writes) {
		before = efi_alloc(sizeof(*before));
		if (before && fw_partitions(d, before) != EFI_SUCCESS) {
			efi_free(before);
			before = NULL;
		}
	}
	if (restore)
		gptrim_restore_disk(&d->dev, d->name, restore, restore_len,
				    &env, res);
	else
		gptrim_run_disk(&d->dev, d->name, o, disk_choice(o), &env, res);
	/* After a restore or an undo, entries come back rather than go:
	 * the firmware's view is reported, not counted. */
	if (writes && res->commit.blocks_written > 0)
		confirm(d, before, o, restore != NULL || o->undo, res);
summary:
	/* Untagged and whole on one line: scripts grep it from the serial
	 * console. Colour only. */
	gptrim_summary_line(res, d->number, d->name, summary, sizeof(summary));
	con_text(res->exit == GPTRIM_EXIT_OK ? REPORT_NOTE :
		 res->exit == GPTRIM_EXIT_PENDING ? REPORT_INFO : REPORT_ERROR,
		 summary);
	con_text(REPORT_INFO, "\r\n");
	/* Log what changed the disk: a GPT write, or a backup saved on the
	 * ESP (which the line names). Never touch the ESP of a disk that was
	 * not changed (nothing to do, refused before writing, the backup
	 * failed, write-protected), or when --no-backup asked for nothing but
	 * the GPT blocks to be written. */
	if (writes && !o->no_backup &&
	    (res->commit.blocks_written > 0 || ctx.saved[0]))
		log_result(d, summary, &ctx);
	if (before)
		efi_free(before);
}
