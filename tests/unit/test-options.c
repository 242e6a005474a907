// SPDX-License-Identifier: MIT
/* The command-line contract (options.h): good and bad command lines for
 * both front ends. gptrim.cfg reading is in test-config.c. */
#include "unit.h"

#include "options.h"
#include "strbuf.h"

#define MSR "E3C9E316-0B5C-4DB8-817D-F92DF00215AE"
#define SWAP "0657FD6D-A4AB-43C4-84E5-0933C84B4F4F"

#define ARGS(...) (char *[]){ __VA_ARGS__ }
#define NARGS(...) (int)(sizeof((char *[]){ __VA_ARGS__ }) / sizeof(char *))
/* Parse for front end fe, expecting success. */
#define parse_ok(fe, o, ...)                                               \
	do {                                                               \
		struct gpt_reason w_;                                      \
		if (options_parse(NARGS(__VA_ARGS__), ARGS(__VA_ARGS__),   \
				  fe, o, &w_) != GPT_OK)                   \
			fail_msg("refused: %s", w_.text);                  \
	} while (0)
/* Expect GPT_E_ARG with a reason naming one of keywords. */
#define parse_bad(fe, keywords, ...)                                       \
	do {                                                               \
		struct gptrim_options o_;                                  \
		struct gpt_reason w_ = { 0 };                              \
		enum gpt_status s_ = options_parse(NARGS(__VA_ARGS__),     \
						   ARGS(__VA_ARGS__), fe,  \
						   &o_, &w_);              \
		printf("# %s\n", w_.text);                                 \
		assert_status(s_, GPT_E_ARG);                              \
		assert_reason(w_.text, keywords);                          \
	} while (0)

#define EFI OPT_FRONTEND_EFI
#define HOST OPT_FRONTEND_HOST

static void defaults(void **state)
{
	struct gptrim_options o;
	struct gpt_reason why;
	size_t n = 0;
	const struct gpt_guid *t;

	(void)state;
	assert_status(options_parse(0, NULL, EFI, &o, &why), GPT_OK);
	assert_false(o.apply || o.repair || o.no_backup || o.any);
	assert_int_equal(o.ntypes, 0);
	assert_int_equal(o.ndisks, 0);
	assert_null(o.restore_file);
	assert_int_equal(o.then, THEN_EXIT);
	t = options_types(&o, &n);
	assert_int_equal(n, 1);
	assert_true(guid_equal(&t[0], &GPT_TYPE_WINDOWS_RE));
	assert_true(options_disk_selected(&o, 1));
	assert_true(options_disk_selected(&o, 64));
}

static void efi_full(void **state)
{
	struct gptrim_options o;
	struct gpt_guid msr;
	size_t n = 0;
	const struct gpt_guid *t;

	(void)state;
	parse_ok(EFI, &o, "--apply", "--repair", "--disk", "1", "--disk=3",
		 "--type", SWAP, "--type=de94bba4-06d1-4d40-a16a-bfd50179d6ac",
		 "--then", "reboot", "--no-backup", "--removable");
	assert_true(o.apply && o.repair && o.no_backup && o.removable && o.any);
	assert_int_equal(o.ndisks, 2);
	assert_int_equal(o.disks[0], 1);
	assert_int_equal(o.disks[1], 3);
	assert_true(options_disk_selected(&o, 3));
	assert_false(options_disk_selected(&o, 2));
	assert_int_equal(o.then, THEN_REBOOT);
	t = options_types(&o, &n);
	assert_int_equal(n, 2);
	assert_true(guid_parse(SWAP, &msr));
	assert_true(guid_equal(&t[0], &msr));
	assert_true(guid_equal(&t[1], &GPT_TYPE_WINDOWS_RE));
	parse_ok(EFI, &o, "--then=shutdown");
	assert_int_equal(o.then, THEN_SHUTDOWN);
	parse_ok(EFI, &o, "--restore", "\\EFI\\gptrim\\x.gpt", "--apply",
		 "--disk", "2");
	assert_string_equal(o.restore_file, "\\EFI\\gptrim\\x.gpt");
	parse_ok(EFI, &o, "--help");
	assert_true(o.help);
	parse_ok(EFI, &o, "--version");
	assert_true(o.version);
}

static void host_paths(void **state)
{
	struct gptrim_options o;

	(void)state;
	parse_ok(HOST, &o, "disk.img");
	assert_int_equal(o.npaths, 1);
	assert_string_equal(o.paths[0], "disk.img");
	assert_int_equal(o.sector_size, 0);
	parse_ok(HOST, &o, "--sector-size", "4096", "a-flat.vmdk", "/dev/sdb",
		 "--backup-dir", "/tmp/bk", "--disk", "2", "--apply");
	assert_int_equal(o.sector_size, 4096);
	assert_int_equal(o.npaths, 2);
	assert_string_equal(o.backup_dir, "/tmp/bk");
	assert_true(o.apply);
	parse_ok(HOST, &o, "--", "--odd-name.img");
	assert_int_equal(o.npaths, 1);
	assert_string_equal(o.paths[0], "--odd-name.img");
	parse_ok(HOST, &o, "--help"); /* no image needed */
	parse_ok(HOST, &o, "--restore", "d.gpt", "--apply", "d.img");
	assert_false(o.top_only);
	parse_ok(HOST, &o, "--apply", "--top-only", "top.qcow2");
	assert_true(o.top_only);
}

/* What Windows needs to start, and the ESP that holds the backups, are
 * never a --type, in any spelling, on either front end. */
static void protected_types(void **state)
{
	static char *const spellings[] = {
		"--type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B",
		"--type={c12a7328-f81f-11d2-ba4b-00a0c93ec93b}",
		"--type=" MSR,
		"--type=ebd0a0a2-b9e5-4433-87c0-68b6b72699c7",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(spellings) / sizeof(*spellings); i++) {
		parse_bad(EFI, "never removes", spellings[i]);
		parse_bad(HOST, "never removes", spellings[i], "a.img");
	}
	parse_bad(HOST, "EFI system", "--type",
		  "C12A7328-F81F-11D2-BA4B-00A0C93EC93B", "a.img");
	parse_bad(HOST, "Basic data", "--type",
		  "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7", "a.img");
}

/* -h is --help; the firmware-only options are accepted alike on the host
 * and named as ignored. */
static void help_and_firmware_options(void **state)
{
	struct gptrim_options o;

	(void)state;
	parse_ok(HOST, &o, "-h");
	assert_true(o.help);
	parse_ok(EFI, &o, "-h");
	assert_true(o.help);
	parse_ok(HOST, &o, "--removable", "a.img");
	assert_string_equal(o.ignored, "removable");
	parse_ok(HOST, &o, "--then", "shutdown", "a.img");
	assert_string_equal(o.ignored, "then");
	parse_ok(EFI, &o, "--then", "shutdown", "--removable");
	assert_null(o.ignored);
	parse_bad(HOST, "then", "--then", "sideways", "a.img");
}

static void bad_options(void **state)
{
	(void)state;
	parse_bad(EFI, "--bogus", "--bogus");
	parse_bad(EFI, "-a", "-a");
	parse_bad(EFI, "apply", "--apply=yes");
	parse_bad(EFI, "disk", "--disk");
	parse_bad(EFI, "disk", "--disk", "0");
	parse_bad(EFI, "disk", "--disk", "x");
	parse_bad(EFI, "disk", "--disk", "-1");
	parse_bad(EFI, "disk", "--disk", "99999999999");
	parse_bad(EFI, "twice", "--disk", "1", "--disk", "1");
	parse_bad(EFI, "type", "--type", "DE94BBA4-06D1-4D40-A16A");
	parse_bad(EFI, "zero|unused", "--type",
		  "00000000-0000-0000-0000-000000000000");
	parse_bad(EFI, "then", "--then", "sleep");
	parse_bad(EFI, "apply", "--restore", "f.gpt", "--disk", "1");
	parse_bad(EFI, "type", "--restore", "f.gpt", "--apply", "--disk", "1",
		  "--type", SWAP);
	parse_bad(EFI, "disk", "--restore", "f.gpt", "--apply");
	parse_bad(EFI, "twice", "--restore", "a", "--restore", "b");
	parse_bad(EFI, "disk.img", "disk.img");
	parse_bad(EFI, "sector-size", "--sector-size", "512");
	parse_bad(EFI, "top-only", "--top-only");
	parse_bad(HOST, "top-only", "--top-only=yes", "a.img");
	parse_bad(HOST, "image|device", "--apply");
	parse_bad(HOST, "sector-size", "--sector-size", "1000", "a.img");
	parse_bad(HOST, "disk", "--disk", "2", "a.img");
	parse_bad(HOST, "disk", "--restore", "f", "--apply", "a.img", "b.img");
}

/* A long argument is quoted in part, so the reason keeps its explanation
 * (a gptrim.cfg word may be 64 KiB). */
static void long_argument(void **state)
{
	char arg[1000];
	struct gptrim_options o;
	struct gpt_reason w;

	(void)state;
	memset(arg, 'x', sizeof(arg));
	memcpy(arg, "--", 2);
	arg[sizeof(arg) - 1] = '\0';
	assert_status(options_parse(1, ARGS(arg), EFI, &o, &w), GPT_E_ARG);
	printf("# %s\n", w.text);
	assert_non_null(strstr(w.text, "xxx...' (see --help)"));
	assert_int_equal(strlen(w.text), strlen("unknown option '' (see --help)") +
					 QUOTE_STR_MAX + 3);
}

/* Limits: GPT_TYPES_MAX types, OPT_MAX_DISKS disks. */
static void too_many(void **state)
{
	char *argv[2 * OPT_MAX_DISKS + 4];
	char num[OPT_MAX_DISKS + 1][8];
	char guid[GPT_TYPES_MAX + 1][GUID_STRING_LEN + 1];
	struct gptrim_options o;
	struct gpt_reason why = { 0 };
	int n = 0;

	(void)state;
	for (uint32_t i = 0; i <= GPT_TYPES_MAX; i++) {
		snprintf(guid[i], sizeof(guid[i]),
			 "%08X-0000-4000-8000-000000000000", i + 1);
		argv[n++] = "--type";
		argv[n++] = guid[i];
	}
	assert_status(options_parse(n - 2, argv, OPT_FRONTEND_EFI, &o, &why),
		      GPT_OK);
	assert_int_equal(o.ntypes, GPT_TYPES_MAX);
	assert_status(options_parse(n, argv, OPT_FRONTEND_EFI, &o, &why),
		      GPT_E_ARG);
	assert_reason(why.text, "type");
	n = 0;
	for (uint32_t i = 0; i <= OPT_MAX_DISKS; i++) {
		snprintf(num[i], sizeof(num[i]), "%u", i + 1);
		argv[n++] = "--disk";
		argv[n++] = num[i];
	}
	assert_status(options_parse(n - 2, argv, OPT_FRONTEND_EFI, &o, &why),
		      GPT_OK);
	assert_status(options_parse(n, argv, OPT_FRONTEND_EFI, &o, &why),
		      GPT_E_ARG);
	assert_reason(why.text, "disk");
}

/* --undo: both front ends, report only or with --apply, any --disk
 * selection; never with --restore, --type, --repair or --no-backup. */
static void undo(void **state)
{
	struct gptrim_options o;

	(void)state;
	parse_ok(EFI, &o, "--undo");
	assert_true(o.undo);
	assert_false(o.apply);
	parse_ok(EFI, &o, "--apply", "--undo", "--then", "shutdown");
	assert_true(o.undo && o.apply);
	assert_int_equal(o.then, THEN_SHUTDOWN);
	parse_ok(EFI, &o, "--apply", "--undo", "--disk", "2", "--disk", "3");
	assert_int_equal(o.ndisks, 2);
	parse_ok(HOST, &o, "--apply", "--undo", "--backup-dir", "d", "a.img",
		 "b.img");
	assert_true(o.undo);
	assert_int_equal(o.npaths, 2);
	parse_ok(EFI, &o, "--apply");
	assert_false(o.undo);
	parse_bad(EFI, "restore", "--apply", "--undo", "--restore", "f.gpt",
		  "--disk", "1");
	parse_bad(EFI, "type", "--apply", "--undo", "--type", SWAP);
	parse_bad(EFI, "repair", "--apply", "--undo", "--repair");
	parse_bad(HOST, "no-backup", "--apply", "--undo", "--no-backup",
		  "a.img");
	parse_bad(EFI, "takes no value", "--undo=yes");
}

/* The usage text: every option of the front end, lines of <= 79 columns. */
static void usage_text(void **state)
{
	const char *h = options_usage(OPT_FRONTEND_HOST);
	const char *e = options_usage(OPT_FRONTEND_EFI);
	size_t col = 0;

	(void)state;
	assert_non_null(h);
	assert_non_null(e);
	assert_non_null(strstr(e, "--apply"));
	assert_non_null(strstr(e, "--removable"));
	assert_null(strstr(e, "--sector-size"));
	assert_non_null(strstr(h, "--sector-size"));
	assert_null(strstr(e, "--top-only"));
	assert_non_null(strstr(h, "--top-only"));
	assert_non_null(strstr(h, "--removable")); /* accepted, ignored */
	assert_non_null(strstr(h, "-h, --help"));
	assert_non_null(strstr(h, "--undo"));
	assert_non_null(strstr(e, "--undo"));
	for (const char *p = h; *p; p++) {
		col = *p == '\n' ? 0 : col + 1;
		assert_true(col <= 79);
	}
}

int main(void)
{
	struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults),
		cmocka_unit_test(efi_full),
		cmocka_unit_test(host_paths),
		cmocka_unit_test(protected_types),
		cmocka_unit_test(help_and_firmware_options),
		cmocka_unit_test(bad_options),
		cmocka_unit_test(long_argument),
		cmocka_unit_test(too_many),
		cmocka_unit_test(undo),
		cmocka_unit_test(usage_text),
	};

	return unit_run("options", tests, sizeof(tests) / sizeof(tests[0]));
}
