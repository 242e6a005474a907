// SPDX-License-Identifier: MIT
/* Eva harness: the command line and gptrim.cfg. argv of up to
 * OPT_MAX_ARGS unknown strings (each any bytes up to a NUL within
 * PROOF_ARG_MAX bytes) for either front end; and a configuration file of
 * unknown bytes, of any length up to the firmware's cap (64 KiB, efi/args.c
 * CONFIG_MAX_BYTES), UTF-8 or UTF-16 as its bytes say, converted, split
 * and parsed as efi/args.c parse_config does (text buffer of 2 x len + 1
 * bytes). */
#include <stdlib.h>

#include "__fc_builtin.h"
#include "gpt.h"
#include "model.h"
#include "options.h"

#define PROOF_ARG_MAX 256
#define PROOF_CONFIG_MAX (64u * 1024u)

static char args[OPT_MAX_ARGS][PROOF_ARG_MAX];

static void command_line(void)
{
	char *argv[OPT_MAX_ARGS + 1];
	int argc = Frama_C_interval(0, OPT_MAX_ARGS);
	struct gptrim_options o;
	struct gpt_reason why;
	enum opt_frontend fe = Frama_C_nondet(OPT_FRONTEND_HOST,
					      OPT_FRONTEND_EFI);

	for (int i = 0; i < (int)OPT_MAX_ARGS; i++) {
		proof_unknown(args[i], PROOF_ARG_MAX - 1);
		args[i][PROOF_ARG_MAX - 1] = '\0';
		argv[i] = args[i];
	}
	argv[argc] = 0;
	(void)options_parse(argc, argv, fe, &o, &why);
}

static void config_file(void)
{
	static char *argv[OPT_MAX_ARGS + 1];
	size_t len = Frama_C_size_t_interval(0, PROOF_CONFIG_MAX);
	uint8_t *raw = malloc(len ? len : 1);
	size_t cap = len * 2 + 1, text_len = 0;
	char *text = malloc(cap);
	struct gptrim_options o;
	struct gpt_reason why;
	int argc = 0;

	if (raw && text) {
		proof_unknown(raw, len);
		if (config_to_utf8(raw, len, text, cap, &text_len, &why) ==
			    GPT_OK &&
		    config_split(text, argv, OPT_MAX_ARGS, &argc, &why) ==
			    GPT_OK) {
			argv[argc] = 0;
			(void)options_parse(argc, argv, OPT_FRONTEND_EFI, &o,
					    &why);
		}
	}
	free(raw);
	free(text);
}

int main(void)
{
	command_line();
	config_file();
	return 0;
}
