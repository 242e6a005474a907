// SPDX-License-Identifier: MIT
/* Eva harness: the command line. argv of up to OPT_MAX_ARGS unknown
 * strings (each any bytes up to a NUL within PROOF_ARG_MAX bytes) parsed
 * by options_parse for either front end. */
#include <stdlib.h>

#include "__fc_builtin.h"
#include "gpt.h"
#include "model.h"
#include "options.h"

#define PROOF_ARG_MAX 256

static char args[OPT_MAX_ARGS][PROOF_ARG_MAX];

int main(void)
{
	char *argv[OPT_MAX_ARGS + 1];
	int argc = Frama_C_interval(0, OPT_MAX_ARGS);
	struct gptrim_options o;
	struct gpt_reason why;
	enum opt_frontend fe = Frama_C_nondet(OPT_FRONTEND_HOST,
					      OPT_FRONTEND_EFI);

	/* Every byte unknown, then a NUL that ends each row. For WP,
	 * options_parse's requires: each row ends in a NUL. (Made unknown
	 * all at once: the loop's assigns clause is then one WP proves at
	 * once; Frama_C_make_unknown of each row in the loop made it a goal
	 * CVC4 could not prove, and Z3 only after CVC4's 2 minutes.) */
	Frama_C_make_unknown((char *)args, sizeof(args));
	/*@ loop unroll OPT_MAX_ARGS;
	    loop invariant 0 <= i <= OPT_MAX_ARGS;
	    loop invariant \forall integer k; 0 <= k < i ==>
	      argv[k] == &args[k][0] && nul_at(argv[k], PROOF_ARG_MAX - 1);
	    loop assigns i, args[0 .. OPT_MAX_ARGS - 1][PROOF_ARG_MAX - 1],
	                 argv[0 .. OPT_MAX_ARGS - 1]; */
	for (int i = 0; i < (int)OPT_MAX_ARGS; i++) {
		args[i][PROOF_ARG_MAX - 1] = '\0';
		argv[i] = args[i];
	}
	/* argv[argc] is NULL for argc = OPT_MAX_ARGS, and a string
	 * otherwise: the core reads argv[0 .. argc - 1] only, and a read of
	 * argv[argc] would still be caught there. Storing NULL at argv[argc]
	 * for an unknown argc would make every slot maybe NULL to Eva. */
	argv[OPT_MAX_ARGS] = 0;
	(void)options_parse(argc, argv, fe, &o, &why);
	return 0;
}
