// SPDX-License-Identifier: MIT
/* Fuzz target: the sgdisk --backup decoder on raw bytes (the content of a
 * --restore FILE), and when it accepts, gpt_restore and gptrim_restore_disk
 * onto a memory disk whose content is the same bytes and whose size is the
 * one the backup names (the main header's AlternateLBA is the last LBA),
 * with each block size.
 *
 * Invariants (a failure aborts): the decoder reads only the buffer (ASan)
 * and accepts only what it promises (slots, signatures, CRCs, sizes); a
 * refused restore writes nothing; an accepted restore reloads with both
 * copies valid, agreeing, with sound entries, holding exactly the backup's
 * headers, array and MBR; no leak, no stray buffer.
 *
 * A custom mutator recomputes the file's CRCs after most mutations so that
 * they reach the checks behind the CRCs and the restore. */
#include <stdlib.h>
#include <string.h>

#include "fuzzcheck.h"
#include "fuzzfix.h"
#include "gpt.h"
#include "gptrim.h"
#include "report.h"

#define SLOTS (3u * GPT_BACKUP_SLOT)

static const struct gpt_header *as_hdr(const uint8_t *p)
{
	return (const struct gpt_header *)(const void *)p;
}

/* What the decoder promises about a backup it accepts. */
static void check_decoded(const uint8_t *data, size_t size,
			  const struct gpt_backup *b)
{
	const struct gpt_header *m = as_hdr(b->main_header);
	const struct gpt_header *k = as_hdr(b->backup_header);

	FUZZ_CHECK(b->mbr == data && b->main_header == data + 512 &&
			   b->backup_header == data + 1024 &&
			   b->array == data + SLOTS,
		   "decoded slots are not where the format puts them");
	FUZZ_CHECK(size >= SLOTS && b->array_bytes == size - SLOTS &&
			   b->array_bytes > 0 &&
			   b->array_bytes <= GPT_ARRAY_MAX_BYTES,
		   "accepted %zu bytes with an array of %u", size,
		   b->array_bytes);
	FUZZ_CHECK((uint64_t)le32(&m->num_partition_entries) *
				   le32(&m->size_of_partition_entry) ==
			   b->array_bytes,
		   "array of %u bytes for %u x %u entries", b->array_bytes,
		   le32(&m->num_partition_entries),
		   le32(&m->size_of_partition_entry));
	FUZZ_CHECK(le16(b->mbr + 510) == 0xAA55, "MBR slot without 0xAA55");
	FUZZ_CHECK(memcmp(m->signature, "EFI PART", 8) == 0 &&
			   memcmp(k->signature, "EFI PART", 8) == 0,
		   "header slot without signature");
	FUZZ_CHECK(le64(&m->my_lba) == 1 &&
			   le64(&m->alternate_lba) == le64(&k->my_lba) &&
			   le64(&k->alternate_lba) == 1,
		   "headers do not point at each other");
	FUZZ_CHECK(crc32_calc(b->array, b->array_bytes) ==
				   le32(&m->partition_entry_array_crc32) &&
			   le32(&k->partition_entry_array_crc32) ==
				   le32(&m->partition_entry_array_crc32),
		   "array CRC does not match the headers");
}

/* The headers, array and MBR on the disk are the backup's. */
static void check_restored(const struct gpt_table *t, const struct gpt_backup *b,
			   uint32_t bs)
{
	const struct gpt_header *m = as_hdr(b->main_header);
	const struct gpt_header *k = as_hdr(b->backup_header);

	FUZZ_CHECK(t->primary.valid && t->backup.valid && t->copies_agree,
		   "after a restore (%u-byte blocks): primary: %s | backup: "
		   "%s | %s", bs, t->primary.why.text, t->backup.why.text,
		   t->disagree.text);
	FUZZ_CHECK(t->entries_ok, "restore wrote a table whose entries are "
		   "refused (%u-byte blocks): %s", bs, t->entries_why.text);
	FUZZ_CHECK(t->backup.lba == le64(&k->my_lba),
		   "backup header at LBA %llu, the file says %llu",
		   (unsigned long long)t->backup.lba,
		   (unsigned long long)le64(&k->my_lba));
	FUZZ_CHECK(memcmp(t->primary.header, b->main_header,
			  le32(&m->header_size)) == 0 &&
			   memcmp(t->backup.header, b->backup_header,
				  le32(&k->header_size)) == 0,
		   "restored headers differ from the file");
	FUZZ_CHECK(memcmp(t->primary.array, b->array, b->array_bytes) == 0 &&
			   memcmp(t->backup.array, b->array,
				  b->array_bytes) == 0,
		   "restored arrays differ from the file");
	FUZZ_CHECK(memcmp(t->mbr, b->mbr, GPT_BACKUP_SLOT) == 0,
		   "restored MBR differs from the file");
}

static bool refusal(enum gpt_status st)
{
	return st == GPT_E_MISMATCH || st == GPT_E_DAMAGED ||
	       st == GPT_E_LIMIT;
}

/* gpt_load + gpt_restore on a fresh disk; returns the restore status. */
static enum gpt_status restore_core(const uint8_t *data, size_t size,
				    const struct gpt_backup *b, uint32_t bs,
				    uint64_t last_lba)
{
	struct gpt_commit_result res;
	struct gpt_reason why;
	struct gpt_table t;
	struct memdisk d;
	enum gpt_status st;

	fuzz_disk_open(&d, data, size, bs, last_lba);
	st = gpt_load(&d.dev, &t, &why);
	FUZZ_CHECK(st == GPT_OK || (st == GPT_E_NOT_GPT && last_lba < 3),
		   "load: %s: %s", gpt_status_name(st), why.text);
	if (st != GPT_OK)
		goto out;
	gpt_report_table(&t, "fuzz", NULL, &fuzz_sink);
	st = gpt_restore(&t, b, &res, &why);
	FUZZ_CHECK(st == GPT_OK || refusal(st),
		   "restore on an honest disk (%u-byte blocks): %s: %s", bs,
		   gpt_status_name(st), why.text);
	if (st != GPT_OK) {
		FUZZ_CHECK(d.done[MD_WRITE] == 0,
			   "restore refused (%s) after %u write(s)", why.text,
			   d.done[MD_WRITE]);
		goto out;
	}
	check_restored(&t, b, bs);
	FUZZ_CHECK(res.blocks_written == memdisk_blocks_written(&d) &&
			   res.write_calls == d.done[MD_WRITE] &&
			   res.flushes == d.done[MD_FLUSH],
		   "restore result: %u blocks, %u writes, %u flushes; disk saw "
		   "%u, %u, %u", res.blocks_written, res.write_calls,
		   res.flushes, memdisk_blocks_written(&d), d.done[MD_WRITE],
		   d.done[MD_FLUSH]);
	gpt_report_commit(&res, &fuzz_sink);
out:
	gpt_table_release(&t);
	memdisk_close(&d);
	return st;
}

static enum gpt_status save_ok(void *ctx, const struct gpt_guid *disk,
			       const uint8_t *data, size_t len,
			       struct gpt_reason *why)
{
	(void)ctx;
	(void)disk;
	(void)data;
	(void)len;
	(void)why;
	return GPT_OK;
}

/* The driver's restore must agree with the core's verdict. */
static void restore_driver(const uint8_t *data, size_t size, uint32_t bs,
			   uint64_t last_lba, enum gpt_status core_st)
{
	struct gptrim_env env = { .out = &fuzz_sink, .save_backup = save_ok };
	struct disk_outcome res;
	struct memdisk d;

	fuzz_disk_open(&d, data, size, bs, last_lba);
	gptrim_restore_disk(&d.dev, "fuzz", data, size, &env, &res);
	if (core_st == GPT_OK)
		FUZZ_CHECK(res.exit == GPTRIM_EXIT_OK && res.healthy,
			   "driver restore: exit %d (%s), the core accepted it",
			   (int)res.exit, res.why.text);
	else
		FUZZ_CHECK(res.exit != GPTRIM_EXIT_OK &&
				   d.done[MD_WRITE] == 0,
			   "driver restore: exit %d after %u writes; the core "
			   "refused it", (int)res.exit, d.done[MD_WRITE]);
	memdisk_close(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gpt_reason why;
	struct gpt_backup b;
	enum gpt_status st;
	uint64_t last_lba;

	memset(&b, 0, sizeof(b));
	st = gpt_backup_decode(data, size, &b, &why);
	FUZZ_CHECK(st == GPT_OK || st == GPT_E_DAMAGED, "decode: %s",
		   gpt_status_name(st));
	FUZZ_CHECK(strnlen(why.text, sizeof(why.text)) < sizeof(why.text),
		   "reason not terminated");
	if (st != GPT_OK)
		return 0;
	check_decoded(data, size, &b);

	/* A disk of the size the backup was made on, with each block size;
	 * the driver once, with the first block size. */
	last_lba = le64(&as_hdr(b.main_header)->alternate_lba);
	for (uint32_t bs = 512; bs <= 4096; bs *= 2) {
		enum gpt_status rs = restore_core(data, size, &b, bs,
						  last_lba);

		if (bs == 512 || rs == GPT_OK)
			restore_driver(data, size, bs, last_lba, rs);
	}
	return 0;
}

size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size,
			       unsigned int seed);

/* Half the time libFuzzer's mutation, else one to three changes of header
 * slot or entry fields; then, mostly, the CRCs are recomputed. */
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size,
			       unsigned int seed)
{
	uint32_t r = seed;

	if (fuzzfix_rand(&r) % 2) {
		size = LLVMFuzzerMutate(data, size, max_size);
		if (fuzzfix_rand(&r) % 4 == 0)
			return size;
	} else {
		for (uint32_t n = 1 + fuzzfix_rand(&r) % 3; n; n--)
			fuzzfix_tweak_backup(data, size, &r);
	}
	fuzzfix_seal_backup(data, size);
	return size;
}
