/* SPDX-License-Identifier: MIT */
/* On-disk structures of the GUID Partition Table (UEFI 2.10 §5.2, §5.3) and
 * the protective MBR. All multi-byte fields are little-endian: read them with
 * le16/le32/le64 and write them with put_le16/32/64, never directly. */
#ifndef GPTRIM_GPT_ONDISK_H
#define GPTRIM_GPT_ONDISK_H

#include <stdint.h>

#define GPT_HEADER_SIGNATURE "EFI PART"
#define GPT_HEADER_REVISION_V1 0x00010000u
#define GPT_HEADER_MIN_SIZE 92u
#define GPT_ENTRY_MIN_SIZE 128u
#define GPT_PRIMARY_HEADER_LBA 1u
#define GPT_ARRAY_MAX_BYTES (4u * 1024u * 1024u) /* as libfdisk */
#define GPT_NAME_UNITS 36u

#define MBR_SIGNATURE 0xAA55u
#define MBR_TYPE_GPT_PROTECTIVE 0xEEu

/* A GUID as stored: the first three fields little-endian, the rest bytes. */
struct gpt_guid {
	uint8_t b[16];
};

/* GPT header, UEFI §5.3.2 table 5-5. HeaderSize covers these 92 bytes;
 * the rest of the block is reserved. */
struct gpt_header {
	uint8_t signature[8];
	uint32_t revision;
	uint32_t header_size;
	uint32_t header_crc32;
	uint32_t reserved;
	uint64_t my_lba;
	uint64_t alternate_lba;
	uint64_t first_usable_lba;
	uint64_t last_usable_lba;
	struct gpt_guid disk_guid;
	uint64_t partition_entry_lba;
	uint32_t num_partition_entries;
	uint32_t size_of_partition_entry;
	uint32_t partition_entry_array_crc32;
} __attribute__((packed));

/* Partition entry, UEFI §5.3.3 table 5-6. SizeOfPartitionEntry may be
 * larger (128 * 2^n); the extra bytes are kept as they are. */
struct gpt_entry {
	struct gpt_guid type_guid;
	struct gpt_guid unique_guid;
	uint64_t starting_lba;
	uint64_t ending_lba;
	uint64_t attributes;
	uint16_t name[GPT_NAME_UNITS];
} __attribute__((packed));

struct mbr_record {
	uint8_t boot_indicator;
	uint8_t start_chs[3];
	uint8_t os_type;
	uint8_t end_chs[3];
	uint32_t starting_lba;
	uint32_t size_in_lba;
} __attribute__((packed));

/* Legacy MBR, UEFI §5.2.1; only the first 512 bytes of LBA 0. */
struct mbr {
	uint8_t boot_code[440];
	uint32_t unique_mbr_signature;
	uint16_t unknown;
	struct mbr_record record[4];
	uint16_t signature;
} __attribute__((packed));

_Static_assert(sizeof(struct gpt_guid) == 16, "GUID is 16 bytes");
_Static_assert(sizeof(struct gpt_header) == 92, "GPT header is 92 bytes");
_Static_assert(sizeof(struct gpt_entry) == 128, "GPT entry is 128 bytes");
_Static_assert(sizeof(struct mbr_record) == 16, "MBR record is 16 bytes");
_Static_assert(sizeof(struct mbr) == 512, "MBR is 512 bytes");

/* A header block (one block as read or built) as the packed struct. */
#define GPT_HDR(block) ((const struct gpt_header *)(const void *)(block))

/* Explicit little-endian access through bytes: correct on any host and for
 * any alignment, so buffers can be cast to the packed structs above. */
/*@ requires \valid_read((const uint8_t *)p + (0 .. 1));
    assigns \nothing;
    exits \false; */
static inline uint16_t le16(const void *p)
{
	const uint8_t *b = p;
	return (uint16_t)(b[0] | (b[1] << 8));
}
/*@ requires \valid_read((const uint8_t *)p + (0 .. 3));
    assigns \nothing;
    exits \false; */
static inline uint32_t le32(const void *p)
{
	const uint8_t *b = p;
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
	       (uint32_t)b[3] << 24;
}
/*@ requires \valid_read((const uint8_t *)p + (0 .. 7));
    assigns \nothing;
    exits \false; */
static inline uint64_t le64(const void *p)
{
	const uint8_t *b = p;
	return (uint64_t)le32(b) | (uint64_t)le32(b + 4) << 32;
}
/*@ requires \valid((uint8_t *)p + (0 .. 1));
    assigns ((uint8_t *)p)[0 .. 1];
    exits \false; */
static inline void put_le16(void *p, uint16_t v)
{
	uint8_t *b = p;
	b[0] = (uint8_t)v;
	b[1] = (uint8_t)(v >> 8);
}
/*@ requires \valid((uint8_t *)p + (0 .. 3));
    assigns ((uint8_t *)p)[0 .. 3];
    exits \false; */
static inline void put_le32(void *p, uint32_t v)
{
	uint8_t *b = p;
	/*@ loop invariant 0 <= i <= 4;
	    loop assigns i, b[0 .. 3]; */
	for (int i = 0; i < 4; i++)
		b[i] = (uint8_t)(v >> (8 * i));
}
/*@ requires \valid((uint8_t *)p + (0 .. 7));
    assigns ((uint8_t *)p)[0 .. 7];
    exits \false; */
static inline void put_le64(void *p, uint64_t v)
{
	put_le32(p, (uint32_t)v);
	put_le32((uint8_t *)p + 4, (uint32_t)(v >> 32));
}

#endif
