// SPDX-License-Identifier: MIT
/* The one UTF-16/UTF-8 converter (utf.h) behind GPT names in the report,
 * gptrim.cfg and firmware strings: surrogate pairs, unpaired surrogates,
 * controls, RFC 3629's malformed forms, capacity and termination. */
#include "unit.h"

#include "utf.h"

/* UTF-16LE bytes of the units given. */
#define LE16(...) le16_bytes((const uint16_t[]){ __VA_ARGS__ },              \
			     sizeof((const uint16_t[]){ __VA_ARGS__ }) / 2)

static const uint8_t *le16_bytes(const uint16_t *u, size_t n)
{
	static uint8_t b[128];

	assert_true(2 * n <= sizeof(b));
	for (size_t i = 0; i < n; i++)
		put_le16(b + 2 * i, u[i]);
	return b;
}

static void decode_pairs(void **state)
{
	uint32_t cp;

	(void)state;
	assert_int_equal(utf16_decode(0x41, 0x42, &cp), 1);
	assert_int_equal(cp, 0x41);
	assert_int_equal(utf16_decode(0xD83D, 0xDE00, &cp), 2);
	assert_int_equal(cp, 0x1F600);
	assert_int_equal(utf16_decode(0xDBFF, 0xDFFF, &cp), 2);
	assert_int_equal(cp, 0x10FFFF);
	/* Unpaired: returned as they are, for the caller to judge. */
	assert_int_equal(utf16_decode(0xD83D, 0x41, &cp), 1);
	assert_int_equal(cp, 0xD83D);
	assert_int_equal(utf16_decode(0xDE00, 0xDE00, &cp), 1);
	assert_true(utf_is_surrogate(cp));
	assert_false(utf_is_surrogate(0xE000));
}

static void encode_and_decode(void **state)
{
	static const uint32_t cps[] = { 0, 0x7F, 0x80, 0x7FF, 0x800, 0xFFFF,
					0x10000, 0x10FFFF };
	static const size_t lens[] = { 1, 1, 2, 2, 3, 3, 4, 4 };

	(void)state;
	for (size_t i = 0; i < sizeof(cps) / sizeof(cps[0]); i++) {
		uint8_t b[UTF8_SEQ_MAX];
		uint32_t back = 0xFFFFFFFF;

		assert_int_equal(utf8_encode(cps[i], b), lens[i]);
		assert_int_equal(utf8_decode(b, lens[i], &back), lens[i]);
		assert_int_equal(back, cps[i]);
		if (lens[i] > 1) /* cut short */
			assert_int_equal(utf8_decode(b, lens[i] - 1, &back), 0);
	}
}

/* RFC 3629 §3 and Unicode §3.9 table 3-7: what is not well-formed. */
static void decode_malformed(void **state)
{
	static const char *const bad[] = {
		"\x80",             /* a continuation byte first */
		"\xC0\x80",         /* overlong NUL */
		"\xC1\xBF",         /* overlong */
		"\xE0\x9F\xBF",     /* overlong 3-byte */
		"\xED\xA0\x80",     /* surrogate U+D800 */
		"\xF0\x8F\xBF\xBF", /* overlong 4-byte */
		"\xF4\x90\x80\x80", /* above U+10FFFF */
		"\xF5\x80\x80\x80", /* no such lead byte */
		"\xE2\x82",         /* cut short by the NUL */
		"\xE2\x41\x41",     /* a non-continuation byte */
	};
	uint32_t cp;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(utf8_decode((const uint8_t *)bad[i],
					     UTF8_SEQ_MAX, &cp), 0);
	assert_int_equal(utf8_decode((const uint8_t *)"\xE2\x82\xAC", 3, &cp),
			 3);
	assert_int_equal(cp, 0x20AC);
}

static void utf16_to_utf8_text(void **state)
{
	char out[64];

	(void)state;
	/* "Aé€😀" and the zero unit that ends it. */
	assert_int_equal(utf16le_to_utf8(LE16(0x41, 0xE9, 0x20AC, 0xD83D,
					      0xDE00, 0, 0x42),
					 7, out, sizeof(out), 0),
			 10);
	assert_string_equal(out, "A\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");
	/* A unit count ends it too, and an unpaired surrogate is '?', a
	 * high one at the very end included. */
	utf16le_to_utf8(LE16(0xDC00, 0x41, 0xD800, 0x42, 0xD83D, 0xDE00),
			5, out, sizeof(out), 0);
	assert_string_equal(out, "?A?B?");
	/* Controls stay unless a report line is being made. */
	utf16le_to_utf8(LE16(0x41, 0x09, 0x7F, 0x42, 0), 5, out,
			sizeof(out), 0);
	assert_string_equal(out, "A\t\x7F" "B");
	utf16le_to_utf8(LE16(0x41, 0x09, 0x7F, 0x42, 0), 5, out,
			sizeof(out), UTF16_CONTROLS_AS_QMARK);
	assert_string_equal(out, "A??B");
	assert_int_equal(utf16le_to_utf8(NULL, 0, out, sizeof(out), 0), 0);
	assert_string_equal(out, "");
}

/* A character that does not fit whole ends the text; the NUL stays. */
static void utf16_to_utf8_capacity(void **state)
{
	char out[8];

	(void)state;
	memset(out, 'Z', sizeof(out));
	assert_int_equal(utf16le_to_utf8(LE16(0x41, 0x20AC, 0x42, 0), 99,
					 out, 4, 0), 1);
	assert_string_equal(out, "A");
	assert_int_equal(utf16le_to_utf8(LE16(0x41, 0x20AC, 0x42, 0), 99,
					 out, 5, 0), 4);
	assert_string_equal(out, "A\xE2\x82\xAC");
	out[0] = 'Z';
	assert_int_equal(utf16le_to_utf8(LE16(0x41, 0), 99, out, 0, 0), 0);
	assert_int_equal(out[0], 'Z');
}

static void utf8_to_utf16_text(void **state)
{
	uint8_t out[2 * 16];
	uint8_t want[2 * 16];

	(void)state;
	/* The BMP as it is; beyond it '?' (no console glyphs), and one '?'
	 * for a malformed sequence with its continuation bytes. */
	utf8_to_utf16le("A\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80"
			"\xE2\x82" "B\x80\x80" "C",
			out, 16);
	memcpy(want, LE16(0x41, 0xE9, 0x20AC, '?', '?', 0x42, '?', 0x43, 0),
	       2 * 9);
	assert_memory_equal(out, want, 2 * 9);
	/* cap units, the zero included. */
	memset(out, 0xAA, sizeof(out));
	utf8_to_utf16le("ABCDEF", out, 4);
	memcpy(want, LE16(0x41, 0x42, 0x43, 0), 2 * 4);
	assert_memory_equal(out, want, 2 * 4);
	assert_int_equal(out[8], 0xAA);
	utf8_to_utf16le(NULL, out, 4);
	assert_int_equal(le16(out), 0);
}

/* What the report shows of a GPT name: every unit of a full 36-unit name,
 * no terminator needed. */
static void full_gpt_name(void **state)
{
	char out[GPT_NAME_UNITS * 3 + 1];
	uint8_t b[2 * GPT_NAME_UNITS];

	(void)state;
	for (size_t i = 0; i < GPT_NAME_UNITS; i++)
		put_le16(b + 2 * i, 0x20AC);
	assert_int_equal(utf16le_to_utf8(b, GPT_NAME_UNITS, out, sizeof(out),
					 UTF16_CONTROLS_AS_QMARK),
			 3 * GPT_NAME_UNITS);
}

int main(void)
{
	struct CMUnitTest tests[] = {
		cmocka_unit_test(decode_pairs),
		cmocka_unit_test(encode_and_decode),
		cmocka_unit_test(decode_malformed),
		cmocka_unit_test(utf16_to_utf8_text),
		cmocka_unit_test(utf16_to_utf8_capacity),
		cmocka_unit_test(utf8_to_utf16_text),
		cmocka_unit_test(full_gpt_name),
	};

	return unit_run("utf", tests, sizeof(tests) / sizeof(tests[0]));
}
