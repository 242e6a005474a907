// SPDX-License-Identifier: MIT
/* gptrim for Linux: the firmware tool's command line on image files and
 * block devices. Every named disk is opened and checked before the first
 * one is changed, so a typo in the last path leaves the first untouched. */
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backup_file.h"
#include "blockdev_posix.h"
#include "container_disk.h"
#include "gptrim.h"
#include "version.h"

struct host_disk {
	struct posix_disk pd;
	struct container_disk ct; /* a container's export, if any */
	uint32_t number; /* 1-based position on the command line */
	bool opened;
};

static struct host_disk disks[OPT_MAX_PATHS];
static bool use_colour;

/* Report lines come wrapped and tagged by the core; colour on a terminal. */
static void print_line(void *ctx, enum report_level level, const char *text)
{
	static const char *const colour[] = {
		[REPORT_INFO] = "", [REPORT_NOTE] = "\033[1m",
		[REPORT_WARN] = "\033[1;33m", [REPORT_ERROR] = "\033[1;31m",
	};
	const char *on = use_colour ? colour[level] : "";

	fprintf(ctx, "%s%s%s\n", on, text, *on ? "\033[0m" : "");
}

static void print_error(const char *text)
{
	fprintf(stderr, "gptrim: %s%s%s\n", use_colour ? "\033[1;31m" : "",
		text, use_colour ? "\033[0m" : "");
}

/* Close every disk and stop every export; GPTRIM_EXIT_IO when an export
 * did not close its image cleanly (a change may not have reached it). */
static enum gptrim_exit close_disks(void)
{
	enum gptrim_exit worst = GPTRIM_EXIT_OK;
	struct gpt_reason why;

	for (size_t i = 0; i < OPT_MAX_PATHS; i++) {
		if (disks[i].opened)
			posix_disk_close(&disks[i].pd);
		disks[i].opened = false;
		if (container_disk_close(&disks[i].ct, &why) != GPT_OK) {
			print_error(why.text);
			worst = GPTRIM_EXIT_IO;
		}
	}
	return worst;
}

static enum gptrim_exit fail(enum gptrim_exit code, const char *text)
{
	print_error(text);
	return gptrim_exit_worst(code, close_disks());
}

/* Test hook: with GPTRIM_TEST_EXPORT_FIFO set, tell the FIFO where the
 * export is and which daemon serves it, then wait for a signal, so that a
 * test can kill gptrim while an export is up (tests/host/containers.sh). */
static void test_hold_export(const struct container_disk *c)
{
	const char *fifo = getenv("GPTRIM_TEST_EXPORT_FIFO");
	FILE *f;

	if (!fifo || !c->exported || !(f = fopen(fifo, "w")))
		return;
	fprintf(f, "%s %ld\n", c->qsd.mountpoint, (long)c->qsd.pid);
	fclose(f);
	for (;;)
		pause();
}

/* Open d as the disk at path: a container through its export (named by
 * path in every message and backup), anything else directly. */
static enum gpt_status open_one(struct host_disk *d, const char *path,
				const struct gptrim_options *o, bool writes,
				struct gpt_reason *why)
{
	struct container_request req = { writes, o->top_only };
	struct stat st;
	enum gpt_status rc;

	rc = container_disk_open(&d->ct, path, &req, why);
	if (rc != GPT_OK) {
		if (d->ct.hint[0])
			fprintf(stderr, "%s\n", d->ct.hint);
		return rc;
	}
	if (d->ct.ci.format == CONTAINER_OVA && d->ct.ci.nmembers > 1)
		printf("gptrim: note: %s holds %u disks; only the first, %s, "
		       "is looked at\n", path, d->ct.ci.nmembers,
		       d->ct.ci.member);
	test_hold_export(&d->ct);
	rc = posix_disk_open(&d->pd, container_disk_path(&d->ct, path),
			     writes, o->sector_size, why);
	if (rc != GPT_OK || !d->ct.exported)
		return rc;
	/* The read-back must reach QEMU, not the page cache of the export. */
	if (!posix_disk_bypass_cache(&d->pd))
		printf("gptrim: note: %s: the export refused O_DIRECT; the "
		       "read-back may come from the page cache\n", path);
	/* The container file is the disk's name and identity. */
	d->pd.path = path;
	if (stat(path, &st) == 0) {
		d->pd.st_dev = st.st_dev;
		d->pd.st_ino = st.st_ino;
	}
	return GPT_OK;
}

/* Open every selected disk, read-only unless something will be written,
 * and check what can be checked before any disk is changed. */
static enum gptrim_exit open_disks(const struct gptrim_options *o)
{
	bool writes = o->apply || o->restore_file;
	char text[PATH_MAX + 160];
	struct gpt_reason why;
	uint32_t bs;

	for (uint32_t i = 0; i < o->npaths; i++) {
		struct host_disk *d = &disks[i];

		d->number = i + 1;
		if (!options_disk_selected(o, d->number))
			continue;
		if (open_one(d, o->paths[i], o, writes, &why) != GPT_OK)
			return fail(gptrim_exit_for_status(why.status), why.text);
		d->opened = true;
		bs = posix_disk_other_sector_size(&d->pd);
		if (bs) {
			snprintf(text, sizeof(text), "%s has no GPT header at "
				 "LBA 1 with %u-byte sectors, but has one with "
				 "%u-byte sectors: give --sector-size %u",
				 o->paths[i], d->pd.dev.block_size, bs, bs);
			return fail(GPTRIM_EXIT_USAGE, text);
		}
		for (uint32_t k = 0; k < i; k++) {
			if (!disks[k].opened ||
			    !posix_disk_same(&disks[k].pd, &d->pd))
				continue;
			snprintf(text, sizeof(text), "%s and %s are the same "
				 "disk", o->paths[k], o->paths[i]);
			return fail(GPTRIM_EXIT_USAGE, text);
		}
		/* A backup beside /dev/sda would land on a tmpfs. */
		if ((writes || o->undo) && !o->no_backup && !o->backup_dir &&
		    d->pd.is_block) {
			snprintf(text, sizeof(text), "%s is a block device: "
				 "give --backup-dir DIR (or --no-backup)",
				 o->paths[i]);
			return fail(GPTRIM_EXIT_USAGE, text);
		}
	}
	return GPTRIM_EXIT_OK;
}

static enum gptrim_exit check_backup_dir(const struct gptrim_options *o)
{
	char text[PATH_MAX];
	struct stat st;

	if (!o->backup_dir || o->no_backup)
		return GPTRIM_EXIT_OK;
	if (stat(o->backup_dir, &st) == 0 && S_ISDIR(st.st_mode))
		return GPTRIM_EXIT_OK;
	snprintf(text, sizeof(text), "--backup-dir %s: not a directory",
		 o->backup_dir);
	return fail(GPTRIM_EXIT_USAGE, text);
}

/* Run, restore or undo one disk and print its summary line; *undone
 * counts the disks --undo restored (or would restore). */
static enum gptrim_exit host_run_disk(struct host_disk *d,
				 const struct gptrim_options *o,
				 const uint8_t *restore, size_t restore_len,
				 const struct report_sink *out, uint32_t *undone)
{
	struct backup_ctx bctx = { o->backup_dir, d->pd.path, out };
	struct gptrim_env env = { out, backup_save, &bctx,
				  backup_load_newest, backup_free };
	char line[REPORT_LINE_MAX + PATH_MAX];
	struct disk_outcome res;
	struct gpt_reason why;

	if (o->no_backup)
		env.save_backup = NULL;
	if (restore)
		gptrim_restore_disk(&d->pd.dev, d->pd.path, restore,
				    restore_len, &env, &res);
	else
		gptrim_run_disk(&d->pd.dev, d->pd.path, o, GPTRIM_DISK_NAMED,
				&env, &res);
	if (res.commit.blocks_written &&
	    posix_disk_reread(&d->pd, &why) != GPT_OK)
		report_line(out, REPORT_WARN, "  %s", why.text);
	gptrim_summary_line(&res, d->number, d->pd.path, line, sizeof(line));
	printf("%s\n", line);
	if (res.undo && (res.restored || res.exit == GPTRIM_EXIT_PENDING))
		(*undone)++;
	return res.exit;
}

int main(int argc, char **argv)
{
	struct report_sink out = { print_line, stdout };
	enum gptrim_exit worst;
	struct gptrim_options o;
	struct gpt_reason why;
	uint8_t *restore = NULL;
	size_t restore_len = 0;
	uint32_t n = 0, undone = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	qsd_install_signal_teardown();
	use_colour = isatty(STDOUT_FILENO) && !getenv("NO_COLOR") &&
		     !(getenv("TERM") && !strcmp(getenv("TERM"), "dumb"));
	if (options_parse(argc - 1, argv + 1, OPT_FRONTEND_HOST, &o, &why) !=
	    GPT_OK) {
		fail(GPTRIM_EXIT_USAGE, why.text);
		return GPTRIM_EXIT_USAGE;
	}
	if (o.help || o.version) {
		fputs(o.help ? options_usage(OPT_FRONTEND_HOST)
			     : "gptrim " GPTRIM_VERSION " (commit " GPTRIM_COMMIT
			       ")\n", stdout);
		return GPTRIM_EXIT_OK;
	}
	if (o.ignored)
		printf("gptrim: note: --%s is a firmware option; the host tool "
		       "ignores it\n", o.ignored);
	if (o.restore_file &&
	    backup_read(o.restore_file, &restore, &restore_len, &why) !=
		    GPT_OK)
		return fail(gptrim_exit_for_status(why.status), why.text);
	worst = check_backup_dir(&o);
	if (worst == GPTRIM_EXIT_OK)
		worst = open_disks(&o);
	if (worst != GPTRIM_EXIT_OK) {
		free(restore);
		return worst;
	}
	/* Every selected disk runs, whatever an earlier one did. */
	for (uint32_t i = 0; i < o.npaths; i++) {
		if (!disks[i].opened)
			continue;
		if (n++)
			putchar('\n');
		worst = gptrim_exit_worst(worst, host_run_disk(&disks[i], &o, restore,
							  restore_len, &out,
							  &undone));
	}
	if (o.undo)
		printf("gptrim: undo%s %u of %u disk%s\n",
		       o.apply ? ": restored" :
				 " (report only): would restore",
		       undone, n, n == 1 ? "" : "s");
	worst = gptrim_exit_worst(worst, close_disks());
	free(restore);
	return worst;
}
