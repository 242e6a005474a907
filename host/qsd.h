/* SPDX-License-Identifier: MIT */
/* A container exported as a raw file by qemu-storage-daemon (Debian's
 * qemu-system-common) through FUSE: QEMU's block layer does the format,
 * gptrim reads and writes the mountpoint like any raw image. The daemon
 * is gptrim's child, in a process group of its own, and gets SIGTERM when
 * gptrim dies (PR_SET_PDEATHSIG), on which it unmounts; qsd_stop and the
 * SIGINT/SIGTERM handler stop it before gptrim exits. */
#ifndef GPTRIM_HOST_QSD_H
#define GPTRIM_HOST_QSD_H

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

#include "container.h"
#include "gpt_status.h"

#define QSD_ERR_MAX 512

struct qsd_export {
	pid_t pid;                  /* the daemon, 0 when none */
	int err_fd;                 /* read end of its stderr */
	dev_t dir_dev;              /* the file system under the mountpoint */
	char dir[PATH_MAX];         /* private directory of the mountpoint */
	char mountpoint[PATH_MAX + 8]; /* DIR/disk: the raw view of the disk */
	char err[QSD_ERR_MAX];      /* what the daemon said last */
};

/* Export image (identified as ci) at a new mountpoint, writable or not,
 * and wait until the mount is up (30 s at most). GPT_E_ARG when a piece
 * is missing (the message names the Debian package or the device),
 * GPT_E_UNSUPPORTED when the daemon refused the image (in use: QEMU's
 * lock; or a format error, in its words). Nothing is left behind on
 * failure. */
enum gpt_status qsd_start(struct qsd_export *x, const char *image,
			  const struct container_info *ci, bool writable,
			  struct gpt_reason *why);
/* Stop the daemon (it flushes and closes the image), make sure the mount
 * is gone, remove the mountpoint. GPT_E_IO when the daemon did not exit
 * cleanly: a change may not have reached the image. */
enum gpt_status qsd_stop(struct qsd_export *x, struct gpt_reason *why);
/* SIGINT, SIGTERM, SIGHUP: stop every running export, then die of the
 * signal. */
void qsd_install_signal_teardown(void);

#endif
