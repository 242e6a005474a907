// SPDX-License-Identifier: MIT
/* CRC fix-ups for the custom mutators. */
#include "fuzzfix.h"

#include <string.h>

#include "gpt.h"
#include "gpt_ondisk.h"

#define OFF_HEADER_SIZE 12
#define OFF_HEADER_CRC 16
#define OFF_ENTRY_LBA 72
#define OFF_NUM_ENTRIES 80
#define OFF_ENTRY_SIZE 84
#define OFF_ARRAY_CRC 88

/* CRC of bytes [off, off + n) of an image that is zero past len. */
static uint32_t crc_of_image(const uint8_t *img, size_t len, uint64_t off,
			     uint64_t n)
{
	static const uint8_t zeros[4096];
	uint32_t crc = 0;

	if (off < len) {
		uint64_t have = len - off < n ? len - off : n;

		crc = crc32_update(crc, img + off, (size_t)have);
		n -= have;
	}
	while (n) {
		size_t k = n < sizeof(zeros) ? (size_t)n : sizeof(zeros);

		crc = crc32_update(crc, zeros, k);
		n -= k;
	}
	return crc;
}

static void seal(uint8_t *h, uint32_t hs)
{
	put_le32(h + OFF_HEADER_CRC, 0);
	put_le32(h + OFF_HEADER_CRC, crc32_calc(h, hs));
}

void fuzzfix_seal_header(uint8_t *img, size_t len, uint32_t bs, uint64_t lba)
{
	uint64_t off, bytes, array_off;
	uint32_t hs;
	uint8_t *h;

	if (lba > (uint64_t)len / bs)
		return;
	off = lba * bs;
	if (off + GPT_HEADER_MIN_SIZE > len)
		return;
	h = img + off;
	hs = le32(h + OFF_HEADER_SIZE);
	if (memcmp(h, GPT_HEADER_SIGNATURE, 8) != 0 ||
	    hs < GPT_HEADER_MIN_SIZE || hs > bs || off + hs > len)
		return;
	bytes = (uint64_t)le32(h + OFF_NUM_ENTRIES) * le32(h + OFF_ENTRY_SIZE);
	array_off = le64(h + OFF_ENTRY_LBA);
	if (bytes && bytes <= GPT_ARRAY_MAX_BYTES &&
	    array_off <= UINT64_MAX / bs - 1)
		put_le32(h + OFF_ARRAY_CRC,
			 crc_of_image(img, len, array_off * bs, bytes));
	seal(h, hs);
}

void fuzzfix_seal_backup(uint8_t *buf, size_t len)
{
	const size_t slots = 3 * GPT_BACKUP_SLOT;
	uint32_t crc;

	if (len < slots)
		return;
	crc = crc32_calc(buf + slots, len - slots);
	for (int s = 1; s <= 2; s++) {
		uint8_t *h = buf + s * GPT_BACKUP_SLOT;
		uint32_t hs = le32(h + OFF_HEADER_SIZE);

		put_le32(h + OFF_ARRAY_CRC, crc);
		if (hs >= GPT_HEADER_MIN_SIZE && hs <= GPT_BACKUP_SLOT)
			seal(h, hs);
	}
}

uint32_t fuzzfix_rand(uint32_t *r)
{
	if (*r == 0)
		*r = 0x9E3779B9u;
	*r ^= *r << 13;
	*r ^= *r >> 17;
	*r ^= *r << 5;
	return *r;
}

#define next fuzzfix_rand

struct field {
	uint8_t off, width;
};

/* The header fields of UEFI table 5-5 worth changing. */
static const struct field header_fields[] = {
	{ 8, 4 },  /* Revision */
	{ 12, 4 }, /* HeaderSize */
	{ 20, 4 }, /* Reserved */
	{ 24, 8 }, /* MyLBA */
	{ 32, 8 }, /* AlternateLBA */
	{ 40, 8 }, /* FirstUsableLBA */
	{ 48, 8 }, /* LastUsableLBA */
	{ 56, 1 }, /* DiskGUID, first byte */
	{ 72, 8 }, /* PartitionEntryLBA */
	{ 80, 4 }, /* NumberOfPartitionEntries */
	{ 84, 4 }, /* SizeOfPartitionEntry */
};

/* Entry fields (UEFI table 5-6). */
static const struct field entry_fields[] = {
	{ 0, 1 },  /* PartitionTypeGUID, first byte */
	{ 0, 16 }, /* PartitionTypeGUID: Windows RE or zero */
	{ 16, 1 }, /* UniquePartitionGUID, first byte */
	{ 32, 8 }, /* StartingLBA */
	{ 40, 8 }, /* EndingLBA */
	{ 48, 8 }, /* Attributes */
};

static uint64_t get(const uint8_t *p, unsigned w)
{
	return w == 8 ? le64(p) : w == 4 ? le32(p) : p[0];
}

static void set(uint8_t *p, unsigned w, uint64_t v)
{
	if (w == 8)
		put_le64(p, v);
	else if (w == 4)
		put_le32(p, (uint32_t)v);
	else
		p[0] = (uint8_t)v;
}

/* A value near old that GPT checks care about. */
static uint64_t pick(uint64_t old, uint64_t last_lba, uint32_t bs,
		     uint32_t *r)
{
	switch (next(r) % 12) {
	case 0: return 0;
	case 1: return 1;
	case 2: return 2;
	case 3: return old + 1;
	case 4: return old - 1;
	case 5: return old + 1 + next(r) % 64;
	case 6: return old - 1 - next(r) % 64;
	case 7: return last_lba;
	case 8: return last_lba - 1 - next(r) % 40;
	case 9: return bs;
	case 10: return (uint64_t)1 << (next(r) % 64);
	default: return ((uint64_t)next(r) << 32) | next(r);
	}
}

static const uint8_t type_winre[16] = {
	0xA4, 0xBB, 0x94, 0xDE, 0xD1, 0x06, 0x40, 0x4D,
	0xA1, 0x6A, 0xBF, 0xD5, 0x01, 0x79, 0xD6, 0xAC };

static void tweak_entry(uint8_t *e, size_t room, uint64_t last_lba,
			uint32_t bs, uint32_t *r)
{
	const struct field *f =
		&entry_fields[next(r) % (sizeof(entry_fields) /
					 sizeof(entry_fields[0]))];

	if (room < 128)
		return;
	if (f->width == 16) {
		if (next(r) % 2)
			memcpy(e, type_winre, 16);
		else
			memset(e, 0, 16);
		return;
	}
	set(e + f->off, f->width,
	    pick(get(e + f->off, f->width), last_lba, bs, r));
}

int fuzzfix_tweak_header(uint8_t *img, size_t len, uint32_t bs, uint64_t lba,
			 uint64_t last_lba, uint32_t *rnd)
{
	uint8_t *h;
	uint64_t off;

	if (lba > (uint64_t)len / bs || lba * bs + bs > len)
		return 0;
	off = lba * bs;
	h = img + off;
	if (memcmp(h, GPT_HEADER_SIGNATURE, 8) != 0)
		return 0;
	if (next(rnd) % 3 == 0) {
		/* One of the first 8 entries of its array. */
		uint64_t alba = le64(h + OFF_ENTRY_LBA);
		uint32_t esz = le32(h + OFF_ENTRY_SIZE);
		uint64_t eoff;

		if (esz < 128 || esz > 4096 || alba > (uint64_t)len / bs)
			return 1;
		eoff = alba * bs + (uint64_t)(next(rnd) % 8) * esz;
		if (eoff < len)
			tweak_entry(img + eoff, len - (size_t)eoff, last_lba,
				    bs, rnd);
		return 1;
	}
	{
		const struct field *f =
			&header_fields[next(rnd) % (sizeof(header_fields) /
						    sizeof(header_fields[0]))];

		set(h + f->off, f->width,
		    pick(get(h + f->off, f->width), last_lba, bs, rnd));
	}
	return 1;
}

void fuzzfix_tweak_backup(uint8_t *buf, size_t len, uint32_t *rnd)
{
	const size_t slots = 3 * GPT_BACKUP_SLOT;
	uint64_t last;

	if (len < slots)
		return;
	last = le64(buf + GPT_BACKUP_SLOT + 32);
	if (next(rnd) % 3 == 0) {
		size_t n = (len - slots) / 128;

		if (n)
			tweak_entry(buf + slots + (next(rnd) % n) * 128, 128,
				    last, 512, rnd);
		return;
	}
	{
		uint8_t *h = buf + (1 + next(rnd) % 2) * GPT_BACKUP_SLOT;
		const struct field *f =
			&header_fields[next(rnd) % (sizeof(header_fields) /
						    sizeof(header_fields[0]))];

		set(h + f->off, f->width,
		    pick(get(h + f->off, f->width), last, 512, rnd));
	}
}
