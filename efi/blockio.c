/* SPDX-License-Identifier: MIT */
/* struct blockdev over EFI Block I/O. Whole blocks only; buffers from
 * AllocatePages, page aligned, so any IoAlign up to a page is met (AHCI
 * reports 8, some NVMe and SCSI drivers more). The MediaId seen at open is
 * passed on every call, and checked again before every write: a medium that
 * changed or went away stops the disk instead of being written. */
#include "gptrim-efi.h"
#include "strbuf.h"

#define PAGE_SIZE 4096u

static struct efi_disk *disk_of(struct blockdev *dev)
{
	return dev->ctx;
}

/* Bytes of count blocks, or 0 when that does not fit a UINTN. */
static UINTN transfer_bytes(const struct blockdev *dev, uint32_t count)
{
	if (count == 0 || count > (UINTN)-1 / dev->block_size)
		return 0;
	return (UINTN)count * dev->block_size;
}

static enum gpt_status check_buffer(struct efi_disk *d, const void *buf,
				    UINTN bytes, const char *what,
				    struct gpt_reason *why)
{
	UINT32 align = d->bio->Media->IoAlign;

	if (bytes == 0)
		return gpt_fail(why, GPT_E_ARG,
				"%s %s: transfer size overflows", what,
				d->name);
	if (align > 1 && ((UINTN)buf & (align - 1)) != 0)
		return gpt_fail(why, GPT_E_ARG,
				"%s %s: buffer not aligned to IoAlign %u",
				what, d->name, align);
	return GPT_OK;
}

static enum gpt_status bio_read(struct blockdev *dev, uint64_t lba,
				uint32_t count, void *buf,
				struct gpt_reason *why)
{
	struct efi_disk *d = disk_of(dev);
	UINTN bytes = transfer_bytes(dev, count);
	enum gpt_status st;
	EFI_STATUS err;

	st = check_buffer(d, buf, bytes, "reading", why);
	if (st != GPT_OK)
		return st;
	err = d->bio->ReadBlocks(d->bio, d->media_id, lba, bytes, buf);
	if (err != EFI_SUCCESS)
		return gpt_fail(why, GPT_E_IO,
				"reading %u blocks at LBA %llu of %s: %s",
				count, (unsigned long long)lba, d->name,
				efi_status_text(err));
	return GPT_OK;
}

/* The medium we read is still the one we are about to write. */
static enum gpt_status check_media(struct efi_disk *d, struct gpt_reason *why)
{
	EFI_BLOCK_IO_MEDIA *m = d->bio->Media;

	if (!m->MediaPresent)
		return gpt_fail(why, GPT_E_IO,
				"%s: medium removed, nothing more written",
				d->name);
	if (m->MediaId != d->media_id)
		return gpt_fail(why, GPT_E_IO,
				"%s: medium changed (MediaId %u, was %u), "
				"nothing more written",
				d->name, m->MediaId, d->media_id);
	if (m->ReadOnly)
		return gpt_fail(why, GPT_E_IO,
				"%s: read-only medium, refusing to write",
				d->name);
	if (m->BlockSize != d->dev.block_size ||
	    m->LastBlock != d->dev.last_lba)
		return gpt_fail(why, GPT_E_IO,
				"%s: geometry changed (%u-byte blocks, last "
				"LBA %llu), nothing more written",
				d->name, m->BlockSize,
				(unsigned long long)m->LastBlock);
	return GPT_OK;
}

static enum gpt_status bio_write(struct blockdev *dev, uint64_t lba,
				 uint32_t count, const void *buf,
				 struct gpt_reason *why)
{
	struct efi_disk *d = disk_of(dev);
	UINTN bytes = transfer_bytes(dev, count);
	enum gpt_status st;
	EFI_STATUS err;

	st = check_buffer(d, buf, bytes, "writing", why);
	if (st != GPT_OK)
		return st;
	st = check_media(d, why);
	if (st != GPT_OK)
		return st;
	err = d->bio->WriteBlocks(d->bio, d->media_id, lba, bytes,
				  (void *)buf);
	if (err != EFI_SUCCESS)
		return gpt_fail(why, GPT_E_IO,
				"writing %u blocks at LBA %llu of %s: %s",
				count, (unsigned long long)lba, d->name,
				efi_status_text(err));
	return GPT_OK;
}

static enum gpt_status bio_flush(struct blockdev *dev, struct gpt_reason *why)
{
	struct efi_disk *d = disk_of(dev);
	EFI_STATUS err = d->bio->FlushBlocks(d->bio);

	if (err != EFI_SUCCESS)
		return gpt_fail(why, GPT_E_IO, "flushing %s: %s", d->name,
				efi_status_text(err));
	return GPT_OK;
}

static UINTN pages_for(size_t size)
{
	if (size == 0)
		return 1;
	if (size > (size_t)-1 - (PAGE_SIZE - 1))
		return 0;
	return (size + PAGE_SIZE - 1) / PAGE_SIZE;
}

static void *bio_alloc(struct blockdev *dev, size_t size)
{
	EFI_PHYSICAL_ADDRESS addr = 0;
	UINTN pages = pages_for(size);

	(void)dev;
	if (pages == 0)
		return NULL;
	if (BS->AllocatePages(AllocateAnyPages, EfiLoaderData, pages,
			      &addr) != EFI_SUCCESS)
		return NULL;
	mem_zero((void *)(UINTN)addr, pages * PAGE_SIZE);
	return (void *)(UINTN)addr;
}

static void bio_free(struct blockdev *dev, void *buf, size_t size)
{
	UINTN pages = pages_for(size);

	(void)dev;
	if (buf && pages)
		BS->FreePages((EFI_PHYSICAL_ADDRESS)(UINTN)buf, pages);
}

static const struct blockdev_ops blockio_ops = {
	.read = bio_read,
	.write = bio_write,
	.flush = bio_flush,
	.alloc = bio_alloc,
	.free = bio_free,
};

enum gpt_status blockio_open(struct efi_disk *d, struct gpt_reason *why)
{
	EFI_BLOCK_IO_MEDIA *m = d->bio->Media;
	UINT32 bs = m->BlockSize;

	if (!m->MediaPresent)
		return gpt_fail(why, GPT_E_IO, "%s: no medium", d->name);
	if (!bdev_block_size_ok(bs))
		return gpt_fail(why, GPT_E_UNSUPPORTED,
				"%s: block size %u not supported (512..4096, "
				"a power of two)", d->name, bs);
	if (m->IoAlign > PAGE_SIZE)
		return gpt_fail(why, GPT_E_UNSUPPORTED,
				"%s: IoAlign %u is larger than a page",
				d->name, m->IoAlign);
	d->media_id = m->MediaId;
	d->dev.ops = &blockio_ops;
	d->dev.ctx = d;
	d->dev.block_size = bs;
	d->dev.last_lba = m->LastBlock;
	return GPT_OK;
}
