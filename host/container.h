/* SPDX-License-Identifier: MIT */
/* Container images: VHD (dynamic), VHDX, qcow2, VMDK (sparse, or a text
 * descriptor of extents) and OVA, recognised by their own magic bytes,
 * never by the file name. gptrim works on them through QEMU's block layer
 * (qsd.h); raw images, fixed VHDs and -flat.vmdk files are opened directly
 * (blockdev_posix.h). */
#ifndef GPTRIM_HOST_CONTAINER_H
#define GPTRIM_HOST_CONTAINER_H

#include <stdbool.h>
#include <stdint.h>

#include "gpt_status.h"

#define CONTAINER_NAME_MAX 256
#define CONTAINER_EXTENTS_MAX 16

enum container_format {
	CONTAINER_NONE,   /* not a container: open the file itself */
	CONTAINER_VHD,    /* dynamic or differencing VHD ("cxsparse") */
	CONTAINER_VHDX,
	CONTAINER_QCOW2,
	CONTAINER_VMDK,   /* sparse ("KDMV") or a text descriptor */
	CONTAINER_OVA,    /* a tar holding an OVF and its VMDKs */
};

struct container_info {
	enum container_format format;
	const char *driver;     /* QEMU block driver of the disk */
	const char *what;       /* "a VHDX", "a sparse VMDK (...)", ... */
	bool read_only;         /* a format QEMU cannot write in place */
	bool block_device;      /* found on a block device, not a file */
	bool has_parent;        /* backing file, differencing VHD, delta */
	char parent[CONTAINER_NAME_MAX]; /* its name as the image gives it */
	uint32_t snapshots;     /* qcow2: internal snapshots */
	char create_type[32];   /* VMDK: the descriptor's createType */
	uint32_t nextents;      /* VMDK descriptor: extent files named */
	char extents[CONTAINER_EXTENTS_MAX][CONTAINER_NAME_MAX];
	/* OVA: the first VMDK in the tar, and how many there are */
	char member[CONTAINER_NAME_MAX];
	uint64_t member_offset, member_size;
	uint32_t nmembers;
};

/* What path (a file or a block device) is, from its first bytes (and, for
 * an OVA, its tar headers). CONTAINER_NONE for anything to open directly
 * (raw, fixed VHD, a device that is a disk).
 * GPT_E_IO when it cannot be read, GPT_E_UNSUPPORTED for a container whose
 * metadata gptrim cannot make sense of (refused, never read as raw). */
enum gpt_status container_identify(const char *path,
				    struct container_info *ci,
				    struct gpt_reason *why);

/* VMDK descriptor text: the value of key="value" (or key=value) into out;
 * false when absent. */
bool vmdk_descriptor_value(const char *text, const char *key, char *out,
			   size_t cap);

#endif
