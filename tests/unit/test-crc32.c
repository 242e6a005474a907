// SPDX-License-Identifier: MIT
/* crc32_calc / crc32_update: known vectors, the empty input, chaining, and
 * the CRCs sgdisk wrote into a real header and array. */
#include "unit.h"

#include <stdlib.h>

static void check_vector(void **state)
{
	(void)state;
	assert_int_equal(crc32_calc("123456789", 9), 0xCBF43926u);
	assert_int_equal(crc32_calc("a", 1), 0xE8B7BE43u);
	assert_int_equal(crc32_calc("The quick brown fox jumps over the lazy dog",
				    43), 0x414FA339u);
}

static void empty_input(void **state)
{
	(void)state;
	assert_int_equal(crc32_calc("", 0), 0);
	assert_int_equal(crc32_update(0x12345678u, "", 0), 0x12345678u);
}

static void zeros_and_ones(void **state)
{
	uint8_t buf[4096];

	(void)state;
	memset(buf, 0, sizeof(buf));
	assert_int_equal(crc32_calc(buf, 32), 0x190A55ADu);
	assert_int_equal(crc32_calc(buf, sizeof(buf)), ref_crc32(buf, 4096));
	memset(buf, 0xFF, sizeof(buf));
	assert_int_equal(crc32_calc(buf, 32), 0xFF6CAB0Bu);
}

/* zlib convention: update(update(0, a), b) == calc(a b). */
static void update_chains(void **state)
{
	uint8_t buf[1000];
	uint32_t crc = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 7 + 3);
	for (size_t off = 0; off < sizeof(buf); off += 37) {
		size_t n = sizeof(buf) - off < 37 ? sizeof(buf) - off : 37;

		crc = crc32_update(crc, buf + off, n);
	}
	assert_int_equal(crc, crc32_calc(buf, sizeof(buf)));
	assert_int_equal(crc, ref_crc32(buf, sizeof(buf)));
}

/* The CRCs sgdisk stored in the ws2019 fixture, recomputed. */
static void sgdisk_header(void **state)
{
	uint8_t hdr[512], *array;
	uint32_t stored, size, bytes;

	(void)state;
	fixture_block_size("ws2019");
	fixture_pread("ws2019.img", 512, hdr, sizeof(hdr));
	assert_memory_equal(hdr, "EFI PART", 8);
	stored = le32(hdr + 16);
	size = le32(hdr + 12);
	assert_int_equal(size, 92);
	memset(hdr + 16, 0, 4);
	assert_int_equal(crc32_calc(hdr, size), stored);

	bytes = le32(hdr + 80) * le32(hdr + 84);
	assert_int_equal(bytes, 16384);
	array = malloc(bytes);
	assert_non_null(array);
	fixture_pread("ws2019.img", le64(hdr + 72) * 512, array, bytes);
	assert_int_equal(crc32_calc(array, bytes), le32(hdr + 88));
	free(array);
}

int main(void)
{
	struct CMUnitTest tests[] = {
		cmocka_unit_test(check_vector),
		cmocka_unit_test(empty_input),
		cmocka_unit_test(zeros_and_ones),
		cmocka_unit_test(update_chains),
		cmocka_unit_test(sgdisk_header),
	};

	return unit_run("crc32", tests, sizeof(tests) / sizeof(tests[0]));
}
