/* SPDX-License-Identifier: MIT */
/* The command line of qemu-storage-daemon for one container: a file node,
 * for an OVA a raw window onto the VMDK inside the tar, the format node,
 * and a FUSE export of it at the mountpoint. Read-only unless writable;
 * QEMU's image locking stays on (auto), so an image a VM has open is
 * refused by the daemon. */
#ifndef GPTRIM_HOST_QSD_ARGS_H
#define GPTRIM_HOST_QSD_ARGS_H

#include <limits.h>
#include <stdbool.h>

#include "container.h"
#include "gpt_status.h"

#define QSD_ARGS_MAX 12
#define QSD_ARG_BYTES (2 * PATH_MAX + 160)

struct qsd_args {
	char *argv[QSD_ARGS_MAX + 1]; /* NULL-terminated, into text */
	char text[QSD_ARGS_MAX][QSD_ARG_BYTES];
};

/* GPT_E_LIMIT when a path does not fit. */
enum gpt_status qsd_args_build(struct qsd_args *a, const char *program,
			       const char *image,
			       const struct container_info *ci,
			       const char *mountpoint, bool writable,
			       struct gpt_reason *why);

#endif
