/* SPDX-License-Identifier: MIT */
/* What the host tool does with an image before it reads a sector: open a
 * container through qemu-storage-daemon, or refuse it (a read-only format
 * to write, a parent under a snapshot chain, an image in use), nothing
 * written. The rules are in docs/host-tool.md#containers. */
#ifndef GPTRIM_HOST_CONTAINER_DISK_H
#define GPTRIM_HOST_CONTAINER_DISK_H

#include <stdbool.h>

#include "container.h"
#include "gpt_status.h"
#include "qsd.h"

#define CONTAINER_HINT_MAX 1536

struct container_disk {
	struct container_info ci;
	struct qsd_export qsd;
	bool exported;                 /* qsd is running */
	char hint[CONTAINER_HINT_MAX]; /* lines to print after a refusal */
};

struct container_request {
	bool writes;    /* --apply or --restore: the disk may be written */
	bool top_only;  /* --top-only: a chain's top image may be written */
};

/* Identify path and, for a container, check the rules and export it.
 * Afterwards the disk is at container_disk_path(). */
enum gpt_status container_disk_open(struct container_disk *c,
				    const char *path,
				    const struct container_request *req,
				    struct gpt_reason *why);
/* The file to open as a raw disk: the export's mountpoint, or path. */
const char *container_disk_path(const struct container_disk *c,
				const char *path);
/* Stop the export, if any. GPT_E_IO when the daemon did not close the
 * image cleanly. */
enum gpt_status container_disk_close(struct container_disk *c,
				     struct gpt_reason *why);

#endif
