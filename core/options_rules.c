/* SPDX-License-Identifier: MIT */
/* The rules of the command line that involve more than one option, checked
 * after the last argument (docs/design.md "Command line and gptrim.cfg"),
 * and what the front ends ask of the parsed options. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "guid.h"
#include "options.h"
#include "options_internal.h"
#include "strbuf.h"

/* --undo puts back the newest backup of each selected disk: it finds the
 * file itself, restores what gptrim removed and nothing else, and keeps
 * the table it replaces so that the undo can be undone in turn. */
/*@ assigns *why;
    exits \false; */
static enum gpt_status check_undo(const struct gptrim_options *o,
				  struct gpt_reason *why)
{
	if (o->restore_file)
		return gpt_fail(why, GPT_E_ARG,
				"--undo cannot be combined with --restore: "
				"--undo finds each disk's newest backup itself, "
				"--restore FILE writes one file to one disk");
	if (o->ntypes || o->repair)
		return gpt_fail(why, GPT_E_ARG,
				"--undo cannot be combined with %s: it puts "
				"back what gptrim removed, nothing else",
				o->ntypes ? "--type" : "--repair");
	if (o->no_backup)
		return gpt_fail(why, GPT_E_ARG,
				"--undo cannot be combined with --no-backup: "
				"it saves the table it replaces first, so that "
				"the undo can be undone");
	return GPT_OK;
}

enum gpt_status options_check_combination(const struct gptrim_options *o,
					  enum opt_frontend fe,
					  struct gpt_reason *why)
{
	uint32_t ndisks;

	if (o->help || o->version)
		return GPT_OK;
	ndisks = fe == OPT_FRONTEND_HOST ? o->npaths : 0;
	if (fe == OPT_FRONTEND_HOST && ndisks == 0)
		return gpt_fail(why, GPT_E_ARG,
				"no image or device given (see --help)");
	for (uint32_t i = 0; ndisks && i < options_disks_named(o); i++)
		if (o->disks[i] > ndisks)
			return gpt_fail(why, GPT_E_ARG,
					"--disk %u: only %u disk(s) given",
					o->disks[i], ndisks);
	if (o->undo)
		return check_undo(o, why);
	if (!o->restore_file)
		return GPT_OK;
	/* A restore writes a whole table: never without --apply, and to
	 * exactly one disk the user chose. */
	if (!o->apply)
		return gpt_fail(why, GPT_E_ARG,
				"--restore writes the disk: add --apply");
	if (o->ntypes || o->repair)
		return gpt_fail(why, GPT_E_ARG,
				"--restore cannot be combined with %s",
				o->ntypes ? "--type" : "--repair");
	if (o->ndisks != 1 && !(o->ndisks == 0 && ndisks == 1))
		return gpt_fail(why, GPT_E_ARG,
				"--restore needs exactly one disk (%s)",
				fe == OPT_FRONTEND_HOST ?
				"one IMAGE or one --disk N" : "--disk N");
	return GPT_OK;
}

const struct gpt_guid *options_types(const struct gptrim_options *o,
				     size_t *count)
{
	if (o->ntypes == 0) {
		*count = 1;
		return &GPT_TYPE_WINDOWS_RE;
	}
	*count = options_types_named(o);
	return o->types;
}

bool options_disk_selected(const struct gptrim_options *o, uint32_t disk)
{
	if (o->ndisks == 0)
		return true;
	for (uint32_t i = 0; i < options_disks_named(o); i++)
		if (o->disks[i] == disk)
			return true;
	return false;
}
