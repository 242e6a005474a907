// SPDX-License-Identifier: MIT
/* gptrim.cfg (core/config.c): UTF-8 and UTF-16 with a BOM to UTF-8,
 * splitting into arguments (comments, quotes), and a file through to
 * options_parse. */
#include "unit.h"

#include "options.h"

/* Convert in (len bytes) and expect UTF-8 text want. */
static void expect_utf8(const void *in, size_t len, const char *want)
{
	char out[256];
	size_t n = 0;
	struct gpt_reason why = { 0 };

	if (config_to_utf8(in, len, out, sizeof(out), &n, &why) != GPT_OK)
		fail_msg("refused: %s", why.text);
	assert_int_equal(n, strlen(want));
	assert_string_equal(out, want);
}

static void expect_utf8_bad(const void *in, size_t len, size_t cap)
{
	char out[256];
	size_t n = 0;
	struct gpt_reason why = { 0 };

	assert_true(cap <= sizeof(out));
	assert_status(config_to_utf8(in, len, out, cap, &n, &why), GPT_E_ARG);
	printf("# %s\n", why.text);
	assert_true(why.text[0] != 0);
}

static void config_encodings(void **state)
{
	static const uint8_t u8bom[] = "\xEF\xBB\xBF--apply\n";
	static const uint8_t le[] = { 0xFF, 0xFE, '-', 0, '-', 0, 'a', 0,
				      0xE9, 0, '\r', 0, '\n', 0 };
	static const uint8_t be[] = { 0xFE, 0xFF, 0, '-', 0, '-', 0, 'b',
				      0x20, 0xAC };
	static const uint8_t pair[] = { 0xFF, 0xFE, 0x3D, 0xD8, 0x00, 0xDE };

	(void)state;
	expect_utf8("--apply --disk 1\n", 17, "--apply --disk 1\n");
	expect_utf8(u8bom, sizeof(u8bom) - 1, "--apply\n");
	expect_utf8(le, sizeof(le), "--a\xC3\xA9\r\n");
	expect_utf8(be, sizeof(be), "--b\xE2\x82\xAC");
	expect_utf8(pair, sizeof(pair), "\xF0\x9F\x98\x80");
	expect_utf8("", 0, "");
}

static void config_encodings_bad(void **state)
{
	static const uint8_t nobom16[] = { '-', 0, '-', 0, 'a', 0 };
	static const uint8_t odd[] = { 0xFF, 0xFE, '-', 0, '-' };
	static const uint8_t lone[] = { 0xFF, 0xFE, 0x3D, 0xD8, 'a', 0 };
	static const uint8_t bad8[] = { '-', '-', 0xC3, 0x28 };
	static const char longtext[] = "--apply --repair --no-backup";

	(void)state;
	expect_utf8_bad(nobom16, sizeof(nobom16), 256);
	expect_utf8_bad(odd, sizeof(odd), 256);
	expect_utf8_bad(lone, sizeof(lone), 256);
	expect_utf8_bad(bad8, sizeof(bad8), 256);
	expect_utf8_bad(longtext, sizeof(longtext) - 1, 8); /* no room */
}

static void expect_split(const char *text, const char *const *want, int n)
{
	char buf[512], *argv[16];
	int argc = -1;
	struct gpt_reason why = { 0 };

	snprintf(buf, sizeof(buf), "%s", text);
	if (config_split(buf, argv, 16, &argc, &why) != GPT_OK)
		fail_msg("refused: %s", why.text);
	assert_int_equal(argc, n);
	for (int i = 0; i < n; i++)
		assert_string_equal(argv[i], want[i]);
}

static void config_splitting(void **state)
{
	static const char *const w1[] = { "--apply", "--disk", "1", "--type",
					  "DE94BBA4-06D1-4D40-A16A-BFD50179D6AC" };
	static const char *const w2[] = { "--restore", "\\EFI\\my disk.gpt",
					  "--apply" };
	static const char *const w3[] = { "--then", "reboot" };

	(void)state;
	expect_split("--apply  --disk 1\n# --repair is not wanted\n"
		     "--type \"DE94BBA4-06D1-4D40-A16A-BFD50179D6AC\" # WinRE\n",
		     w1, 5);
	expect_split("--restore \"\\EFI\\my disk.gpt\" --apply", w2, 3);
	expect_split("\t--then\r\nreboot\r\n", w3, 2);
	expect_split("--then#comment\nreboot", w3, 2);
	expect_split("# only a comment\n\n   \n", NULL, 0);
	expect_split("", NULL, 0);
}

static void config_split_bad(void **state)
{
	char text[] = "--restore \"unterminated --apply\n";
	char many[] = "a b c d e";
	char *argv[4];
	int argc;
	struct gpt_reason why = { 0 };

	(void)state;
	assert_status(config_split(text, argv, 4, &argc, &why), GPT_E_ARG);
	assert_reason(why.text, "quote");
	assert_status(config_split(many, argv, 4, &argc, &why), GPT_E_ARG);
	assert_reason(why.text, "arguments");
}

/* Notepad's "Unicode" gptrim.cfg all the way to the options. */
static void config_to_options(void **state)
{
	static const char text[] = "# gptrim\r\n--apply --disk 2\r\n"
				   "--then shutdown\r\n";
	uint8_t in[2 + 2 * sizeof(text)];
	char out[256], *argv[OPT_MAX_ARGS];
	size_t n = 0, len = 2;
	int argc = 0;
	struct gptrim_options o;
	struct gpt_reason why = { 0 };

	(void)state;
	in[0] = 0xFF;
	in[1] = 0xFE;
	for (size_t i = 0; i + 1 < sizeof(text); i++) {
		in[len++] = (uint8_t)text[i];
		in[len++] = 0;
	}
	assert_status(config_to_utf8(in, len, out, sizeof(out), &n, &why),
		      GPT_OK);
	assert_status(config_split(out, argv, OPT_MAX_ARGS, &argc, &why),
		      GPT_OK);
	assert_int_equal(argc, 5);
	assert_status(options_parse(argc, argv, OPT_FRONTEND_EFI, &o, &why),
		      GPT_OK);
	assert_true(o.apply);
	assert_int_equal(o.ndisks, 1);
	assert_int_equal(o.disks[0], 2);
	assert_int_equal(o.then, THEN_SHUTDOWN);
}

int main(void)
{
	struct CMUnitTest tests[] = {
		cmocka_unit_test(config_encodings),
		cmocka_unit_test(config_encodings_bad),
		cmocka_unit_test(config_splitting),
		cmocka_unit_test(config_split_bad),
		cmocka_unit_test(config_to_options),
	};

	return unit_run("config", tests, sizeof(tests) / sizeof(tests[0]));
}
