// SPDX-License-Identifier: MIT
/* The POSIX block device: whole blocks through pread/pwrite on an image file
 * or a block device, flushed with fsync. A fixed VHD is a raw disk followed
 * by a 512-byte footer: the footer is outside the disk and never touched.
 * Other containers never get here as themselves (container_disk.h). */
#include "blockdev_posix.h"

#include "gpt.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#define VHD_FOOTER_SIZE 512u
#define VHD_TYPE_FIXED 2u
#define VHD_TYPE_DYNAMIC 3u
#define VHD_TYPE_DIFFERENCING 4u
#define IO_ALIGN 4096u

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static const char *plural(uint32_t n)
{
	return n == 1 ? "" : "s";
}

/* Whole transfer at byte offset off, resuming after short transfers and
 * signals; errno-style failures become a reason naming the blocks. */
static enum gpt_status xfer(struct posix_disk *d, bool wr, uint64_t lba,
			    uint32_t count, void *buf, struct gpt_reason *why)
{
	const char *what = wr ? "write" : "read";
	uint64_t bs = d->dev.block_size, len, done = 0;

	if (lba > d->dev.last_lba || count == 0 ||
	    count - 1 > d->dev.last_lba - lba)
		return gpt_fail(why, GPT_E_ARG,
				"%s of %u block%s at LBA %llu: outside the disk",
				what, count, plural(count),
				(unsigned long long)lba);
	if (wr && !d->writable)
		return gpt_fail(why, GPT_E_IO,
				"write of %u block%s at LBA %llu refused: the "
				"disk is open read-only", count, plural(count),
				(unsigned long long)lba);
	/* count < 2^32 and bs <= 4096: len < 2^44 cannot overflow, and
	 * lba * bs + len <= the disk size checked at open. */
	len = (uint64_t)count * bs;
	if (len > SIZE_MAX)
		return gpt_fail(why, GPT_E_LIMIT, "%s of %u blocks: too large",
				what, count);
	while (done < len) {
		off_t off = (off_t)(lba * bs + done);
		ssize_t n = wr ? pwrite(d->fd, (const uint8_t *)buf + done,
					(size_t)(len - done), off)
			       : pread(d->fd, (uint8_t *)buf + done,
				       (size_t)(len - done), off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return gpt_fail(why, GPT_E_IO,
					"%s of %u block%s at LBA %llu failed: "
					"%s", what, count, plural(count),
					(unsigned long long)lba,
					n < 0 ? strerror(errno)
					      : "unexpected end of file");
		done += (uint64_t)n;
	}
	return GPT_OK;
}

static enum gpt_status px_read(struct blockdev *dev, uint64_t lba,
			       uint32_t count, void *buf,
			       struct gpt_reason *why)
{
	return xfer(dev->ctx, false, lba, count, buf, why);
}

static enum gpt_status px_write(struct blockdev *dev, uint64_t lba,
				uint32_t count, const void *buf,
				struct gpt_reason *why)
{
	/* xfer only reads from buf when writing. */
	return xfer(dev->ctx, true, lba, count, (void *)buf, why);
}

static enum gpt_status px_flush(struct blockdev *dev, struct gpt_reason *why)
{
	struct posix_disk *d = dev->ctx;

	if (!d->writable)
		return GPT_OK;
	if (fsync(d->fd) != 0)
		return gpt_fail(why, GPT_E_IO, "flush of %s failed: %s",
				d->path, strerror(errno));
	return GPT_OK;
}

static void *px_alloc(struct blockdev *dev, size_t size)
{
	void *p = NULL;

	(void)dev;
	if (size == 0 || posix_memalign(&p, IO_ALIGN, size) != 0)
		return NULL;
	memset(p, 0, size);
	return p;
}

static void px_free(struct blockdev *dev, void *buf, size_t size)
{
	(void)dev;
	(void)size;
	free(buf);
}

static const struct blockdev_ops posix_ops = {
	.read = px_read,
	.write = px_write,
	.flush = px_flush,
	.alloc = px_alloc,
	.free = px_free,
};

static enum gpt_status read_at(struct posix_disk *d, uint64_t off, void *buf,
			       size_t len, struct gpt_reason *why)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pread(d->fd, (uint8_t *)buf + done, len - done,
				  (off_t)(off + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return gpt_fail(why, GPT_E_IO,
					"%s: read at byte %llu failed: %s",
					d->path, (unsigned long long)(off + done),
					n < 0 ? strerror(errno) : "end of file");
		done += (size_t)n;
	}
	return GPT_OK;
}

/* A VHD footer: "conectix" cookie, a one's complement checksum over the
 * other bytes, and the disk type. Only fixed disks are raw underneath. */
static enum gpt_status check_vhd(struct posix_disk *d, struct gpt_reason *why)
{
	uint8_t f[VHD_FOOTER_SIZE];
	uint32_t sum = 0, type;

	if (d->bytes < 2 * VHD_FOOTER_SIZE)
		return GPT_OK;
	if (read_at(d, d->bytes - VHD_FOOTER_SIZE, f, sizeof(f), why) !=
	    GPT_OK)
		return why->status;
	if (memcmp(f, "conectix", 8) != 0)
		return GPT_OK;
	for (size_t i = 0; i < sizeof(f); i++)
		if (i < 64 || i >= 68)
			sum += f[i];
	if (~sum != be32(f + 64))
		return gpt_fail(why, GPT_E_UNSUPPORTED,
				"%s ends in a VHD footer with a bad checksum "
				"(0x%08x, computed 0x%08x): refused",
				d->path, be32(f + 64), ~sum);
	type = be32(f + 60);
	if (type != VHD_TYPE_FIXED)
		return gpt_fail(why, GPT_E_ARG,
				"%s is a %s VHD; only fixed VHDs are raw disks "
				"(convert: qemu-img convert -O vpc -o "
				"subformat=fixed)", d->path,
				type == VHD_TYPE_DYNAMIC ? "dynamic" :
				type == VHD_TYPE_DIFFERENCING ? "differencing" :
				"non-fixed");
	d->vhd = true;
	d->bytes -= VHD_FOOTER_SIZE;
	return GPT_OK;
}

static enum gpt_status size_block_device(struct posix_disk *d,
					 uint32_t *sector_size,
					 struct gpt_reason *why)
{
	uint64_t bytes;
	int ss;

	if (ioctl(d->fd, BLKSSZGET, &ss) != 0 ||
	    ioctl(d->fd, BLKGETSIZE64, &bytes) != 0)
		return gpt_fail(why, GPT_E_IO, "%s: block size query failed: "
				"%s", d->path, strerror(errno));
	if (*sector_size && (int)*sector_size != ss)
		return gpt_fail(why, GPT_E_ARG,
				"%s has %d-byte sectors, not %u as given by "
				"--sector-size", d->path, ss, *sector_size);
	*sector_size = (uint32_t)ss;
	d->bytes = bytes;
	return GPT_OK;
}

static enum gpt_status size_disk(struct posix_disk *d, const struct stat *st,
				 uint32_t sector_size, struct gpt_reason *why)
{
	enum gpt_status rc;

	if (S_ISBLK(st->st_mode)) {
		d->is_block = true;
		rc = size_block_device(d, &sector_size, why);
	} else if (S_ISREG(st->st_mode)) {
		d->bytes = (uint64_t)st->st_size;
		if (sector_size == 0)
			sector_size = 512;
		rc = check_vhd(d, why);
	} else {
		return gpt_fail(why, GPT_E_ARG,
				"%s is neither an image file nor a block device",
				d->path);
	}
	if (rc != GPT_OK)
		return rc;
	d->dev.block_size = sector_size;
	if (!bdev_block_size_ok(sector_size))
		return gpt_fail(why, GPT_E_UNSUPPORTED,
				"%s: %u-byte sectors are not supported", d->path,
				sector_size);
	/* Only a file without one whole sector is refused here: it has no
	 * last LBA. Whether the disk can hold a GPT is the core's verdict
	 * (GPT_MIN_DISK_BLOCKS, gpt_load), given per disk like any other
	 * "not GPT". */
	if (d->bytes < sector_size)
		return gpt_fail(why, GPT_E_NOT_GPT,
				"%s is too small for a GPT (%llu bytes)",
				d->path, (unsigned long long)d->bytes);
	d->tail = d->bytes % sector_size;
	d->dev.last_lba = d->bytes / sector_size - 1;
	return GPT_OK;
}

enum gpt_status posix_disk_open(struct posix_disk *d, const char *path,
				bool writable, uint32_t sector_size,
				struct gpt_reason *why)
{
	struct stat st;
	enum gpt_status rc;

	memset(d, 0, sizeof(*d));
	d->path = path;
	d->writable = writable;
	d->dev.ops = &posix_ops;
	d->dev.ctx = d;
	d->fd = open(path, (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC);
	if (d->fd < 0)
		return gpt_fail(why, posix_status_for_errno(errno),
				"cannot open %s%s: %s", path,
				writable ? " for writing" : "", strerror(errno));
	if (fstat(d->fd, &st) != 0) {
		rc = gpt_fail(why, GPT_E_IO, "cannot stat %s: %s", path,
			      strerror(errno));
		goto fail;
	}
	d->st_dev = st.st_dev;
	d->st_ino = st.st_ino;
	d->st_rdev = st.st_rdev;
	rc = size_disk(d, &st, sector_size, why);
	if (rc != GPT_OK)
		goto fail;
	if (d->is_block)
		(void)posix_disk_bypass_cache(d);
	return GPT_OK;
fail:
	close(d->fd);
	d->fd = -1;
	return rc;
}

bool posix_disk_bypass_cache(struct posix_disk *d)
{
	int fl = fcntl(d->fd, F_GETFL);

	return fl >= 0 && fcntl(d->fd, F_SETFL, fl | O_DIRECT) == 0 &&
	       (fcntl(d->fd, F_GETFL) & O_DIRECT);
}

void posix_disk_close(struct posix_disk *d)
{
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
}

bool posix_disk_same(const struct posix_disk *a, const struct posix_disk *b)
{
	if (a->is_block && b->is_block)
		return a->st_rdev == b->st_rdev;
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

enum gpt_status posix_status_for_errno(int err)
{
	switch (err) {
	case ENOMEM: return GPT_E_NOMEM;
	case EIO: return GPT_E_IO;
	default: return GPT_E_ARG; /* no such file, not allowed, ... */
	}
}

uint32_t posix_disk_other_sector_size(struct posix_disk *d)
{
	struct gpt_reason why;
	char sig[8];

	if (d->is_block || (read_at(d, d->dev.block_size, sig, sizeof(sig),
				    &why) == GPT_OK &&
			    memcmp(sig, GPT_HEADER_SIGNATURE, 8) == 0))
		return 0;
	for (uint32_t bs = BDEV_BLOCK_SIZE_MIN; bs <= BDEV_BLOCK_SIZE_MAX; bs *= 2)
		if (bs != d->dev.block_size &&
		    d->bytes >= (uint64_t)GPT_MIN_DISK_BLOCKS * bs &&
		    read_at(d, bs, sig, sizeof(sig), &why) == GPT_OK &&
		    memcmp(sig, GPT_HEADER_SIGNATURE, 8) == 0)
			return bs;
	return 0;
}

enum gpt_status posix_disk_reread(struct posix_disk *d,
				  struct gpt_reason *why)
{
	if (!d->is_block)
		return GPT_OK;
	if (ioctl(d->fd, BLKRRPART) == 0)
		return GPT_OK;
	/* EINVAL: no partition scanning here (a plain loop device). */
	if (errno == EINVAL)
		return GPT_OK;
	return gpt_fail(why, GPT_E_IO,
			"the kernel still uses the old partition table of %s "
			"(%s); run partprobe or reboot", d->path,
			strerror(errno));
}
