// SPDX-License-Identifier: MIT
/* gpt_commit_removals through the recording memdisk: the write order,
 * exactly the blocks that change, zero in place, valid CRCs, nothing for an
 * empty plan or a refused table, a grown disk, read-back and write faults. */
#include "unit.h"

#include <stdlib.h>

#include "report.h"
/* gpt_header_seal is the core's own (core/gpt_internal.h): its refusal
 * cannot be reached through a loaded table, whose headers all passed. */
#include "../../core/gpt_internal.h"

struct ctx {
	struct memdisk md;
	struct gpt_table t;
	struct gpt_plan plan;
	struct gpt_commit_result res;
	struct gpt_reason why;
	const char *fixture;
};

/* Load fixture, check it and plan the Windows RE entries. */
static void prepare(struct ctx *c, const char *fixture)
{
	memset(c, 0, sizeof(*c));
	c->fixture = fixture;
	load_fixture(&c->md, &c->t, fixture);
	assert_status(gpt_check_table(&c->t, GPT_REPAIR_NONE, &c->why), GPT_OK);
	assert_status(gpt_plan_removals(&c->t, &GPT_TYPE_WINDOWS_RE, 1,
					&c->plan, &c->why), GPT_OK);
	memdisk_clear_log(&c->md);
}

static enum gpt_status commit(struct ctx *c)
{
	enum gpt_status st = gpt_commit_removals(&c->t, &c->plan, GPT_REPAIR_NONE,
						 &c->res, &c->why);

	if (st != GPT_OK)
		printf("# %s: %s: %s\n", c->fixture, gpt_status_name(st),
		       c->why.text);
	return st;
}

static void finish(struct ctx *c)
{
	unload(&c->md, &c->t);
}

/* The pristine header of a copy, read from the fixture file. */
static void pristine(const struct ctx *c, uint64_t lba, uint8_t *buf,
		     size_t len)
{
	char file[256];

	snprintf(file, sizeof(file), "%s.img", c->fixture);
	fixture_pread(file, lba * c->md.dev.block_size, buf, len);
}

/* Writes and flushes of the log, as "w LBA+N" / "f" strings. */
static size_t io_sequence(const struct memdisk *md, char seq[][32], size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < md->nlog && n < max; i++) {
		const struct md_call *l = &md->log[i];

		if (l->op == MD_WRITE)
			snprintf(seq[n++], 32, "w %llu+%u",
				 (unsigned long long)l->lba, l->count);
		else if (l->op == MD_FLUSH)
			snprintf(seq[n++], 32, "f");
	}
	return n;
}

/* Backup array, backup header, flush, primary array, primary header,
 * flush: one block each for one removal, 4 blocks in all. */
static void single_removal(const char *fixture)
{
	struct ctx c;
	char seq[16][32], want[6][32];
	uint64_t last;
	uint32_t bs;

	prepare(&c, fixture);
	last = c.md.dev.last_lba;
	bs = c.md.dev.block_size;
	assert_int_equal(c.plan.count, 1);
	assert_status(commit(&c), GPT_OK);
	snprintf(want[0], 32, "w %llu+1",
		 (unsigned long long)(last - 16384 / bs));
	snprintf(want[1], 32, "w %llu+1", (unsigned long long)last);
	snprintf(want[2], 32, "f");
	snprintf(want[3], 32, "w 2+1");
	snprintf(want[4], 32, "w 1+1");
	snprintf(want[5], 32, "f");
	memdisk_dump_log(&c.md);
	assert_int_equal(io_sequence(&c.md, seq, 16), 6);
	for (int i = 0; i < 6; i++)
		assert_string_equal(seq[i], want[i]);
	printf("# single removal: %u blocks written (%s, %u-byte blocks)\n",
	       memdisk_blocks_written(&c.md), fixture, bs);
	assert_int_equal(memdisk_blocks_written(&c.md), 4);
	assert_int_equal(c.res.blocks_written, 4);
	assert_int_equal(c.res.write_calls, 4);
	assert_int_equal(c.res.flushes, 2);
	assert_int_equal(c.res.removed, 1);
	assert_false(c.res.backup_moved);
	assert_int_equal(c.md.out_of_range, 0);
	finish(&c);
}

static void order_512(void **state)
{
	(void)state;
	single_removal("ws2019");
}

static void order_1k(void **state)
{
	(void)state;
	single_removal("ws2019-1k");
}

static void order_2k(void **state)
{
	(void)state;
	single_removal("ws2019-2k");
}

static void order_4k(void **state)
{
	(void)state;
	single_removal("ws2019-4k");
}

/* One copy after the commit: the planned entries all zero (the whole
 * entry, whatever its size), every other byte of the array as before,
 * the header as before but for its two CRCs, and both CRCs right. */
static void check_copy_after(const struct ctx *c, uint64_t hdr_lba)
{
	uint32_t bs = c->md.dev.block_size;
	uint8_t *old_hdr = malloc(bs), *new_hdr = memdisk_block(&c->md, hdr_lba);
	uint64_t array_lba = le64(new_hdr + 72);
	size_t esize = le32(new_hdr + 84), bytes = le32(new_hdr + 80) * esize;
	uint8_t *old = malloc(bytes), *now = memdisk_block(&c->md, array_lba);
	size_t k = 0;

	assert_non_null(old_hdr);
	assert_non_null(old);
	pristine(c, hdr_lba, old_hdr, bs);
	pristine(c, array_lba, old, bytes);
	assert_true(ref_header_crc_ok(new_hdr));
	assert_true(ref_array_crc_ok(new_hdr, now));
	assert_memory_equal(old_hdr, new_hdr, 16);
	assert_memory_equal(old_hdr + 20, new_hdr + 20, 88 - 20);
	assert_memory_equal(old_hdr + 92, new_hdr + 92, bs - 92);
	for (size_t i = 0; i < bytes / esize; i++) {
		const uint8_t *e = now + i * esize;

		if (k < c->plan.count && c->plan.index[k] == i) {
			for (size_t b = 0; b < esize; b++)
				assert_int_equal(e[b], 0);
			k++;
		} else {
			assert_memory_equal(e, old + i * esize, esize);
		}
	}
	free(old);
	free(old_hdr);
}

static void zeroed_in_place(const char *fixture, uint32_t removed)
{
	struct ctx c;
	uint8_t mbr[512];

	prepare(&c, fixture);
	assert_int_equal(c.plan.count, removed);
	assert_status(commit(&c), GPT_OK);
	assert_int_equal(c.res.removed, removed);
	check_copy_after(&c, 1);
	check_copy_after(&c, c.md.dev.last_lba);
	pristine(&c, 0, mbr, sizeof(mbr));
	assert_memory_equal(memdisk_block(&c.md, 0), mbr, sizeof(mbr));
	/* The table was reloaded: the entries are gone from it too. */
	assert_true(c.t.primary.valid && c.t.backup.valid && c.t.copies_agree);
	for (uint32_t i = 0; i < removed; i++)
		assert_false(gpt_entry_used(gpt_entry_at(&c.t, c.plan.index[i])));
	finish(&c);
}

static void zero_ws2019(void **state)
{
	(void)state;
	zeroed_in_place("ws2019", 1);
}

static void zero_ws2022(void **state)
{
	(void)state;
	zeroed_in_place("ws2022", 1);
}

static void zero_two_recovery(void **state)
{
	(void)state;
	zeroed_in_place("two-recovery", 2);
}

static void zero_4k(void **state)
{
	(void)state;
	zeroed_in_place("ws2019-4k", 1);
}

/* 256-byte entries: all 256 bytes of the entry are zeroed. */
static void zero_entry_size_256(void **state)
{
	(void)state;
	zeroed_in_place("arr-esize-256", 1);
}

/* Two recovery entries in different array blocks: 3 blocks per copy. */
static void two_blocks_per_copy(void **state)
{
	struct ctx c;

	(void)state;
	prepare(&c, "two-recovery");
	assert_status(commit(&c), GPT_OK);
	memdisk_dump_log(&c.md);
	assert_int_equal(memdisk_blocks_written(&c.md), 6);
	assert_int_equal(c.res.flushes, 2);
	finish(&c);
}

static void empty_plan(const char *fixture, bool clear_plan)
{
	struct ctx c;

	prepare(&c, fixture);
	if (clear_plan)
		c.plan.count = 0;
	assert_int_equal(c.plan.count, 0);
	assert_status(commit(&c), GPT_OK);
	assert_int_equal(memdisk_calls(&c.md, MD_WRITE), 0);
	assert_int_equal(c.res.blocks_written, 0);
	assert_int_equal(c.res.removed, 0);
	finish(&c);
}

static void empty_plan_writes_nothing(void **state)
{
	(void)state;
	empty_plan("no-recovery", false);
	empty_plan("ws2019", true);
	empty_plan("ws2019-4k", true);
}

static void capture_line(void *ctx, enum report_level level, const char *text)
{
	int *hits = ctx;

	(void)level;
	printf("# report: %s\n", text);
	if (reason_names(text, "moved|move|relocat"))
		++*hits;
}

/* The disk grew by 64 MiB: the rewrite moves the backup to the new last
 * LBA (as gptfdisk and libfdisk do) and says so. */
static void grown_disk_moves_backup(void **state)
{
	struct ctx c;
	int hits = 0;
	struct report_sink sink = { capture_line, &hits };
	const uint8_t *ph, *bh;
	uint64_t last;

	(void)state;
	prepare(&c, "grown");
	last = c.md.dev.last_lba;
	assert_true(c.t.backup_misplaced);
	assert_status(commit(&c), GPT_OK);
	memdisk_dump_log(&c.md);
	assert_true(c.res.backup_moved);
	assert_int_equal(c.res.old_backup_lba, (1ull << 30) / 512 - 1);
	assert_int_equal(c.res.new_backup_lba, last);
	assert_true(c.res.new_last_usable >= c.res.old_last_usable);
	assert_true(c.res.new_last_usable <= last - 33);
	gpt_report_commit(&c.res, &sink);
	assert_true(hits > 0);

	ph = memdisk_block(&c.md, 1);
	bh = memdisk_block(&c.md, last);
	assert_memory_equal(bh, "EFI PART", 8);
	assert_int_equal(le64(ph + 32), last);      /* AlternateLBA */
	assert_int_equal(le64(bh + 24), last);      /* MyLBA */
	assert_int_equal(le64(bh + 32), 1);
	assert_int_equal(le64(bh + 72), last - 32); /* array before it */
	assert_int_equal(le64(ph + 48), le64(bh + 48));
	assert_true(ref_header_crc_ok(ph) && ref_header_crc_ok(bh));
	assert_true(ref_array_crc_ok(bh, memdisk_block(&c.md, last - 32)));
	assert_true(c.t.primary.valid && c.t.backup.valid && c.t.copies_agree);
	assert_false(c.t.backup_misplaced);
	assert_int_equal(c.t.backup.lba, last);
	assert_int_equal(c.md.out_of_range, 0);
	finish(&c);
}

/* A hybrid MBR is kept byte for byte: LBA 0 is never written. */
static void hybrid_mbr_kept(void **state)
{
	struct ctx c;

	(void)state;
	prepare(&c, "hybrid");
	assert_status(commit(&c), GPT_OK);
	for (size_t i = 0; i < c.md.nlog; i++)
		assert_false(c.md.log[i].op == MD_WRITE && c.md.log[i].lba == 0);
	assert_int_equal(memdisk_blocks_written(&c.md), 4);
	finish(&c);
}

/* Sealing takes the CRC over HeaderSize bytes: a HeaderSize outside
 * 92..block size is refused and the block left as it was (with the check
 * taken out, ASan stops the CRC at the end of the 512-byte block). */
static void seal_refuses_header_size(void **state)
{
	static const uint32_t refused[] = { 0, 91, 513, 0xffffffffu };
	uint8_t block[512] = { 0 }, before[512], array[256];
	struct gpt_reason why;

	(void)state;
	memset(array, 0x5a, sizeof(array));
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		put_le32(block + 12, refused[i]);
		memcpy(before, block, sizeof(block));
		assert_status(gpt_header_seal(block, sizeof(block), array,
					      sizeof(array), &why),
			      GPT_E_DAMAGED);
		assert_memory_equal(block, before, sizeof(block));
		assert_non_null(strstr(why.text, "HeaderSize"));
	}
	put_le32(block + 12, 512);
	assert_status(gpt_header_seal(block, sizeof(block), array,
				      sizeof(array), &why), GPT_OK);
	assert_true(ref_header_crc_ok(block));
	assert_int_equal(le32(block + 88), ref_crc32(array, sizeof(array)));
}

int main(void)
{
	struct CMUnitTest tests[] = {
		cmocka_unit_test(order_512),
		cmocka_unit_test(order_1k),
		cmocka_unit_test(order_2k),
		cmocka_unit_test(order_4k),
		cmocka_unit_test(zero_ws2019),
		cmocka_unit_test(zero_ws2022),
		cmocka_unit_test(zero_two_recovery),
		cmocka_unit_test(zero_4k),
		cmocka_unit_test(zero_entry_size_256),
		cmocka_unit_test(two_blocks_per_copy),
		cmocka_unit_test(empty_plan_writes_nothing),
		cmocka_unit_test(grown_disk_moves_backup),
		cmocka_unit_test(hybrid_mbr_kept),
		cmocka_unit_test(seal_refuses_header_size),
	};

	return unit_run("gpt-commit", tests, sizeof(tests) / sizeof(tests[0]));
}
