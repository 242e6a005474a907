// SPDX-License-Identifier: MIT
/* GUIDs: registry-form parsing (mixed-endian bytes as stored on disk),
 * formatting, round trips, the known type names, and malformed input. */
#include "unit.h"

static const char WINRE[] = "DE94BBA4-06D1-4D40-A16A-BFD50179D6AC";
/* WINRE as stored: first three fields little-endian. */
static const uint8_t WINRE_BYTES[16] = {
	0xA4, 0xBB, 0x94, 0xDE, 0xD1, 0x06, 0x40, 0x4D,
	0xA1, 0x6A, 0xBF, 0xD5, 0x01, 0x79, 0xD6, 0xAC,
};

static void parse_byte_order(void **state)
{
	struct gpt_guid g;

	(void)state;
	assert_true(guid_parse(WINRE, &g));
	assert_memory_equal(g.b, WINRE_BYTES, 16);
	assert_memory_equal(GPT_TYPE_WINDOWS_RE.b, WINRE_BYTES, 16);
	assert_true(guid_equal(&g, &GPT_TYPE_WINDOWS_RE));
	assert_true(guid_parse("C12A7328-F81F-11D2-BA4B-00A0C93EC93B", &g));
	assert_true(guid_equal(&g, &GPT_TYPE_EFI_SYSTEM));
}

static void parse_case_and_braces(void **state)
{
	struct gpt_guid g;

	(void)state;
	assert_true(guid_parse("de94bba4-06d1-4d40-a16a-bfd50179d6ac", &g));
	assert_true(guid_equal(&g, &GPT_TYPE_WINDOWS_RE));
	assert_true(guid_parse("De94bBa4-06D1-4d40-A16a-bfD50179d6Ac", &g));
	assert_true(guid_equal(&g, &GPT_TYPE_WINDOWS_RE));
	assert_true(guid_parse("{DE94BBA4-06D1-4D40-A16A-BFD50179D6AC}", &g));
	assert_true(guid_equal(&g, &GPT_TYPE_WINDOWS_RE));
}

static void format_upper(void **state)
{
	struct gpt_guid g;
	char out[GUID_STRING_LEN + 1];

	(void)state;
	memset(out, 'Z', sizeof(out));
	guid_format(&GPT_TYPE_WINDOWS_RE, out);
	assert_string_equal(out, WINRE);
	memset(&g, 0, sizeof(g));
	guid_format(&g, out);
	assert_string_equal(out, "00000000-0000-0000-0000-000000000000");
}

/* Every byte value survives format -> parse. */
static void round_trip(void **state)
{
	struct gpt_guid g, back;
	char out[GUID_STRING_LEN + 1];

	(void)state;
	for (int seed = 0; seed < 256; seed++) {
		for (int i = 0; i < 16; i++)
			g.b[i] = (uint8_t)(seed * 31 + i * 17 + (seed >> 3));
		guid_format(&g, out);
		assert_int_equal(strlen(out), GUID_STRING_LEN);
		assert_true(guid_parse(out, &back));
		assert_memory_equal(g.b, back.b, 16);
	}
}

static void rejects_malformed(void **state)
{
	static const char *const bad[] = {
		"",
		"DE94BBA4-06D1-4D40-A16A-BFD50179D6A",   /* 35 characters */
		"DE94BBA4-06D1-4D40-A16A-BFD50179D6ACA", /* 37 */
		"DE94BBA4-06D1-4D40-A16A-BFD50179D6AC ", /* trailing space */
		" DE94BBA4-06D1-4D40-A16A-BFD50179D6AC",
		"DE94BBA4006D1-4D40-A16A-BFD50179D6AC",  /* dash missing */
		"DE94BBA-406D1-4D40-A16A-BFD50179D6AC",  /* dash moved */
		"DE94BBA4-06D1-4D40-A16A-BFD50179D6AG",  /* not hex */
		"DE94BBA4-06D1-4D40-A16A-BFD5017 9D6A",
		"DE94BBA4:06D1:4D40:A16A:BFD50179D6AC",
		"DE94BBA406D14D40A16ABFD50179D6AC",      /* no dashes */
		"{DE94BBA4-06D1-4D40-A16A-BFD50179D6AC",  /* brace unmatched */
		"DE94BBA4-06D1-4D40-A16A-BFD50179D6AC}",
		"{{DE94BBA4-06D1-4D40-A16A-BFD50179D6AC}}",
		"0xDE94BBA4-06D1-4D40-A16A-BFD50179D6",
		"-DE94BBA4-06D1-4D40-A16A-BFD50179D6A",
	};
	struct gpt_guid g;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (guid_parse(bad[i], &g))
			fail_msg("accepted \"%s\"", bad[i]);
}

static void zero_and_equal(void **state)
{
	struct gpt_guid z, g;

	(void)state;
	memset(&z, 0, sizeof(z));
	assert_true(guid_is_zero(&z));
	assert_false(guid_is_zero(&GPT_TYPE_WINDOWS_RE));
	g = z;
	g.b[15] = 1;
	assert_false(guid_is_zero(&g));
	assert_false(guid_equal(&g, &z));
	assert_false(guid_equal(&GPT_TYPE_WINDOWS_RE, &GPT_TYPE_EFI_SYSTEM));
}

static void type_names(void **state)
{
	struct gpt_guid g;
	const char *n;

	(void)state;
	n = gpt_type_name(&GPT_TYPE_WINDOWS_RE);
	assert_non_null(n);
	assert_reason(n, "Windows RE|recovery");
	n = gpt_type_name(&GPT_TYPE_EFI_SYSTEM);
	assert_non_null(n);
	assert_reason(n, "EFI|ESP");
	assert_true(guid_parse("E3C9E316-0B5C-4DB8-817D-F92DF00215AE", &g));
	assert_non_null(gpt_type_name(&g)); /* Microsoft reserved */
	assert_true(guid_parse("01234567-89AB-CDEF-0123-456789ABCDEF", &g));
	assert_null(gpt_type_name(&g));
}

int main(void)
{
	struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_byte_order),
		cmocka_unit_test(parse_case_and_braces),
		cmocka_unit_test(format_upper),
		cmocka_unit_test(round_trip),
		cmocka_unit_test(rejects_malformed),
		cmocka_unit_test(zero_and_equal),
		cmocka_unit_test(type_names),
	};

	return unit_run("guid", tests, sizeof(tests) / sizeof(tests[0]));
}
