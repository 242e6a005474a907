/* SPDX-License-Identifier: MIT */
/* Backup files of the host tool: the sgdisk --backup format produced by the
 * core, saved as DIR/IMAGE-BASENAME.DISK-GUID.gpt before the first write,
 * and read back for --restore. */
#ifndef GPTRIM_HOST_BACKUP_FILE_H
#define GPTRIM_HOST_BACKUP_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "gpt.h"
#include "gpt_status.h"
#include "report.h"

struct backup_ctx {
	const char *dir;   /* --backup-dir, or NULL: beside the image */
	const char *image; /* the image or device path */
	const struct report_sink *out;
};

/* The gptrim_env.save_backup callback; ctx is a struct backup_ctx. Writes
 * a temporary file, syncs it and renames it into place without replacing
 * anything, one version above the newest backup of the disk (NAME.gpt,
 * then NAME.1.gpt, NAME.2.gpt ...; at most NAME.99.gpt); when the newest
 * already holds the same bytes it is kept as it is. */
enum gpt_status backup_save(void *ctx, const struct gpt_guid *disk,
			    const uint8_t *data, size_t len,
			    struct gpt_reason *why);

/* The gptrim_env.load_backup callback for --undo; ctx is a struct
 * backup_ctx. The newest backup of disk is the highest version of
 * IMAGE-BASENAME.DISK-GUID.gpt (version 0), .1.gpt, .2.gpt ... in the
 * backup directory: backup_save always saves one above the highest. Read
 * with backup_read (the buffer is backup_free's); GPT_E_MISMATCH when
 * there is none. */
enum gpt_status backup_load_newest(void *ctx, const struct gpt_guid *disk,
				   uint8_t **data, size_t *len,
				   struct gpt_reason *why);
/* The gptrim_env.free_backup callback: free(data). */
void backup_free(void *ctx, uint8_t *data, size_t len);

/* Read a --restore file of at most GPT_BACKUP_MAX_BYTES bytes into a buffer
 * the caller frees with free(). GPT_E_ARG when it cannot be opened or is not a
 * regular file, GPT_E_LIMIT when too large, GPT_E_IO on read errors. */
enum gpt_status backup_read(const char *path, uint8_t **data, size_t *len,
			    struct gpt_reason *why);

#endif
