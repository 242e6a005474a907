/* SPDX-License-Identifier: MIT */
/* One disk, start to finish, the same for both front ends: load, check,
 * report, plan, back up, commit, verify. The front end supplies the block
 * device, a name, a report sink and a way to save the backup. */
#ifndef GPTRIM_GPTRIM_H
#define GPTRIM_GPTRIM_H

#include "blockdev.h"
#include "options.h"
#include "report.h"

struct gptrim_env {
	const struct report_sink *out;
	/* Save the sgdisk-format backup of the disk before its first write.
	 * NULL means no place to save it (then --no-backup is required). */
	enum gpt_status (*save_backup)(void *ctx, const struct gpt_guid *disk,
				       const uint8_t *data, size_t len,
				       struct gpt_reason *why);
	void *ctx;
	/* --undo: hand over the newest backup of disk (see gptrim_undo_disk).
	 * GPT_OK with *data (malloc'd, efi_alloc'd: the front end's own
	 * memory) and *len set; the core gives the buffer back through
	 * free_backup exactly once, before gptrim_undo_disk returns, and
	 * only reads it. GPT_E_MISMATCH with why naming where it looked when
	 * there is no backup of that disk (*data left NULL); any other
	 * status is a failure to read one (GPT_E_IO, GPT_E_NOMEM,
	 * GPT_E_LIMIT), *data NULL. The front end may report the file it
	 * chose itself (a path is longer than a report line). NULL: this
	 * front end cannot undo. Added after ctx so that positional
	 * initialisers of the first three fields still compile. */
	enum gpt_status (*load_backup)(void *ctx, const struct gpt_guid *disk,
				       uint8_t **data, size_t *len,
				       struct gpt_reason *why);
	void (*free_backup)(void *ctx, uint8_t *data, size_t len);
};

struct disk_outcome {
	enum gptrim_exit exit;     /* this disk's exit status */
	enum gpt_status status;
	struct gpt_reason why;     /* the reason when not OK */
	uint32_t planned;          /* entries selected */
	uint32_t removed;          /* entries removed (after --apply) */
	bool is_gpt;
	bool report_only;          /* no --apply: nothing was to be written */
	bool restored;             /* a --restore or --undo was written */
	bool undo;                 /* an --undo run (gptrim_undo_disk) */
	uint32_t undo_entries;     /* --undo: entries put back, or that
				    * --apply would put back */
	bool healthy;              /* valid, agreeing copies afterwards */
	struct gpt_guid disk_guid;
	struct gpt_commit_result commit;
};

/* How the disk came to be run: found among the firmware's disks, or named
 * by the user (a host path, --disk N), when "no GPT" is an error rather
 * than a skip. The values are those of false and true, so older callers
 * passing a bool still mean the same. */
enum gptrim_disk_choice {
	GPTRIM_DISK_FOUND = 0,
	GPTRIM_DISK_NAMED = 1,
};

/* Report, and with o->apply change, one disk. With o->undo this is
 * gptrim_undo_disk. */
void gptrim_run_disk(struct blockdev *dev, const char *name,
		     const struct gptrim_options *o,
		     enum gptrim_disk_choice choice,
		     const struct gptrim_env *env, struct disk_outcome *res);
/* Restore a backup file's content to one disk. */
void gptrim_restore_disk(struct blockdev *dev, const char *name,
			 const uint8_t *data, size_t len,
			 const struct gptrim_env *env,
			 struct disk_outcome *res);
/* --undo on one disk: put back the newest gptrim backup of this disk.
 * Load the table; ask env->load_backup for the newest backup of its disk
 * GUID; decode it; gpt_check_undo (the table must be exactly what gptrim's
 * change left) and gpt_check_restore (the loader's rules, sector size).
 * Without o->apply, report what would be restored: exit 1 (PENDING), or
 * the refusal. With o->apply, save the current table through
 * env->save_backup (required: exit 5 and nothing written when it fails or
 * is NULL), then gpt_restore: exit 0 when both copies are healthy after.
 * Refusals (no backup of the disk, not what gptrim left, a damaged
 * table or file) are exit 4 with nothing written; a disk without a GPT
 * or without a backup is skipped (exit 0) unless GPTRIM_DISK_NAMED, as gptrim_run_disk skips a disk without GPT. res->undo is
 * set; res->restored and res->undo_entries say what was put back.
 * gptrim_run_disk calls it when o->undo is set. */
void gptrim_undo_disk(struct blockdev *dev, const char *name,
		      const struct gptrim_options *o,
		      enum gptrim_disk_choice choice,
		      const struct gptrim_env *env, struct disk_outcome *res);
/* The one-line summary a script can grep:
 * "gptrim: disk N NAME: removed K, healthy", "restored, healthy" (a
 * --restore), "undone: restored K entries, healthy" (--undo), "would
 * restore K (report only)", or the reason. */
void gptrim_summary_line(const struct disk_outcome *res, uint32_t number,
			 const char *name, char *out, size_t cap);
/* The exit status a failure of this kind gives (see enum gptrim_exit). */
enum gptrim_exit gptrim_exit_for_status(enum gpt_status st);
enum gptrim_exit gptrim_exit_worst(enum gptrim_exit a, enum gptrim_exit b);

#endif
