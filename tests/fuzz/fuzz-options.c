// SPDX-License-Identifier: MIT
/* Fuzz target: the command line and gptrim.cfg of both front ends.
 *  1. The input as a config file: config_to_utf8 (into an exactly sized
 *     heap buffer, and into a short one), config_split, options_parse for
 *     the host tool and the firmware application.
 *  2. The input as an argument vector: NUL-separated strings (the last one
 *     ends at the end of the input), options_parse for both front ends.
 *
 * Invariants (a failure aborts): no out-of-bounds access (ASan); the UTF-8
 * is well formed and NUL-terminated at out_len; arguments lie inside the
 * text; an accepted command line is within every limit and obeys the rules
 * of the contract (docs/design.md "Command line and gptrim.cfg"); every
 * refusal has a reason. */
#include <stdlib.h>
#include <string.h>

#include "fuzzcheck.h"
#include "gpt.h"
#include "guid.h"
#include "options.h"

#define MAX_ARGV 200 /* more than every OPT_MAX_* */

/* Well-formed UTF-8, as RFC 3629: no overlongs, surrogates or > U+10FFFF. */
static bool utf8_ok(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned char c = s[i];
		size_t len;
		uint32_t cp;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF)
			len = 2, cp = c & 0x1F;
		else if (c >= 0xE0 && c <= 0xEF)
			len = 3, cp = c & 0x0F;
		else if (c >= 0xF0 && c <= 0xF4)
			len = 4, cp = c & 0x07;
		else
			return false;
		if (len > n - i)
			return false;
		for (size_t k = 1; k < len; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + k] & 0x3F);
		}
		if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
		    (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
			return false;
		i += len;
	}
	return true;
}

static bool points_into(const char *p, const char *base, size_t len)
{
	return p >= base && p < base + len;
}

/* Is p one of the argument strings (or inside one)? */
static bool from_argv(const char *p, char *const *argv, int argc)
{
	for (int i = 0; i < argc; i++)
		if (p >= argv[i] && p <= argv[i] + strlen(argv[i]))
			return true;
	return false;
}

static void check_parse(int argc, char **argv, enum opt_frontend fe)
{
	struct gptrim_options o;
	struct gpt_reason why;
	enum gpt_status st = options_parse(argc, argv, fe, &o, &why);
	size_t ntypes;
	const struct gpt_guid *types;

	FUZZ_CHECK(st == GPT_OK || st == GPT_E_ARG, "options_parse: %s",
		   gpt_status_name(st));
	FUZZ_CHECK(strnlen(why.text, sizeof(why.text)) < sizeof(why.text),
		   "reason not terminated");
	if (st != GPT_OK) {
		FUZZ_CHECK(why.text[0] != '\0', "refused without a reason");
		return;
	}
	FUZZ_CHECK(o.ntypes <= GPT_TYPES_MAX && o.ndisks <= OPT_MAX_DISKS &&
			   o.npaths <= OPT_MAX_PATHS,
		   "limits: %u types, %u disks, %u paths", o.ntypes, o.ndisks,
		   o.npaths);
	for (uint32_t i = 0; i < o.ntypes; i++) {
		FUZZ_CHECK(!guid_is_zero(&o.types[i]), "zero type accepted");
		for (uint32_t j = 0; j < i; j++)
			FUZZ_CHECK(!guid_equal(&o.types[i], &o.types[j]),
				   "type %u repeats type %u", i, j);
	}
	for (uint32_t i = 0; i < o.ndisks; i++) {
		FUZZ_CHECK(o.disks[i] >= 1, "disk number 0 accepted");
		FUZZ_CHECK(options_disk_selected(&o, o.disks[i]),
			   "disk %u given but not selected", o.disks[i]);
		for (uint32_t j = 0; j < i; j++)
			FUZZ_CHECK(o.disks[i] != o.disks[j],
				   "disk %u given twice", o.disks[i]);
	}
	FUZZ_CHECK(o.ndisks || options_disk_selected(&o, 1),
		   "no --disk, yet disk 1 not selected");
	for (uint32_t i = 0; i < o.npaths; i++)
		FUZZ_CHECK(from_argv(o.paths[i], argv, argc) &&
				   o.paths[i][0] != '\0',
			   "path %u not an argument", i);
	FUZZ_CHECK(!o.restore_file || from_argv(o.restore_file, argv, argc),
		   "restore file not from the arguments");
	FUZZ_CHECK(!o.backup_dir || from_argv(o.backup_dir, argv, argc),
		   "backup dir not from the arguments");
	FUZZ_CHECK(o.then == THEN_EXIT || o.then == THEN_SHUTDOWN ||
			   o.then == THEN_REBOOT,
		   "then %d", (int)o.then);
	FUZZ_CHECK(o.sector_size == 0 || o.sector_size == 512 ||
			   o.sector_size == 1024 || o.sector_size == 2048 ||
			   o.sector_size == 4096,
		   "sector size %u", o.sector_size);
	if (fe == OPT_FRONTEND_EFI)
		FUZZ_CHECK(o.npaths == 0 && o.sector_size == 0 &&
				   !o.backup_dir,
			   "host-only option accepted by the firmware front "
			   "end");
	else
		FUZZ_CHECK(!o.removable || o.ignored, "--removable accepted by "
			   "the host tool without a note");
	for (uint32_t i = 0; i < o.ntypes; i++)
		FUZZ_CHECK(!gpt_type_name(&o.types[i]) ||
				   (strcmp(gpt_type_name(&o.types[i]),
					   "EFI system") &&
				    strcmp(gpt_type_name(&o.types[i]),
					   "Microsoft reserved") &&
				    strcmp(gpt_type_name(&o.types[i]),
					   "Basic data")),
			   "--type %s accepted", gpt_type_name(&o.types[i]));
	if (!o.help && !o.version) {
		if (fe == OPT_FRONTEND_HOST)
			FUZZ_CHECK(o.npaths > 0, "host run without an image");
		if (o.restore_file)
			FUZZ_CHECK(o.apply && !o.ntypes && !o.repair &&
					   (o.ndisks == 1 ||
					    (o.ndisks == 0 && o.npaths == 1)),
				   "--restore accepted without --apply or with "
				   "--type/--repair or not one disk");
		if (fe == OPT_FRONTEND_HOST)
			for (uint32_t i = 0; i < o.ndisks; i++)
				FUZZ_CHECK(o.disks[i] <= o.npaths,
					   "--disk %u of %u images", o.disks[i],
					   o.npaths);
	}
	types = options_types(&o, &ntypes);
	FUZZ_CHECK(types && ntypes >= 1 && ntypes <= GPT_TYPES_MAX,
		   "options_types: %zu", ntypes);
	FUZZ_CHECK(o.ntypes || guid_equal(&types[0], &GPT_TYPE_WINDOWS_RE),
		   "default type is not Windows RE");
}

static void parse_both(int argc, char **argv)
{
	check_parse(argc, argv, OPT_FRONTEND_HOST);
	check_parse(argc, argv, OPT_FRONTEND_EFI);
}

/* 1. The input as a gptrim.cfg. */
static void as_config(const uint8_t *data, size_t size)
{
	/* UTF-16 doubles at most to 3 bytes per 2, UTF-8 stays: 2x + 1 is
	 * always enough. */
	size_t cap = 2 * size + 1, len = 0, short_cap;
	char *text = malloc(cap), *small;
	char *argv[OPT_MAX_ARGS];
	struct gpt_reason why;
	enum gpt_status st;
	int argc = -1;

	FUZZ_CHECK(text, "out of memory");
	st = config_to_utf8(data, size, text, cap, &len, &why);
	FUZZ_CHECK(st == GPT_OK || st == GPT_E_ARG, "config_to_utf8: %s",
		   gpt_status_name(st));
	if (st != GPT_OK) {
		FUZZ_CHECK(len == 0 && text[0] == '\0' && why.text[0],
			   "refused config: len %zu, reason \"%s\"", len,
			   why.text);
		goto out;
	}
	FUZZ_CHECK(len < cap && text[len] == '\0' && strlen(text) == len,
		   "UTF-8 of %zu bytes not terminated there", len);
	FUZZ_CHECK(utf8_ok((const unsigned char *)text, len),
		   "config_to_utf8 produced malformed UTF-8");

	/* The same conversion into a buffer one byte too short refuses and
	 * stays inside it (an exact heap buffer: ASan sees overruns). */
	short_cap = len;
	small = malloc(short_cap ? short_cap : 1);
	FUZZ_CHECK(small, "out of memory");
	if (short_cap) {
		st = config_to_utf8(data, size, small, short_cap, NULL, &why);
		FUZZ_CHECK(st == GPT_E_ARG && small[0] == '\0',
			   "%zu bytes of UTF-8 into %zu: %s", len, short_cap,
			   gpt_status_name(st));
	}
	free(small);

	st = config_split(text, argv, OPT_MAX_ARGS, &argc, &why);
	FUZZ_CHECK(st == GPT_OK || st == GPT_E_ARG, "config_split: %s",
		   gpt_status_name(st));
	if (st != GPT_OK)
		goto out;
	FUZZ_CHECK(argc >= 0 && argc <= (int)OPT_MAX_ARGS, "argc %d", argc);
	for (int i = 0; i < argc; i++) {
		size_t n = strlen(argv[i]);

		FUZZ_CHECK(points_into(argv[i], text, len + 1) &&
				   argv[i] + n <= text + len,
			   "argument %d outside the text", i);
		FUZZ_CHECK(i == 0 || argv[i] > argv[i - 1] + strlen(argv[i - 1]),
			   "arguments %d and %d overlap", i - 1, i);
		/* Splitting happens at ASCII bytes only. */
		FUZZ_CHECK(utf8_ok((const unsigned char *)argv[i], n),
			   "argument %d: malformed UTF-8", i);
	}
	parse_both(argc, argv);
out:
	free(text);
}

/* 2. The input as NUL-separated arguments. */
static void as_argv(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1);
	char *argv[MAX_ARGV];
	int argc = 0;
	size_t start = 0;

	FUZZ_CHECK(buf, "out of memory");
	memcpy(buf, data, size);
	buf[size] = '\0';
	for (size_t i = 0; i <= size && argc < MAX_ARGV; i++) {
		if (buf[i] != '\0')
			continue;
		if (i > start || i < size) /* an empty argument is allowed */
			argv[argc++] = buf + start;
		start = i + 1;
	}
	parse_both(argc, argv);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	as_config(data, size);
	as_argv(data, size);
	return 0;
}
