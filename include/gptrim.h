/* SPDX-License-Identifier: MIT */
/* One disk, start to finish, the same for both front ends: load, check,
 * report, plan, back up, commit, verify. The front end supplies the block
 * device, a name, a report sink and a way to save the backup. */
#ifndef GPTRIM_GPTRIM_H
#define GPTRIM_GPTRIM_H

#include "blockdev.h"
#include "options.h"
#include "report.h"

#define GPTRIM_VERSION "0.1.0"

struct gptrim_env {
	const struct report_sink *out;
	/* Save the sgdisk-format backup of the disk before its first write.
	 * NULL means no place to save it (then --no-backup is required). */
	enum gpt_status (*save_backup)(void *ctx, const struct gpt_guid *disk,
				       const uint8_t *data, size_t len,
				       struct gpt_reason *why);
	void *ctx;
};

struct disk_outcome {
	enum gptrim_exit exit;     /* this disk's exit status */
	enum gpt_status status;
	struct gpt_reason why;     /* the reason when not OK */
	uint32_t planned;          /* entries selected */
	uint32_t removed;          /* entries removed (after --apply) */
	bool is_gpt;
	bool report_only;          /* no --apply: nothing was to be written */
	bool restored;             /* a --restore was written */
	bool healthy;              /* valid, agreeing copies afterwards */
	struct gpt_guid disk_guid;
	struct gpt_commit_result commit;
};

/* Report, and with o->apply change, one disk. explicit_disk: the user named
 * it (host paths), so "no GPT" is an error rather than a skip. */
void gptrim_run_disk(struct blockdev *dev, const char *name,
		     const struct gptrim_options *o, bool explicit_disk,
		     const struct gptrim_env *env, struct disk_outcome *res);
/* Restore a backup file's content to one disk. */
void gptrim_restore_disk(struct blockdev *dev, const char *name,
			 const uint8_t *data, size_t len,
			 const struct gptrim_env *env,
			 struct disk_outcome *res);
/* The one-line summary a script can grep:
 * "gptrim: disk N NAME: removed K, healthy" or the reason. */
void gptrim_summary_line(const struct disk_outcome *res, uint32_t number,
			 const char *name, char *out, size_t cap);
/* The exit status a failure of this kind gives (see enum gptrim_exit). */
enum gptrim_exit gptrim_exit_for_status(enum gpt_status st);
enum gptrim_exit gptrim_exit_worst(enum gptrim_exit a, enum gptrim_exit b);

#endif
