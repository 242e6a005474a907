// SPDX-License-Identifier: MIT
/* efi/blockio.c, the Block I/O adapter, on the host: built with gnu-efi's
 * headers against a fake EFI_BLOCK_IO_PROTOCOL that behaves like EDK2's
 * ScsiDiskDxe for removable media (a stale MediaId gets EFI_MEDIA_CHANGED;
 * Media->MediaId moves on when the driver notices a new medium). Firmware
 * cannot swap a medium at a chosen point between gptrim's read and its
 * write (ovmf/faults.sh says why), so the adapter's own medium checks are
 * proven here: every refused write must never reach the driver. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gptrim-efi.h"

#define FAKE_BLOCKS 64u
#define FAKE_BS 512u

struct fake {
	EFI_BLOCK_IO bio;     /* first: the adapter hands us &bio back */
	EFI_BLOCK_IO_MEDIA media;
	uint8_t data[FAKE_BLOCKS * FAKE_BS];
	unsigned reads, writes, flushes;
	EFI_STATUS fail_write; /* returned by the next WriteBlocks */
};

static struct fake *fake_of(EFI_BLOCK_IO *bio)
{
	return (struct fake *)bio;
}

/* As EDK2's disk drivers: a MediaId other than the current one is a
 * changed medium; whole blocks only; nothing past the last block. */
static EFI_STATUS fake_check(struct fake *f, UINT32 media_id, EFI_LBA lba,
			     UINTN bytes)
{
	if (!f->media.MediaPresent)
		return EFI_NO_MEDIA;
	if (media_id != f->media.MediaId)
		return EFI_MEDIA_CHANGED;
	if (bytes % f->media.BlockSize != 0)
		return EFI_BAD_BUFFER_SIZE;
	if (lba > f->media.LastBlock ||
	    bytes / f->media.BlockSize > f->media.LastBlock + 1 - lba)
		return EFI_INVALID_PARAMETER;
	return EFI_SUCCESS;
}

static EFI_STATUS EFIAPI fake_read(EFI_BLOCK_IO *bio, UINT32 media_id,
				   EFI_LBA lba, UINTN bytes, VOID *buf)
{
	struct fake *f = fake_of(bio);
	EFI_STATUS st = fake_check(f, media_id, lba, bytes);

	f->reads++;
	if (st == EFI_SUCCESS)
		memcpy(buf, f->data + lba * FAKE_BS, bytes);
	return st;
}

static EFI_STATUS EFIAPI fake_write(EFI_BLOCK_IO *bio, UINT32 media_id,
				    EFI_LBA lba, UINTN bytes, VOID *buf)
{
	struct fake *f = fake_of(bio);
	EFI_STATUS st = fake_check(f, media_id, lba, bytes);

	f->writes++;
	if (st == EFI_SUCCESS && f->fail_write != EFI_SUCCESS)
		st = f->fail_write;
	if (st == EFI_SUCCESS)
		memcpy(f->data + lba * FAKE_BS, buf, bytes);
	return st;
}

static EFI_STATUS EFIAPI fake_flush(EFI_BLOCK_IO *bio)
{
	fake_of(bio)->flushes++;
	return EFI_SUCCESS;
}

/* The adapter names driver errors through console.c; a stand-in. */
const char *efi_status_text(EFI_STATUS s)
{
	return s == EFI_MEDIA_CHANGED ? "Media changed" : "some error";
}

/* blockio.c's buffers come from AllocatePages; the tests bring their own. */
EFI_BOOT_SERVICES *BS;

struct rig {
	struct fake f;
	struct efi_disk d;
	uint8_t *buf; /* one block, page aligned */
};

static int rig_setup(void **state)
{
	struct rig *r = calloc(1, sizeof(*r));

	if (!r)
		return -1;
	r->f.bio.Revision = EFI_BLOCK_IO_INTERFACE_REVISION;
	r->f.bio.Media = &r->f.media;
	r->f.bio.ReadBlocks = fake_read;
	r->f.bio.WriteBlocks = fake_write;
	r->f.bio.FlushBlocks = fake_flush;
	r->f.media.MediaId = 1;
	r->f.media.RemovableMedia = TRUE;
	r->f.media.MediaPresent = TRUE;
	r->f.media.BlockSize = FAKE_BS;
	r->f.media.IoAlign = 4;
	r->f.media.LastBlock = FAKE_BLOCKS - 1;
	r->d.bio = &r->f.bio;
	strcpy(r->d.name, "PciRoot(0x0)/Scsi(0x0,0x0)");
	r->buf = aligned_alloc(4096, 4096);
	if (!r->buf)
		return -1;
	memset(r->buf, 0x5a, FAKE_BS);
	*state = r;
	return 0;
}

static int rig_teardown(void **state)
{
	struct rig *r = *state;

	free(r->buf);
	free(r);
	return 0;
}

/* Open and read block 1, as gpt_load does first. */
static struct blockdev *opened(struct rig *r)
{
	struct gpt_reason why = { 0 };

	assert_int_equal(blockio_open(&r->d, &why), GPT_OK);
	assert_int_equal(r->d.dev.ops->read(&r->d.dev, 1, 1, r->buf, &why),
			 GPT_OK);
	return &r->d.dev;
}

static void expect_refused(struct rig *r, enum gpt_status want,
			   const char *text)
{
	struct gpt_reason why = { 0 };
	struct blockdev *dev = &r->d.dev;
	uint8_t before[sizeof(r->f.data)];
	unsigned writes = r->f.writes;

	memcpy(before, r->f.data, sizeof(before));
	assert_int_equal(dev->ops->write(dev, 2, 1, r->buf, &why), want);
	printf("# %s\n", why.text);
	assert_non_null(strstr(why.text, text));
	assert_non_null(strstr(why.text, r->d.name));
	assert_int_equal(r->f.writes, writes); /* the driver never saw it */
	assert_memory_equal(r->f.data, before, sizeof(before));
}

static void same_medium_is_written(void **state)
{
	struct rig *r = *state;
	struct gpt_reason why = { 0 };
	struct blockdev *dev = opened(r);

	assert_int_equal(dev->ops->write(dev, 2, 1, r->buf, &why), GPT_OK);
	assert_int_equal(dev->ops->flush(dev, &why), GPT_OK);
	assert_int_equal(r->f.writes, 1);
	assert_int_equal(r->f.flushes, 1);
	assert_memory_equal(r->f.data + 2 * FAKE_BS, r->buf, FAKE_BS);
}

/* The driver noticed another medium (ScsiDiskDxe bumps MediaId on a
 * unit attention) between our read and our write. */
static void medium_changed_is_not_written(void **state)
{
	struct rig *r = *state;

	opened(r);
	r->f.media.MediaId = 2;
	expect_refused(r, GPT_E_IO, "medium changed (MediaId 2, was 1)");
}

/* The medium changed and the driver finds out only on our write: its
 * EFI_MEDIA_CHANGED is the reason, and nothing lands. */
static void medium_changed_seen_by_driver(void **state)
{
	struct rig *r = *state;
	struct gpt_reason why = { 0 };
	struct blockdev *dev = opened(r);
	uint8_t before[FAKE_BS];

	memcpy(before, r->f.data + 2 * FAKE_BS, FAKE_BS);
	r->f.fail_write = EFI_MEDIA_CHANGED;
	assert_int_equal(dev->ops->write(dev, 2, 1, r->buf, &why), GPT_E_IO);
	printf("# %s\n", why.text);
	assert_non_null(strstr(why.text, "writing 1 blocks at LBA 2 of "));
	assert_non_null(strstr(why.text, ": Media changed"));
	assert_memory_equal(r->f.data + 2 * FAKE_BS, before, FAKE_BS);
}

static void medium_removed_is_not_written(void **state)
{
	struct rig *r = *state;

	opened(r);
	r->f.media.MediaPresent = FALSE;
	expect_refused(r, GPT_E_IO, "medium removed, nothing more written");
}

static void read_only_is_not_written(void **state)
{
	struct rig *r = *state;

	opened(r);
	r->f.media.ReadOnly = TRUE;
	expect_refused(r, GPT_E_IO, "read-only medium, refusing to write");
}

/* Same MediaId, other size: a driver that reuses ids must not fool us. */
static void geometry_changed_is_not_written(void **state)
{
	struct rig *r = *state;

	opened(r);
	r->f.media.LastBlock = FAKE_BLOCKS * 2 - 1;
	expect_refused(r, GPT_E_IO, "geometry changed (512-byte blocks, "
				    "last LBA 127)");
}

static void misaligned_buffer_is_not_written(void **state)
{
	struct rig *r = *state;
	struct gpt_reason why = { 0 };
	struct blockdev *dev = opened(r);
	unsigned writes = r->f.writes;

	assert_int_equal(dev->ops->write(dev, 2, 1, r->buf + 2, &why),
			 GPT_E_ARG);
	printf("# %s\n", why.text);
	assert_non_null(strstr(why.text, "not aligned to IoAlign 4"));
	assert_int_equal(r->f.writes, writes);
}

static void open_refuses(struct rig *r, enum gpt_status want,
			 const char *text)
{
	struct gpt_reason why = { 0 };

	assert_int_equal(blockio_open(&r->d, &why), want);
	printf("# %s\n", why.text);
	assert_non_null(strstr(why.text, text));
	assert_null(r->d.dev.ops);
	assert_int_equal(r->f.reads + r->f.writes, 0);
}

static void open_refuses_odd_media(void **state)
{
	struct rig *r = *state;

	r->f.media.BlockSize = 520;
	open_refuses(r, GPT_E_UNSUPPORTED, "block size 520 not supported");
	r->f.media.BlockSize = 8192;
	open_refuses(r, GPT_E_UNSUPPORTED, "block size 8192 not supported");
	r->f.media.BlockSize = FAKE_BS;
	r->f.media.IoAlign = 8192;
	open_refuses(r, GPT_E_UNSUPPORTED, "IoAlign 8192 is larger than a page");
	r->f.media.IoAlign = 4;
	r->f.media.MediaPresent = FALSE;
	open_refuses(r, GPT_E_IO, "no medium");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, rig_setup, rig_teardown)
		T(same_medium_is_written),
		T(medium_changed_is_not_written),
		T(medium_changed_seen_by_driver),
		T(medium_removed_is_not_written),
		T(read_only_is_not_written),
		T(geometry_changed_is_not_written),
		T(misaligned_buffer_is_not_written),
		T(open_refuses_odd_media),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
