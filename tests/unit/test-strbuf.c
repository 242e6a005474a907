// SPDX-License-Identifier: MIT
/* The freestanding printf (strbuf.h) and the reason text built on it: every
 * documented format, printf's padding rules, truncation at the capacity
 * with the NUL kept, and the memory/string helpers. */
#include "unit.h"

#include <limits.h>

#include "strbuf.h"

/* Format into a buffer of cap bytes and compare with want. */
#define expect_fmt(cap, want, ...)                                         \
	do {                                                               \
		char buf_[cap];                                            \
		struct strbuf sb_;                                         \
		memset(buf_, 'Z', sizeof(buf_));                           \
		sb_init(&sb_, buf_, sizeof(buf_));                         \
		sb_printf(&sb_, __VA_ARGS__);                              \
		assert_string_equal(buf_, want);                           \
		assert_int_equal(sb_.len, strlen(want));                   \
	} while (0)

static void integers(void **state)
{
	(void)state;
	expect_fmt(64, "0 42 -42", "%d %d %d", 0, 42, -42);
	expect_fmt(64, "4294967295", "%u", UINT_MAX);
	expect_fmt(64, "-2147483648", "%d", INT_MIN);
	expect_fmt(64, "18446744073709551615", "%llu",
		   (unsigned long long)UINT64_MAX);
	expect_fmt(64, "-9223372036854775808", "%lld", (long long)INT64_MIN);
	expect_fmt(64, "123456789012", "%ld", 123456789012L);
	expect_fmt(64, "17920", "%zu", (size_t)17920);
	expect_fmt(64, "deadbeef DEADBEEF", "%x %X", 0xDEADBEEFu, 0xDEADBEEFu);
	expect_fmt(64, "fffffffffffffffe", "%llx", 0xFFFFFFFFFFFFFFFEull);
}

static void width_and_zero(void **state)
{
	(void)state;
	expect_fmt(64, "0x0000abcd", "0x%08x", 0xABCDu);
	expect_fmt(64, "[   42]", "[%5u]", 42u);
	expect_fmt(64, "[00042]", "[%05d]", 42);
	expect_fmt(64, "[123456]", "[%3d]", 123456);
	expect_fmt(64, "[   ab]", "[%5s]", "ab");
	expect_fmt(64, "[ab   ]", "[%-5s]", "ab");
	expect_fmt(64, "[abcdef]", "[%3s]", "abcdef");
	expect_fmt(64, "[abcdef]", "[%-3s]", "abcdef");
	expect_fmt(64, "[0x00010000]", "[0x%08X]", 0x10000u);
}

/* printf puts the sign before zero padding and inside space padding. */
static void width_negative(void **state)
{
	(void)state;
	expect_fmt(64, "[  -42]", "[%5d]", -42);
	expect_fmt(64, "[-0042]", "[%05d]", -42);
}

static void strings_and_chars(void **state)
{
	(void)state;
	expect_fmt(64, "EFI PART", "%s", "EFI PART");
	expect_fmt(64, "a-b", "%c-%c", 'a', 'b');
	expect_fmt(64, "100%", "%u%%", 100u);
	expect_fmt(64, "", "%s", "");
	expect_fmt(64, "no conversions", "no conversions");
}

/* A conversion C has but the subset lacks stops the formatting: the rest
 * of the format is shown as it is and no argument is taken for it. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat"
#pragma GCC diagnostic ignored "-Wformat-extra-args"
static void unknown_conversion(void **state)
{
	(void)state;
	expect_fmt(64, "1 %p %s.", "%u %p %s.", 1u, (void *)0, "x");
	expect_fmt(64, "%i", "%i", 5);
	expect_fmt(64, "a%", "a%");
}
#pragma GCC diagnostic pop

/* guid_str: a GUID for a %s, two in one call each with its own text. */
static void guid_strings(void **state)
{
	struct gpt_guid g;

	(void)state;
	assert_true(guid_parse("c12a7328-f81f-11d2-ba4b-00a0c93ec93b", &g));
	expect_fmt(64, "type DE94BBA4-06D1-4D40-A16A-BFD50179D6AC.",
		   "type %s.", guid_str(&GPT_TYPE_WINDOWS_RE).s);
	expect_fmt(96, "DE94BBA4-06D1-4D40-A16A-BFD50179D6AC vs "
		       "C12A7328-F81F-11D2-BA4B-00A0C93EC93B",
		   "%s vs %s", guid_str(&GPT_TYPE_WINDOWS_RE).s,
		   guid_str(&g).s);
	assert_int_equal(strlen(guid_str(&g).s), GUID_STRING_LEN);
}

/* size_str: binary units with one rounded decimal, for a %s. */
static void size_strings(void **state)
{
	(void)state;
	expect_fmt(64, "499.0 MiB", "%s", size_str((uint64_t)499 << 20).s);
	expect_fmt(64, "99.0 MiB", "%s", size_str((uint64_t)99 << 20).s);
	expect_fmt(64, "16.0 MiB", "%s", size_str((uint64_t)16 << 20).s);
	expect_fmt(64, "1.0 GiB", "%s", size_str((uint64_t)1 << 30).s);
	expect_fmt(64, "1.5 KiB", "%s", size_str(1536).s);
	expect_fmt(64, "409.0 MiB", "%s",
		   size_str((uint64_t)837599 * 512).s); /* sgdisk: C: */
	expect_fmt(64, "0 bytes 1023 bytes", "%s %s", size_str(0).s,
		   size_str(1023).s);
	/* The longest texts fit the struct: a rounding up to 1024 of a
	 * unit, and the largest uint64_t. */
	assert_string_equal(size_str(((uint64_t)1 << 60) - 1).s, "1024.0 PiB");
	assert_string_equal(size_str(UINT64_MAX).s, "16.0 EiB");
}

/* quote_str: an argument as a message quotes it, at most QUOTE_STR_MAX
 * bytes, cut at the start of a UTF-8 character, "..." after a cut. */
static void quoted_arguments(void **state)
{
	char s[2 * QUOTE_STR_MAX + 1], want[QUOTE_STR_MAX + 4];

	(void)state;
	assert_string_equal(quote_str("").s, "");
	assert_string_equal(quote_str("--bogus").s, "--bogus");
	memset(s, 'a', sizeof(s));
	s[QUOTE_STR_MAX] = '\0';
	assert_string_equal(quote_str(s).s, s); /* exactly the limit */
	memcpy(want, s, QUOTE_STR_MAX);
	memcpy(want + QUOTE_STR_MAX, "...", 4);
	s[QUOTE_STR_MAX] = 'b';
	s[2 * QUOTE_STR_MAX] = '\0';
	assert_string_equal(quote_str(s).s, want); /* longer: cut */
	/* A 2-byte character across the limit is left out whole. */
	s[QUOTE_STR_MAX - 1] = (char)0xC3;
	s[QUOTE_STR_MAX] = (char)0xA9; /* U+00E9 */
	memcpy(want + QUOTE_STR_MAX - 1, "...", 4);
	assert_string_equal(quote_str(s).s, want);
	/* Continuation bytes only (not UTF-8): at most 3 are given back. */
	memset(s, 0x80, 2 * QUOTE_STR_MAX);
	assert_int_equal(strlen(quote_str(s).s), QUOTE_STR_MAX - 3 + 3);
}

/* Output stops at cap - 1 characters and stays NUL-terminated. */
static void truncation(void **state)
{
	char buf[8];
	struct strbuf sb;

	(void)state;
	expect_fmt(8, "abcdefg", "%s", "abcdefghijklmnop");
	expect_fmt(8, "1234567", "%u", 123456789u);
	expect_fmt(8, "x 00001", "x %08x", 0x1234u);
	expect_fmt(8, "DE94BBA", "%s", guid_str(&GPT_TYPE_WINDOWS_RE).s);
	expect_fmt(1, "", "%s", "abc");
	/* Literal text is copied a run at a time: cut inside a run, after
	 * a conversion, and with the buffer already full. */
	expect_fmt(6, "hello", "hello world");
	expect_fmt(8, "abc 123", "abc %u tail", 1234567u);
	expect_fmt(4, "abc", "%s def", "abc");
	expect_fmt(1, "", "abc");

	sb_init(&sb, buf, sizeof(buf));
	sb_puts(&sb, "abcd");
	sb_puts(&sb, "efgh");
	sb_putc(&sb, 'i');
	assert_string_equal(buf, "abcdefg");
	assert_int_equal(sb.len, 7);
}

/* sb_putc's room test has no sum that can wrap: a builder of capacity 0,
 * or one whose length says SIZE_MAX (len + 1 would be 0), takes nothing
 * and writes nothing. */
static void putc_no_wrap(void **state)
{
	char buf[4] = "abc";
	struct strbuf sb = { buf, 0, 0 };

	(void)state;
	sb_putc(&sb, 'x');
	assert_int_equal(sb.len, 0);
	sb.cap = sizeof(buf);
	sb.len = SIZE_MAX;
	sb_putc(&sb, 'x');
	assert_true(sb.len == SIZE_MAX);
	assert_memory_equal(buf, "abc", 4);
}

static void pad_to(void **state)
{
	char buf[32];
	struct strbuf sb;

	(void)state;
	sb_init(&sb, buf, sizeof(buf));
	sb_puts(&sb, "ab");
	sb_pad_to(&sb, 6);
	sb_putc(&sb, '|');
	sb_pad_to(&sb, 3); /* already past: no-op */
	sb_putc(&sb, '|');
	assert_string_equal(buf, "ab    ||");
	sb_pad_to(&sb, 100); /* stops at the capacity */
	assert_int_equal(strlen(buf), sizeof(buf) - 1);
}

static void helpers(void **state)
{
	uint8_t a[16], b[16];

	(void)state;
	memset(a, 0x55, sizeof(a));
	mem_zero(a, 8);
	assert_true(mem_is_zero(a, 8));
	assert_false(mem_is_zero(a, 9));
	mem_set(a + 1, 0x1AB, 3);	/* only the low byte, as memset */
	assert_int_equal(a[0], 0);
	assert_int_equal(a[1], 0xAB);
	assert_int_equal(a[3], 0xAB);
	assert_int_equal(a[4], 0);
	mem_zero(a + 1, 3);
	mem_copy(b, a, sizeof(a));
	assert_int_equal(mem_compare(a, b, sizeof(a)), 0);
	b[15] = 0x56;
	assert_true(mem_compare(a, b, sizeof(a)) < 0);
	assert_true(mem_compare(b, a, sizeof(a)) > 0);
	assert_int_equal(str_len(""), 0);
	assert_int_equal(str_len("gptrim"), 6);
	assert_true(str_equal("--apply", "--apply"));
	assert_false(str_equal("--apply", "--applyx"));
	assert_true(str_starts_with("--type=x", "--type"));
	assert_false(str_starts_with("--ty", "--type"));
}

static void reasons(void **state)
{
	struct gpt_reason r;
	char want[GPT_REASON_MAX];

	(void)state;
	assert_int_equal(gpt_fail(&r, GPT_E_DAMAGED, "header CRC 0x%08x", 0x1234u),
			 GPT_E_DAMAGED);
	assert_int_equal(r.status, GPT_E_DAMAGED);
	assert_string_equal(r.text, "header CRC 0x00001234");
	assert_int_equal(gpt_fail(NULL, GPT_E_IO, "x"), GPT_E_IO);
	memset(want, 'y', sizeof(want) - 1);
	want[sizeof(want) - 1] = 0;
	gpt_fail(&r, GPT_E_ARG, "%s%s", want, "tail");
	assert_string_equal(r.text, want);
	gpt_reason_clear(&r);
	assert_int_equal(r.status, GPT_OK);
	assert_string_equal(r.text, "");
	for (int s = GPT_OK; s <= GPT_E_UNSUPPORTED; s++) {
		assert_non_null(gpt_status_name(s));
		for (int k = GPT_OK; k < s; k++)
			assert_string_not_equal(gpt_status_name(s),
						gpt_status_name(k));
	}
}

int main(void)
{
	struct CMUnitTest tests[] = {
		cmocka_unit_test(integers),
		cmocka_unit_test(width_and_zero),
		cmocka_unit_test(width_negative),
		cmocka_unit_test(strings_and_chars),
		cmocka_unit_test(unknown_conversion),
		cmocka_unit_test(guid_strings),
		cmocka_unit_test(size_strings),
		cmocka_unit_test(quoted_arguments),
		cmocka_unit_test(truncation),
		cmocka_unit_test(putc_no_wrap),
		cmocka_unit_test(pad_to),
		cmocka_unit_test(helpers),
		cmocka_unit_test(reasons),
	};

	return unit_run("strbuf", tests, sizeof(tests) / sizeof(tests[0]));
}
