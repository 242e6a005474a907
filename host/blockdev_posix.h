/* SPDX-License-Identifier: MIT */
/* The POSIX adapter of blockdev.h: raw images, VMware -flat.vmdk files,
 * fixed VHDs (the disk is the file without its 512-byte footer) and block
 * devices. */
#ifndef GPTRIM_HOST_BLOCKDEV_POSIX_H
#define GPTRIM_HOST_BLOCKDEV_POSIX_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "blockdev.h"

struct posix_disk {
	struct blockdev dev;  /* dev.ctx points back here */
	int fd;
	const char *path;
	bool writable;        /* opened O_RDWR (--apply, --restore) */
	bool is_block;        /* a block device, not a file */
	bool vhd;             /* fixed VHD: a footer follows the disk */
	uint64_t bytes;       /* bytes of the disk: file or device size,
			       * less a VHD footer */
	uint64_t tail;        /* bytes after the last whole block */
	dev_t st_dev;         /* identity, to refuse a disk given twice */
	ino_t st_ino;
	dev_t st_rdev;
};

/* Open path as a disk. sector_size 0 means: the device's logical block
 * size, or 512 for files. GPT_E_ARG when path is not a usable disk or ends
 * in a VHD footer that is not a fixed disk's, GPT_E_UNSUPPORTED for a VHD
 * footer with a bad checksum or an odd sector size, GPT_E_NOMEM, GPT_E_IO
 * otherwise. Containers are identified before (container_disk.h). */
enum gpt_status posix_disk_open(struct posix_disk *d, const char *path,
				bool writable, uint32_t sector_size,
				struct gpt_reason *why);
void posix_disk_close(struct posix_disk *d);
/* Past the page cache (O_DIRECT), so that the core's read-back after a
 * commit reads the device, or the export's daemon, rather than what was
 * just written into memory. Buffers are 4 KiB aligned. Done at open for
 * block devices. false when refused: the fd stays cached. */
bool posix_disk_bypass_cache(struct posix_disk *d);
/* The same file or device? */
bool posix_disk_same(const struct posix_disk *a, const struct posix_disk *b);
/* For an image file without a GPT signature at LBA 1 of its block size:
 * the other block size (512..4096) whose LBA 1 holds one, or 0. */
uint32_t posix_disk_other_sector_size(struct posix_disk *d);
/* The status an errno from open() gives: GPT_E_NOMEM, GPT_E_IO, or
 * GPT_E_ARG (a path that cannot be used: a usage error). */
enum gpt_status posix_status_for_errno(int err);
/* After writing a block device, ask the kernel to re-read its partition
 * table. GPT_OK, or a reason (partitions in use) to report as a warning. */
enum gpt_status posix_disk_reread(struct posix_disk *d,
				  struct gpt_reason *why);

#endif
