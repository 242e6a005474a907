/* SPDX-License-Identifier: MIT */
/* Private to core/options.c (the parser) and core/options_rules.c (the
 * rules that involve more than one option). */
#ifndef GPTRIM_OPTIONS_INTERNAL_H
#define GPTRIM_OPTIONS_INTERNAL_H

#include <stdint.h>

#include "gpt_status.h"
#include "options.h"

/* The disks named so far: never more than the array holds, whatever the
 * count says (options_disk_selected takes any struct from its caller). */
/*@ assigns \nothing;
    exits \false; */
static inline uint32_t options_disks_named(const struct gptrim_options *o)
{
	return o->ndisks < OPT_MAX_DISKS ? o->ndisks : OPT_MAX_DISKS;
}

/* The types named so far, likewise. */
/*@ assigns \nothing;
    exits \false; */
static inline uint32_t options_types_named(const struct gptrim_options *o)
{
	return o->ntypes < GPT_TYPES_MAX ? o->ntypes : GPT_TYPES_MAX;
}

/* After the last argument: the rules that involve more than one option
 * (--restore, --undo, --disk against the images given). */
/*@ assigns *why;
    exits \false; */
enum gpt_status options_check_combination(const struct gptrim_options *o,
					  enum opt_frontend fe,
					  struct gpt_reason *why);

#endif
