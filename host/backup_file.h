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

/* The largest backup file: three 512-byte slots and the largest array. */
#define BACKUP_FILE_MAX (3u * GPT_BACKUP_SLOT + GPT_ARRAY_MAX_BYTES)

struct backup_ctx {
	const char *dir;   /* --backup-dir, or NULL: beside the image */
	const char *image; /* the image or device path */
	const struct report_sink *out;
};

/* The gptrim_env.save_backup callback; ctx is a struct backup_ctx. Writes
 * a temporary file, syncs it and renames it into place without replacing
 * anything: an existing file with other content makes the name .1.gpt,
 * .2.gpt, ...; one with the same content is kept as it is. */
enum gpt_status backup_save(void *ctx, const struct gpt_guid *disk,
			    const uint8_t *data, size_t len,
			    struct gpt_reason *why);

/* Read a --restore file of at most BACKUP_FILE_MAX bytes into a buffer the
 * caller frees with free(). GPT_E_ARG when it cannot be opened or is not a
 * regular file, GPT_E_LIMIT when too large, GPT_E_IO on read errors. */
enum gpt_status backup_read(const char *path, uint8_t **data, size_t *len,
			    struct gpt_reason *why);

#endif
