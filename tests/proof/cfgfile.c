// SPDX-License-Identifier: MIT
/* Eva harness: gptrim.cfg. A file of unknown bytes, of any length up to
 * the firmware's cap (64 KiB, efi/args.c CONFIG_MAX_BYTES), in a buffer of
 * exactly that length, UTF-8 or UTF-16 as its bytes say, converted, split
 * and parsed as efi/args.c parse_config does (text buffer of 2 x len + 1
 * bytes, argv of OPT_MAX_ARGS + 1). */
#include <stdlib.h>

#include "__fc_builtin.h"
#include "gpt.h"
#include "model.h"
#include "options.h"

#define PROOF_CONFIG_MAX (64u * 1024u)

int main(void)
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
	return 0;
}
