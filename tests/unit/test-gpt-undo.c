// SPDX-License-Identifier: MIT
/* gpt_check_undo: the disk's table is what gptrim's change left of a
 * backup's, or it is refused with the first difference. Backups are
 * sgdisk's files of the fixtures; the changed tables are made here with an
 * independent writer (edit both arrays, CRCs by ref_crc32), or by sgdisk
 * (ws2019-removed: sgdisk -d 1), never by the core. */
#include "unit.h"

#include <stdlib.h>

/* The two header blocks of a memdisk (primary at LBA 1, backup at the
 * primary's AlternateLBA). */
static uint8_t *hdr(struct memdisk *md, bool primary)
{
	uint8_t *p = memdisk_block(md, 1);

	return primary ? p : memdisk_block(md, le64(p + 32));
}

static uint8_t *array_of(struct memdisk *md, const uint8_t *h)
{
	return memdisk_block(md, le64(h + 72));
}

/* Recompute both copies' array and header CRCs. */
static void reseal_both(struct memdisk *md)
{
	for (int c = 0; c < 2; c++) {
		uint8_t *h = hdr(md, c == 0);
		size_t bytes = (size_t)le32(h + 80) * le32(h + 84);

		put_le32(h + 88, ref_crc32(array_of(md, h), bytes));
		memset(h + 16, 0, 4);
		put_le32(h + 16, ref_crc32(h, le32(h + 12)));
	}
}

/* Apply edit(entry, entry_size) to entry i (0-based) of both arrays. */
static void edit_entry(struct memdisk *md, uint32_t i,
		       void (*edit)(uint8_t *e, uint32_t size))
{
	for (int c = 0; c < 2; c++) {
		uint8_t *h = hdr(md, c == 0);
		uint32_t size = le32(h + 84);

		edit(array_of(md, h) + (size_t)i * size, size);
	}
	reseal_both(md);
}

static void zero(uint8_t *e, uint32_t size) { memset(e, 0, size); }
static void rename_entry(uint8_t *e, uint32_t size) { (void)size; e[56] ^= 1; }
/* A Linux partition in a free slot, where nothing overlaps. */
static void add_linux(uint8_t *e, uint32_t size)
{
	static const uint8_t linux_fs[16] = {
		0xaf, 0x3d, 0xc6, 0x0f, 0x83, 0x84, 0x72, 0x47,
		0x8e, 0x79, 0x3d, 0x69, 0xd8, 0x47, 0x7d, 0xe4,
	};

	memset(e, 0, size);
	memcpy(e, linux_fs, 16);
	e[16] = 1; /* unique GUID */
	put_le64(e + 32, 40);
	put_le64(e + 40, 41);
}

struct undo_case {
	const char *fixture;
	const char *backup;       /* sgdisk's file */
	void (*edit)(struct memdisk *md);
	enum gpt_status want;
	uint32_t restored;
	const char *keywords;     /* the reason must name one */
};

static void run_case(const char *what, const struct undo_case *c)
{
	struct gpt_reason why = { 0 };
	struct gpt_backup b;
	struct memdisk md;
	struct gpt_table t;
	size_t len;
	uint8_t *file = fixture_slurp(c->backup, &len);
	uint32_t restored = 99;
	enum gpt_status st;

	fixture_open(&md, c->fixture);
	if (c->edit)
		c->edit(&md);
	assert_status(gpt_load(&md.dev, &t, &why), GPT_OK);
	assert_status(gpt_backup_decode(file, len, &b, &why), GPT_OK);
	memdisk_clear_log(&md);
	st = gpt_check_undo(&t, &b, &restored, &why);
	printf("# %s: %s%s%s\n", what, gpt_status_name(st), st ? ": " : "",
	       st ? why.text : "");
	assert_status(st, c->want);
	assert_int_equal(restored, c->restored);
	if (c->keywords)
		assert_reason(why.text, c->keywords);
	assert_int_equal(md.nlog, 0); /* nothing read or written */
	gpt_table_release(&t);
	memdisk_close(&md);
	free(file);
}

static void rm1(struct memdisk *md) { edit_entry(md, 0, zero); }
static void rm4(struct memdisk *md) { edit_entry(md, 3, zero); }
static void rm4_add(struct memdisk *md)
{
	edit_entry(md, 3, zero);
	edit_entry(md, 20, add_linux);
}
static void rm4_rename2(struct memdisk *md)
{
	edit_entry(md, 3, zero);
	edit_entry(md, 1, rename_entry);
}
static void rm1_mbr(struct memdisk *md)
{
	edit_entry(md, 0, zero);
	memdisk_block(md, 0)[440] ^= 1; /* disk signature */
}
/* A byte past HeaderSize: outside the CRC, the table stays valid. */
static void rm1_header_tail(struct memdisk *md)
{
	edit_entry(md, 0, zero);
	hdr(md, false)[200] = 0x5a;
}
static void rm4_last_usable(struct memdisk *md)
{
	edit_entry(md, 3, zero);
	for (int c = 0; c < 2; c++)
		put_le64(hdr(md, c == 0) + 48, le64(hdr(md, c == 0) + 48) - 8);
	reseal_both(md);
}
static void rm1_bad_backup(struct memdisk *md)
{
	edit_entry(md, 0, zero);
	hdr(md, false)[88] ^= 1; /* backup array CRC */
}

/* What gptrim's removal leaves (the entry zeroed, nothing else): taken. */
static void removed_entries(void **state)
{
	(void)state;
	run_case("sgdisk -d 1", &(struct undo_case){ "ws2019-removed",
		 "ws2019.sgdisk", NULL, GPT_OK, 1, NULL });
	run_case("WS2019, entry 1 zeroed", &(struct undo_case){ "ws2019",
		 "ws2019.sgdisk", rm1, GPT_OK, 1, NULL });
	run_case("WS2022, entry 4 zeroed", &(struct undo_case){ "ws2022",
		 "ws2022.sgdisk", rm4, GPT_OK, 1, NULL });
}

/* Anything else is not what gptrim's change left. */
static void refused(void **state)
{
	(void)state;
	run_case("the original itself", &(struct undo_case){ "ws2019",
		 "ws2019.sgdisk", NULL, GPT_E_MISMATCH, 0, "backup's own" });
	run_case("another disk", &(struct undo_case){ "ws2019-otherguid",
		 "ws2019.sgdisk", rm1, GPT_E_MISMATCH, 0, "disk" });
	run_case("a partition added since", &(struct undo_case){ "ws2022",
		 "ws2022.sgdisk", rm4_add, GPT_E_MISMATCH, 0, "entry 21" });
	run_case("an entry renamed since", &(struct undo_case){ "ws2022",
		 "ws2022.sgdisk", rm4_rename2, GPT_E_MISMATCH, 0, "entry 2" });
	run_case("the MBR changed", &(struct undo_case){ "ws2019",
		 "ws2019.sgdisk", rm1_mbr, GPT_E_MISMATCH, 0, "MBR" });
	run_case("a header byte past HeaderSize",
		 &(struct undo_case){ "ws2019", "ws2019.sgdisk",
		 rm1_header_tail, GPT_E_MISMATCH, 0, "byte 200" });
	run_case("LastUsableLBA moved, backup not", &(struct undo_case){
		 "ws2022", "ws2022.sgdisk", rm4_last_usable, GPT_E_MISMATCH,
		 0, "LastUsableLBA" });
	run_case("one copy damaged", &(struct undo_case){ "ws2019",
		 "ws2019.sgdisk", rm1_bad_backup, GPT_E_DAMAGED, 0,
		 "restore" });
	run_case("a 512 backup on the 4Kn disk", &(struct undo_case){
		 "ws2019-4k", "ws2019.sgdisk", NULL, GPT_E_MISMATCH, 0,
		 "disk|entries|LBA" });
}

int main(void)
{
	struct CMUnitTest tests[] = {
		cmocka_unit_test(removed_entries),
		cmocka_unit_test(refused),
	};

	return unit_run("gpt-undo", tests, sizeof(tests) / sizeof(tests[0]));
}
