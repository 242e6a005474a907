// SPDX-License-Identifier: MIT
/* The content of a memdisk (memdisk.h): one flat array, or a caller's
 * buffer with the written blocks in a sparse table over it. */
#include <stdlib.h>
#include <string.h>

#include "memdisk.h"

/* Overlay: the slot of lba (open addressing, Fibonacci hashing into a
 * power-of-two table): its own, or the empty one where it would go. */
static size_t slot_index(const struct memdisk *md, uint64_t lba)
{
	size_t i = (size_t)((lba * 0x9E3779B97F4A7C15ull) >> 32);

	for (i &= md->slot_cap - 1;; i = (i + 1) & (md->slot_cap - 1))
		if (!md->slots[i].data || md->slots[i].lba == lba)
			return i;
}

static void grow_slots(struct memdisk *md)
{
	struct md_slot *old = md->slots;
	size_t old_cap = md->slot_cap;

	md->slot_cap = old_cap ? old_cap * 2 : 64;
	md->slots = calloc(md->slot_cap, sizeof(*md->slots));
	if (!md->slots)
		abort();
	for (size_t i = 0; i < old_cap; i++)
		if (old[i].data)
			md->slots[slot_index(md, old[i].lba)] = old[i];
	free(old);
}

void memdisk_peek(const struct memdisk *md, uint64_t lba, uint8_t *out)
{
	uint32_t bs = md->dev.block_size;
	const uint8_t *w;
	uint64_t off;

	if (md->data) {
		memcpy(out, md->data + lba * bs, bs);
		return;
	}
	w = md->slot_cap ? md->slots[slot_index(md, lba)].data : NULL;
	if (w) {
		memcpy(out, w, bs);
		return;
	}
	/* Blocks past the base (or past what a size_t can address) are
	 * zero. */
	memset(out, 0, bs);
	if (lba > (uint64_t)SIZE_MAX / bs)
		return;
	off = lba * bs;
	if (off < md->base_len)
		memcpy(out, md->base + off,
		       md->base_len - off < bs ? md->base_len - off : bs);
}

void memdisk_store(struct memdisk *md, uint64_t lba, const uint8_t *src)
{
	uint32_t bs = md->dev.block_size;
	size_t i;

	if (md->data) {
		memcpy(md->data + lba * bs, src, bs);
		md->written[lba] = 1;
		return;
	}
	if (2 * (md->nslots + 1) > md->slot_cap)
		grow_slots(md);
	i = slot_index(md, lba);
	if (!md->slots[i].data) {
		md->slots[i].data = malloc(bs);
		if (!md->slots[i].data)
			abort();
		md->slots[i].lba = lba;
		md->nslots++;
	}
	memcpy(md->slots[i].data, src, bs);
}

uint8_t *memdisk_block(const struct memdisk *md, uint64_t lba)
{
	return md->data ? md->data + lba * md->dev.block_size : NULL;
}
