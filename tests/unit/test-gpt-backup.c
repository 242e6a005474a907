// SPDX-License-Identifier: MIT
/* The sgdisk --backup format: encode gives byte for byte the file sgdisk
 * wrote for the same image (512-byte MBR, main header, backup header
 * slots, then the array, whatever the sector size); decode takes sgdisk's
 * files and rejects truncated or garbled ones. */
#include "unit.h"

#include <stdlib.h>

/* Encode fixture and compare with sgdisk's backup file of it. */
static void encode_matches(const char *fixture)
{
	char file[256];
	size_t want_len, len = 0, size;
	uint8_t *want, *got;
	struct gpt_reason why = { 0 };
	struct memdisk md;
	struct gpt_table t;

	snprintf(file, sizeof(file), "%s.sgdisk", fixture);
	want = fixture_slurp(file, &want_len);
	load_fixture(&md, &t, fixture);
	size = gpt_backup_size(&t);
	assert_int_equal(size, want_len);
	assert_int_equal(size, 3 * 512 + 128 * 128);
	got = malloc(size);
	assert_non_null(got);
	assert_status(gpt_backup_encode(&t, got, size, &len, &why), GPT_OK);
	assert_int_equal(len, want_len);
	for (size_t i = 0; i < len; i++)
		if (got[i] != want[i])
			fail_msg("%s: byte %zu is 0x%02x, sgdisk wrote 0x%02x",
				 file, i, got[i], want[i]);
	assert_int_equal(md.done[MD_WRITE], 0);
	free(got);
	free(want);
	unload(&md, &t);
}

static void sgdisk_512(void **state)
{
	(void)state;
	encode_matches("ws2019");
	encode_matches("ws2022");
}

static void sgdisk_1k(void **state)
{
	(void)state;
	encode_matches("ws2019-1k");
}

static void sgdisk_2k(void **state)
{
	(void)state;
	encode_matches("ws2019-2k");
}

static void sgdisk_4k(void **state)
{
	(void)state;
	encode_matches("ws2019-4k");
}

/* A buffer one byte short is refused, and not written past. */
static void encode_cap(void **state)
{
	struct gpt_reason why = { 0 };
	struct memdisk md;
	struct gpt_table t;
	size_t size, len = 0;
	uint8_t *buf;

	(void)state;
	load_fixture(&md, &t, "ws2019");
	size = gpt_backup_size(&t);
	buf = malloc(size - 1); /* ASan catches an overrun */
	assert_non_null(buf);
	assert_int_not_equal(gpt_backup_encode(&t, buf, size - 1, &len, &why),
			     GPT_OK);
	free(buf);
	unload(&md, &t);

	load_fixture(&md, &t, "blank");
	assert_int_equal(gpt_backup_size(&t), 0);
	buf = malloc(64);
	assert_int_not_equal(gpt_backup_encode(&t, buf, 64, &len, &why),
			     GPT_OK);
	free(buf);
	unload(&md, &t);
}

static void decode_sgdisk(void **state)
{
	struct gpt_reason why = { 0 };
	struct gpt_backup b;
	size_t len;
	uint8_t *buf = fixture_slurp("ws2019-4k.sgdisk", &len);

	(void)state;
	assert_status(gpt_backup_decode(buf, len, &b, &why), GPT_OK);
	assert_ptr_equal(b.mbr, buf);
	assert_ptr_equal(b.main_header, buf + 512);
	assert_ptr_equal(b.backup_header, buf + 1024);
	assert_ptr_equal(b.array, buf + 1536);
	assert_int_equal(b.array_bytes, 16384);
	free(buf);
}

/* Re-seal a header slot's CRC after an edit (independently of the core). */
static void reseal(uint8_t *h)
{
	memset(h + 16, 0, 4);
	put_le32(h + 16, ref_crc32(h, le32(h + 12)));
}

#define WHOLE SIZE_MAX

/* Garble a copy of the ws2019 file with edit() and hand decode its first
 * cut bytes (WHOLE: all): it must refuse them. */
static void expect_rejected(const char *what, size_t cut,
			    void (*edit)(uint8_t *buf))
{
	struct gpt_reason why = { 0 };
	struct gpt_backup b;
	size_t len;
	uint8_t *buf = fixture_slurp("ws2019.sgdisk", &len);
	enum gpt_status st;

	if (edit)
		edit(buf);
	st = gpt_backup_decode(buf, cut == WHOLE ? len : cut, &b, &why);
	printf("# %s: %s: %s\n", what, gpt_status_name(st), why.text);
	if (st == GPT_OK)
		fail_msg("%s: decoded", what);
	assert_true(why.text[0] != 0);
	free(buf);
}

static void flip_main_sig(uint8_t *b) { b[512] ^= 0x20; }
static void flip_main_byte(uint8_t *b) { b[512 + 40] ^= 1; }
static void flip_backup_byte(uint8_t *b) { b[1024 + 40] ^= 1; }
static void flip_array_byte(uint8_t *b) { b[1536 + 60] ^= 1; }
static void flip_mbr_sig(uint8_t *b) { b[510] = 0; }
static void other_guid(uint8_t *b)
{
	b[1024 + 56] ^= 1;
	reseal(b + 1024);
}
static void bigger_array(uint8_t *b)
{
	put_le32(b + 512 + 80, 129);
	reseal(b + 512);
}

static void decode_rejects(void **state)
{
	(void)state;
	expect_rejected("empty", 0, NULL);
	expect_rejected("511 bytes", 511, NULL);
	expect_rejected("MBR and main header only", 1024, NULL);
	expect_rejected("no array", 1536, NULL);
	expect_rejected("array cut short", 1536 + 16383, NULL);
	expect_rejected("main header signature", WHOLE, flip_main_sig);
	expect_rejected("main header byte", WHOLE, flip_main_byte);
	expect_rejected("backup header byte", WHOLE, flip_backup_byte);
	expect_rejected("array byte", WHOLE, flip_array_byte);
	expect_rejected("MBR signature", WHOLE, flip_mbr_sig);
	expect_rejected("headers disagree on the disk GUID", WHOLE, other_guid);
	expect_rejected("main header counts 129 entries", WHOLE, bigger_array);
}

/* One bad copy (what --repair will fix): sgdisk regenerates the bad
 * header from the good copy, so its file is that of the intact disk; the
 * file saved before a --repair commit must decode, or --restore could not
 * undo the repair. Likewise for a grown disk. */
static void damaged_like_sgdisk(void **state)
{
	const char *names[] = { "hdr-crc", "arr-crc", "hdr-signature",
				"hdr-backup-crc", "hdr-backup-missing",
				"grown" };
	struct gpt_reason why = { 0 };
	struct gpt_backup b;
	struct memdisk md;
	struct gpt_table t;
	bool bad = false;

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		size_t size, len = 0;
		uint8_t *buf;
		enum gpt_status st;

		load_fixture(&md, &t, names[i]);
		size = gpt_backup_size(&t);
		buf = malloc(size);
		assert_non_null(buf);
		assert_status(gpt_backup_encode(&t, buf, size, &len, &why),
			      GPT_OK);
		st = gpt_backup_decode(buf, len, &b, &why);
		printf("# %s: decode: %s%s%s\n", names[i],
		       gpt_status_name(st), st ? ": " : "", st ? why.text : "");
		bad |= st != GPT_OK;
		free(buf);
		unload(&md, &t);
	}
	if (bad)
		fail_msg("gpt_backup_decode refuses what gpt_backup_encode "
			 "wrote for a disk with one bad copy (see above)");
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		encode_matches(names[i]);
}

/* gpt_backup_verify, run on every backup before it is saved: sgdisk's own
 * file of a disk verifies against it; a file that does not decode, or
 * decodes to another table (an entry, the disk GUID, the MBR, another
 * disk's table), is refused as a failed backup (GPT_E_IO: exit 5). */
static void reseal_array(uint8_t *b, size_t len)
{
	uint32_t crc = ref_crc32(b + 1536, len - 1536);

	put_le32(b + 512 + 88, crc);
	put_le32(b + 1024 + 88, crc);
	reseal(b + 512);
	reseal(b + 1024);
}

static void verify_case(const char *what, const char *fixture,
			const char *file, void (*edit)(uint8_t *, size_t),
			enum gpt_status want, const char *keywords)
{
	struct gpt_reason why = { 0 };
	struct memdisk md;
	struct gpt_table t;
	size_t len;
	uint8_t *buf = fixture_slurp(file, &len);
	enum gpt_status st;

	if (edit)
		edit(buf, len);
	load_fixture(&md, &t, fixture);
	st = gpt_backup_verify(&t, buf, len, &why);
	printf("# %s: %s: %s\n", what, gpt_status_name(st), why.text);
	assert_status(st, want);
	if (keywords)
		assert_reason(why.text, keywords);
	assert_int_equal(md.done[MD_WRITE], 0);
	free(buf);
	unload(&md, &t);
}

static void v_array_byte(uint8_t *b, size_t len) { (void)len; b[1536 + 60] ^= 1; }
static void v_entry_name(uint8_t *b, size_t len)
{
	b[1536 + 56] ^= 1; /* entry 1's name, CRCs made right again */
	reseal_array(b, len);
}
static void v_disk_guid(uint8_t *b, size_t len)
{
	(void)len;
	b[512 + 56] ^= 1;
	b[1024 + 56] ^= 1;
	reseal(b + 512);
	reseal(b + 1024);
}
static void v_mbr(uint8_t *b, size_t len) { (void)len; b[440] ^= 1; }

static void verify_backup(void **state)
{
	(void)state;
	verify_case("sgdisk's ws2019 file", "ws2019", "ws2019.sgdisk", NULL,
		    GPT_OK, NULL);
	verify_case("sgdisk's ws2022 file", "ws2022", "ws2022.sgdisk", NULL,
		    GPT_OK, NULL);
	verify_case("sgdisk's 4Kn file", "ws2019-4k", "ws2019-4k.sgdisk", NULL,
		    GPT_OK, NULL);
	verify_case("undecodable", "ws2019", "ws2019.sgdisk", v_array_byte,
		    GPT_E_IO, "decode|CRC");
	verify_case("another entry", "ws2019", "ws2019.sgdisk", v_entry_name,
		    GPT_E_IO, "entry 1");
	verify_case("another disk GUID", "ws2019", "ws2019.sgdisk", v_disk_guid,
		    GPT_E_IO, "disk");
	verify_case("another MBR", "ws2019", "ws2019.sgdisk", v_mbr, GPT_E_IO,
		    "MBR");
	verify_case("the table before a removal", "ws2019-removed",
		    "ws2019.sgdisk", NULL, GPT_E_IO, "entry 1");
}

int main(void)
{
	struct CMUnitTest tests[] = {
		cmocka_unit_test(sgdisk_512),
		cmocka_unit_test(sgdisk_1k),
		cmocka_unit_test(sgdisk_2k),
		cmocka_unit_test(sgdisk_4k),
		cmocka_unit_test(encode_cap),
		cmocka_unit_test(decode_sgdisk),
		cmocka_unit_test(decode_rejects),
		cmocka_unit_test(damaged_like_sgdisk),
		cmocka_unit_test(verify_backup),
	};

	return unit_run("gpt-backup", tests, sizeof(tests) / sizeof(tests[0]));
}
