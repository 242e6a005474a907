// SPDX-License-Identifier: MIT
/* Which container a file is, by its own magic: the VHD footer copy at the
 * start of a dynamic VHD ("conectix", then "cxsparse" at byte 512), VHDX
 * ("vhdxfile"), qcow ("QFI\xfb"), sparse VMDK ("KDMV" and its embedded
 * descriptor), a VMDK text descriptor ("# Disk DescriptorFile"), and an
 * OVA (a ustar archive whose first member is the OVF XML). VHD and qcow
 * headers are big-endian, the sparse VMDK header little-endian. */
#include "container.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define HEAD_BYTES 1536u
#define VHD_TYPE_DIFFERENCING 4u
#define VMDK_SECTOR 512u
#define VMDK_DESCRIPTOR_MAX (64u * 1024u)
#define TAR_BLOCK 512u
#define TAR_MEMBERS_MAX 1000u

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static uint64_t be64(const uint8_t *p)
{
	return (uint64_t)be32(p) << 32 | be32(p + 4);
}

static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

/* Whole read at off; a short file reads as zeros (a magic never matches). */
static bool read_at(int fd, uint64_t off, void *buf, size_t len)
{
	size_t done = 0;

	memset(buf, 0, len);
	while (done < len) {
		ssize_t n = pread(fd, (uint8_t *)buf + done, len - done,
				  (off_t)(off + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return false;
		if (n == 0)
			break;
		done += (size_t)n;
	}
	return true;
}

/* The line after l, or NULL after the last. */
static const char *next_line(const char *l)
{
	l = strchr(l, '\n');
	return l && l[1] ? l + 1 : NULL;
}

bool vmdk_descriptor_value(const char *text, const char *key, char *out,
			   size_t cap)
{
	size_t klen = strlen(key);

	for (const char *l = *text ? text : NULL; l; l = next_line(l)) {
		const char *v = l, *end;

		while (*v == ' ' || *v == '\t')
			v++;
		if (strncmp(v, key, klen) != 0)
			continue;
		v += klen;
		while (*v == ' ')
			v++;
		if (*v++ != '=')
			continue;
		while (*v == ' ')
			v++;
		if (*v == '"')
			v++;
		end = v + strcspn(v, "\"\r\n");
		snprintf(out, cap, "%.*s", (int)(end - v), v);
		return true;
	}
	return false;
}

/* Extent lines: ACCESS SECTORS TYPE "FILE" [OFFSET]. */
static void vmdk_extents(const char *text, struct container_info *ci)
{
	for (const char *l = *text ? text : NULL; l; l = next_line(l)) {
		const char *q;
		size_t n;

		if (strncmp(l, "RW ", 3) && strncmp(l, "RDONLY ", 7) &&
		    strncmp(l, "NOACCESS ", 9))
			continue;
		q = strchr(l, '"');
		if (!q || ci->nextents == CONTAINER_EXTENTS_MAX)
			continue;
		n = strcspn(q + 1, "\"\r\n");
		snprintf(ci->extents[ci->nextents++], CONTAINER_NAME_MAX,
			 "%.*s", (int)n, q + 1);
	}
}

/* What a VMDK descriptor says: its type, a parent, read-only types. */
static void vmdk_describe(const char *text, struct container_info *ci)
{
	char cid[32];

	ci->format = CONTAINER_VMDK;
	ci->driver = "vmdk";
	if (!vmdk_descriptor_value(text, "createType", ci->create_type,
				   sizeof(ci->create_type)))
		snprintf(ci->create_type, sizeof(ci->create_type), "unknown");
	if (vmdk_descriptor_value(text, "parentCID", cid, sizeof(cid)) &&
	    strcmp(cid, "ffffffff") != 0) {
		ci->has_parent = true;
		if (!vmdk_descriptor_value(text, "parentFileNameHint",
					   ci->parent, sizeof(ci->parent)))
			snprintf(ci->parent, sizeof(ci->parent), "(no name)");
	}
	if (strcmp(ci->create_type, "streamOptimized") == 0)
		ci->read_only = true;
	vmdk_extents(text, ci);
}

static enum gpt_status identify_sparse_vmdk(int fd, const uint8_t *h,
					    const char *path,
					    struct container_info *ci,
					    struct gpt_reason *why)
{
	uint64_t off = le64(h + 28), size = le64(h + 36);
	char *text;

	ci->what = "a sparse VMDK";
	if (off == 0 || size == 0)
		return gpt_fail(why, GPT_E_UNSUPPORTED,
				"%s is an extent of a split VMDK (a sparse "
				"extent without its own descriptor): give the "
				"descriptor .vmdk that names it", path);
	if (size > VMDK_DESCRIPTOR_MAX / VMDK_SECTOR)
		return gpt_fail(why, GPT_E_UNSUPPORTED,
				"%s: sparse VMDK descriptor of %llu sectors "
				"(more than %u): refused", path,
				(unsigned long long)size,
				VMDK_DESCRIPTOR_MAX / VMDK_SECTOR);
	text = calloc(1, size * VMDK_SECTOR + 1);
	if (!text)
		return gpt_fail(why, GPT_E_NOMEM, "out of memory");
	if (!read_at(fd, off * VMDK_SECTOR, text, size * VMDK_SECTOR)) {
		free(text);
		return gpt_fail(why, GPT_E_IO, "%s: reading the VMDK "
				"descriptor failed: %s", path,
				strerror(errno));
	}
	vmdk_describe(text, ci);
	free(text);
	/* Compressed grains: streamOptimized whatever the descriptor says. */
	if (le16(h + 77) != 0)
		ci->read_only = true;
	if (ci->read_only)
		ci->what = "a streamOptimized VMDK";
	return GPT_OK;
}

static enum gpt_status identify_text_vmdk(int fd, const char *path,
					  struct container_info *ci,
					  struct gpt_reason *why)
{
	char *text = calloc(1, VMDK_DESCRIPTOR_MAX + 1);

	if (!text)
		return gpt_fail(why, GPT_E_NOMEM, "out of memory");
	if (!read_at(fd, 0, text, VMDK_DESCRIPTOR_MAX)) {
		free(text);
		return gpt_fail(why, GPT_E_IO, "%s: read failed: %s", path,
				strerror(errno));
	}
	vmdk_describe(text, ci);
	free(text);
	ci->what = "a VMDK descriptor";
	return GPT_OK;
}

/* The header names the backing file: offset (be64 at 8), length (be32 at
 * 16), not NUL-terminated. */
static void identify_qcow(int fd, const uint8_t *h, struct container_info *ci)
{
	uint32_t version = be32(h + 4), len = be32(h + 16);

	ci->format = CONTAINER_QCOW2;
	ci->driver = version == 1 ? "qcow" : "qcow2";
	ci->what = version == 1 ? "a qcow (version 1) image" : "a qcow2 image";
	ci->has_parent = be64(h + 8) != 0;
	if (ci->has_parent && (len == 0 || len >= sizeof(ci->parent) ||
			       !read_at(fd, be64(h + 8), ci->parent, len)))
		snprintf(ci->parent, sizeof(ci->parent), "(its backing file)");
	if (version >= 2)
		ci->snapshots = be32(h + 60);
}

static void identify_vhd(const uint8_t *h, struct container_info *ci)
{
	ci->format = CONTAINER_VHD;
	ci->driver = "vpc";
	ci->has_parent = be32(h + 60) == VHD_TYPE_DIFFERENCING;
	ci->what = ci->has_parent ? "a differencing VHD" : "a dynamic VHD";
	if (ci->has_parent)
		snprintf(ci->parent, sizeof(ci->parent), "(its parent VHD)");
}

/* Octal tar number field of n bytes (leading spaces allowed). */
static uint64_t tar_number(const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	size_t i = 0;

	while (i < n && p[i] == ' ')
		i++;
	for (; i < n && p[i] >= '0' && p[i] <= '7'; i++)
		v = v * 8 + (uint64_t)(p[i] - '0');
	return v;
}

/* An OVA: the first member is the OVF XML; the disks are the members that
 * start with a sparse VMDK header. Only the first disk is looked at. */
static void identify_ova(int fd, const uint8_t *h, struct container_info *ci)
{
	uint8_t hdr[TAR_BLOCK], magic[8];
	uint64_t off = 0;

	if (memcmp(h + 257, "ustar", 5) != 0 ||
	    memcmp(h + TAR_BLOCK, "<?xml", 5) != 0)
		return;
	for (uint32_t i = 0; i < TAR_MEMBERS_MAX; i++) {
		uint64_t size;

		if (!read_at(fd, off, hdr, sizeof(hdr)) || hdr[0] == 0)
			break;
		size = tar_number(hdr + 124, 12);
		if ((hdr[156] == '0' || hdr[156] == 0) &&
		    read_at(fd, off + TAR_BLOCK, magic, sizeof(magic)) &&
		    memcmp(magic, "KDMV", 4) == 0 && ci->nmembers++ == 0) {
			snprintf(ci->member, sizeof(ci->member), "%.100s",
				 (const char *)hdr);
			ci->member_offset = off + TAR_BLOCK;
			ci->member_size = size;
		}
		off += TAR_BLOCK + (size + TAR_BLOCK - 1) / TAR_BLOCK *
				   TAR_BLOCK;
	}
	if (!ci->nmembers)
		return;
	ci->format = CONTAINER_OVA;
	ci->driver = "vmdk";
	ci->what = "an OVA";
	ci->read_only = true;
}

static enum gpt_status identify_head(int fd, const uint8_t *h,
				     const char *path,
				     struct container_info *ci,
				     struct gpt_reason *why)
{
	if (memcmp(h, "conectix", 8) == 0 && memcmp(h + 512, "cxsparse", 8) == 0)
		identify_vhd(h, ci);
	else if (memcmp(h, "vhdxfile", 8) == 0)
		*ci = (struct container_info){ .format = CONTAINER_VHDX,
			.driver = "vhdx", .what = "a VHDX image" };
	else if (memcmp(h, "QFI\xfb", 4) == 0)
		identify_qcow(fd, h, ci);
	else if (memcmp(h, "KDMV", 4) == 0)
		return identify_sparse_vmdk(fd, h, path, ci, why);
	else if (memcmp(h, "COWD", 4) == 0)
		*ci = (struct container_info){ .format = CONTAINER_VMDK,
			.driver = "vmdk", .what = "an ESX sparse VMDK (COWD)" };
	else if (memcmp(h, "# Disk DescriptorFile", 21) == 0)
		return identify_text_vmdk(fd, path, ci, why);
	else
		identify_ova(fd, h, ci);
	return GPT_OK;
}

enum gpt_status container_identify(const char *path,
				    struct container_info *ci,
				    struct gpt_reason *why)
{
	uint8_t *head;
	enum gpt_status rc;
	struct stat st;
	int fd;

	memset(ci, 0, sizeof(*ci));
	/* Devices, directories, missing files: posix_disk_open's to name.
	 * O_NONBLOCK: a FIFO beside an image must not block the scan. */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return GPT_OK;
	if (fstat(fd, &st) != 0 ||
	    !(S_ISREG(st.st_mode) || S_ISBLK(st.st_mode))) {
		close(fd);
		return GPT_OK;
	}
	ci->block_device = S_ISBLK(st.st_mode);
	head = malloc(HEAD_BYTES);
	if (!head) {
		close(fd);
		return gpt_fail(why, GPT_E_NOMEM, "out of memory");
	}
	rc = read_at(fd, 0, head, HEAD_BYTES)
		     ? identify_head(fd, head, path, ci, why)
		     : gpt_fail(why, GPT_E_IO, "%s: read failed: %s", path,
				strerror(errno));
	free(head);
	close(fd);
	return rc;
}
