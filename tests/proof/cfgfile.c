// SPDX-License-Identifier: MIT
/* Eva harness: gptrim.cfg. A file of unknown bytes, of any length up to
 * the firmware's cap (64 KiB, efi/args.c CONFIG_MAX_BYTES), UTF-8 or UTF-16
 * as its bytes say, converted, split and parsed as efi/args.c parse_config
 * does (text capacity 2 x len + 1 bytes, zero-filled; argv of
 * OPT_MAX_ARGS + 1).
 * The file's buffer has room for the cap, but only its first len bytes are
 * defined: a read past the file is a read of an undefined byte, which is
 * an alarm. (A buffer allocated with the run-time length would give every
 * access an alarm: Eva takes its validity from the smallest size, and WP
 * cannot follow malloc, tests/proof/README.md.) The text's buffer is the
 * largest capacity, zero-filled as the firmware's: config_to_utf8's
 * assigns clause, proven, keeps its writes within the capacity passed. */
#include "__fc_builtin.h"
#include "gpt.h"
#include "model.h"
#include "options.h"

#define PROOF_CONFIG_MAX (64u * 1024u)

static char text[2 * PROOF_CONFIG_MAX + 1];
static char *argv[OPT_MAX_ARGS + 1];

int main(void)
{
	uint8_t raw[PROOF_CONFIG_MAX];
	size_t len = Frama_C_size_t_interval(0, PROOF_CONFIG_MAX);
	size_t cap = len * 2 + 1, text_len = 0;
	struct gptrim_options o;
	struct gpt_reason why;
	int argc = 0;

	/* proof_unknown, inline: WP reads the built-in's ensures here. */
	if (len)
		Frama_C_make_unknown((char *)raw, len);
	if (config_to_utf8(raw, len, text, cap, &text_len, &why) == GPT_OK &&
	    config_split(text, argv, OPT_MAX_ARGS, &argc, &why) == GPT_OK) {
		argv[argc] = 0;
		(void)options_parse(argc, argv, OPT_FRONTEND_EFI, &o, &why);
	}
	return 0;
}
