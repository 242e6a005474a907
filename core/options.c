/* SPDX-License-Identifier: MIT */
/* The command line shared by the firmware application and the host tool
 * (docs/design.md "Command line and gptrim.cfg"), one argument at a time;
 * the rules between options are core/options_rules.c's. Freestanding:
 * every error is a GPT_E_ARG reason naming the argument. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "guid.h"
#include "options.h"
#include "options_internal.h"
#include "strbuf.h"

enum opt_id {
	O_APPLY, O_REPAIR, O_DISK, O_TYPE, O_NO_BACKUP, O_RESTORE, O_THEN,
	O_HELP, O_VERSION, O_SECTOR_SIZE, O_BACKUP_DIR, O_REMOVABLE, O_UNDO,
	O_TOP_ONLY,
};

#define FE_ALL (OPT_FRONTEND_HOST | OPT_FRONTEND_EFI)

struct opt_def {
	const char *name; /* without the leading "--" */
	enum opt_id id;
	bool takes_value;
	unsigned int frontends;
};

static const struct opt_def opt_defs[] = {
	{ "apply", O_APPLY, false, FE_ALL },
	{ "repair", O_REPAIR, false, FE_ALL },
	{ "disk", O_DISK, true, FE_ALL },
	{ "type", O_TYPE, true, FE_ALL },
	{ "no-backup", O_NO_BACKUP, false, FE_ALL },
	{ "restore", O_RESTORE, true, FE_ALL },
	{ "undo", O_UNDO, false, FE_ALL },
	{ "then", O_THEN, true, FE_ALL },
	{ "help", O_HELP, false, FE_ALL },
	{ "version", O_VERSION, false, FE_ALL },
	{ "sector-size", O_SECTOR_SIZE, true, OPT_FRONTEND_HOST },
	{ "backup-dir", O_BACKUP_DIR, true, OPT_FRONTEND_HOST },
	{ "top-only", O_TOP_ONLY, false, OPT_FRONTEND_HOST },
	/* Firmware only: the host tool accepts and ignores them, alike. */
	{ "removable", O_REMOVABLE, false, FE_ALL },
};

/* Does the option name in arg (n bytes, not NUL-terminated) equal name? */
/*@ requires \valid_read(arg + (0 .. n - 1));
    assigns \nothing;
    exits \false; */
static bool name_is(const char *arg, size_t n, const char *name)
{
	return str_len(name) == n && mem_compare(arg, name, n) == 0;
}

/* Decimal only, no sign, no overflow: a disk number or a sector size. */
/*@ requires valid_read_string(s) && \valid(out);
    assigns *out;
    exits \false; */
static bool parse_u32(const char *s, uint32_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (s[0] == '\0')
		return false;
	/*@ loop invariant 0 <= i <= strlen(s) && v <= UINT32_MAX;
	    loop assigns i, v; */
	for (i = 0; s[i]; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
		if (v > UINT32_MAX)
			return false;
	}
	*out = (uint32_t)v;
	return true;
}

/* The option handlers below say what they change, the options and the
 * reason: WP takes a function without an assigns clause as writing
 * everything, the arguments included (tests/proof/). */
/*@ requires valid_read_string(v);
    assigns *o, *why;
    exits \false; */
static enum gpt_status add_disk(struct gptrim_options *o, const char *v,
				struct gpt_reason *why)
{
	uint32_t n;

	if (!parse_u32(v, &n) || n == 0)
		return gpt_fail(why, GPT_E_ARG,
				"--disk '%s': expected a disk number 1, 2, ...",
				quote_str(v).s);
	for (uint32_t i = 0; i < options_disks_named(o); i++)
		if (o->disks[i] == n)
			return gpt_fail(why, GPT_E_ARG,
					"--disk %u given twice", n);
	if (o->ndisks >= OPT_MAX_DISKS)
		return gpt_fail(why, GPT_E_ARG,
				"--disk %u: at most %u disks may be named", n,
				OPT_MAX_DISKS);
	o->disks[o->ndisks++] = n;
	return GPT_OK;
}

/* Types --type may not name: what Windows needs to start, and the ESP,
 * which also holds the backups (docs/design.md "Exit statuses"). */
static const char *const protected_types[] = {
	"C12A7328-F81F-11D2-BA4B-00A0C93EC93B", /* EFI system */
	"E3C9E316-0B5C-4DB8-817D-F92DF00215AE", /* Microsoft reserved */
	"EBD0A0A2-B9E5-4433-87C0-68B6B72699C7", /* Basic data */
};

/*@ assigns \nothing;
    exits \false; */
static bool type_protected(const struct gpt_guid *g)
{
	struct gpt_guid p;

	for (size_t i = 0; i < sizeof(protected_types) / sizeof(*protected_types);
	     i++)
		if (guid_parse(protected_types[i], &p) && guid_equal(&p, g))
			return true;
	return false;
}

/*@ requires valid_read_string(v);
    assigns *o, *why;
    exits \false; */
static enum gpt_status add_type(struct gptrim_options *o, const char *v,
				struct gpt_reason *why)
{
	struct gpt_guid g;

	if (!guid_parse(v, &g))
		return gpt_fail(why, GPT_E_ARG,
				"--type '%s': expected a GUID like "
				"DE94BBA4-06D1-4D40-A16A-BFD50179D6AC",
				quote_str(v).s);
	/* The zero type marks unused entries: there is nothing to remove. */
	if (guid_is_zero(&g))
		return gpt_fail(why, GPT_E_ARG,
				"--type %s: the zero GUID marks unused entries",
				quote_str(v).s);
	if (type_protected(&g))
		return gpt_fail(why, GPT_E_ARG,
				"--type %s is the %s type: gptrim never removes "
				"EFI system, Microsoft reserved or Basic data "
				"partitions (Windows needs them to start; the "
				"ESP holds the backups)", quote_str(v).s,
				gpt_type_name(&g));
	/*@ loop assigns i; */
	for (uint32_t i = 0; i < options_types_named(o); i++)
		if (guid_equal(&o->types[i], &g))
			return gpt_fail(why, GPT_E_ARG,
					"--type %s given twice",
					quote_str(v).s);
	if (o->ntypes >= GPT_TYPES_MAX)
		return gpt_fail(why, GPT_E_ARG,
				"--type %s: at most %u types may be given",
				quote_str(v).s, GPT_TYPES_MAX);
	o->types[o->ntypes++] = g;
	return GPT_OK;
}

/*@ requires valid_read_string(v);
    assigns o->then, *why;
    exits \false; */
static enum gpt_status set_then(struct gptrim_options *o, const char *v,
				struct gpt_reason *why)
{
	if (str_equal(v, "exit"))
		o->then = THEN_EXIT;
	else if (str_equal(v, "shutdown"))
		o->then = THEN_SHUTDOWN;
	else if (str_equal(v, "reboot"))
		o->then = THEN_REBOOT;
	else
		return gpt_fail(why, GPT_E_ARG,
				"--then '%s': expected exit, shutdown or reboot",
				quote_str(v).s);
	return GPT_OK;
}

/*@ requires valid_read_string(v);
    assigns o->sector_size, *why;
    exits \false; */
static enum gpt_status set_sector_size(struct gptrim_options *o,
				       const char *v, struct gpt_reason *why)
{
	uint32_t n;

	if (!parse_u32(v, &n) ||
	    (n != 512 && n != 1024 && n != 2048 && n != 4096))
		return gpt_fail(why, GPT_E_ARG,
				"--sector-size '%s': expected 512, 1024, 2048 "
				"or 4096", quote_str(v).s);
	o->sector_size = n;
	return GPT_OK;
}

/* A string option that may be given once, with a non-empty value. */
/*@ requires valid_read_string(v);
    assigns *slot, *why;
    exits \false; */
static enum gpt_status set_once(const char **slot, const char *name,
				const char *v, struct gpt_reason *why)
{
	if (*slot)
		return gpt_fail(why, GPT_E_ARG, "--%s given twice", name);
	if (*v == '\0')
		return gpt_fail(why, GPT_E_ARG, "--%s: empty value", name);
	*slot = v;
	return GPT_OK;
}

/* v is "" for an option without a value. */
/*@ requires valid_read_string(v);
    assigns *o, *why;
    exits \false; */
static enum gpt_status apply_opt(struct gptrim_options *o,
				 const struct opt_def *d, const char *v,
				 struct gpt_reason *why)
{
	switch (d->id) {
	case O_APPLY: o->apply = true; break;
	case O_REPAIR: o->repair = true; break;
	case O_NO_BACKUP: o->no_backup = true; break;
	case O_HELP: o->help = true; break;
	case O_VERSION: o->version = true; break;
	case O_REMOVABLE: o->removable = true; break;
	case O_UNDO: o->undo = true; break;
	case O_TOP_ONLY: o->top_only = true; break;
	case O_DISK: return add_disk(o, v, why);
	case O_TYPE: return add_type(o, v, why);
	case O_THEN: return set_then(o, v, why);
	case O_SECTOR_SIZE: return set_sector_size(o, v, why);
	case O_RESTORE: return set_once(&o->restore_file, d->name, v, why);
	case O_BACKUP_DIR: return set_once(&o->backup_dir, d->name, v, why);
	}
	return GPT_OK;
}

/*@ requires \valid_read(name + (0 .. n - 1));
    assigns \nothing;
    exits \false; */
static const struct opt_def *find_opt(const char *name, size_t n,
				      enum opt_frontend fe)
{
	/*@ loop assigns i; */
	for (size_t i = 0; i < sizeof(opt_defs) / sizeof(opt_defs[0]); i++)
		if ((opt_defs[i].frontends & (unsigned int)fe) &&
		    name_is(name, n, opt_defs[i].name))
			return &opt_defs[i];
	return NULL;
}

/* The rest of s after its character at k: a string of its own (for WP,
 * which proves that in a function this small but not inside parse_long). */
/*@ requires valid_read_string(s) && 0 <= k < strlen(s);
    assigns \nothing;
    ensures valid_read_string(\result);
    exits \false; */
static const char *rest_after(const char *s, size_t k)
{
	return s + k + 1;
}

/* Where the option name of s, an argument "--name[=value]", ends: at its
 * '=' or NUL. (Scanned from s[0]: the "--" holds neither.) */
/*@ requires valid_read_string(s) && s[0] == '-' && s[1] == '-';
    assigns \nothing;
    ensures 2 <= \result <= strlen(s);
    exits \false; */
static size_t name_end(const char *s)
{
	size_t n = 0;

	/*@ loop invariant 0 <= n <= strlen(s);
	    loop invariant \forall integer k; 0 <= k < n ==> s[k] != 0;
	    loop invariant n >= 2 || s[n] == '-';
	    loop assigns n; */
	while (s[n] && s[n] != '=')
		n++;
	return n;
}

/* Parse arg, an argument starting with "--": its value follows '=' or is
 * next, the argument after it (NULL if none), when that is not an option;
 * *took_next then says so. */
/*@ requires valid_read_string(arg) && arg[0] == '-' && arg[1] == '-';
    requires next == \null || valid_read_string(next);
    requires \valid(took_next);
    assigns *o, *why, *took_next;
    ensures *took_next ==> \old(*took_next) || next != \null;
    exits \false; */
static enum gpt_status parse_long(const char *arg, const char *next,
				  bool *took_next, enum opt_frontend fe,
				  struct gptrim_options *o,
				  struct gpt_reason *why)
{
	const char *name = arg + 2, *v = NULL;
	const struct opt_def *d;
	size_t n = name_end(arg); /* arg[n]: the '=' or the NUL */
	bool took = false;
	enum gpt_status st;

	d = find_opt(name, n - 2, fe);
	if (!d)
		return gpt_fail(why, GPT_E_ARG,
				"unknown option '%s' (see --help)",
				quote_str(arg).s);
	if (!d->takes_value) {
		if (arg[n] == '=')
			return gpt_fail(why, GPT_E_ARG,
					"--%s takes no value ('%s')", d->name,
					quote_str(arg).s);
		v = "";
	} else {
		if (arg[n] == '=') {
			v = rest_after(arg, n);
		} else if (next && !str_starts_with(next, "--")) {
			took = true;
			v = next;
		}
		if (!v ||
		    (*v == '\0' && d->id != O_RESTORE && d->id != O_BACKUP_DIR))
			return gpt_fail(why, GPT_E_ARG, "--%s: missing value",
					d->name);
	}
	/* Every read of the arguments comes before the first write to *o
	 * (WP then needs no proof that the two are apart). */
	st = apply_opt(o, d, v, why);
	if (fe == OPT_FRONTEND_HOST && !o->ignored &&
	    (d->id == O_THEN || d->id == O_REMOVABLE))
		o->ignored = d->name;
	*took_next = took;
	return st;
}

/*@ requires valid_read_string(arg);
    assigns *o, *why;
    exits \false; */
static enum gpt_status add_path(struct gptrim_options *o, const char *arg,
				enum opt_frontend fe, struct gpt_reason *why)
{
	if (fe != OPT_FRONTEND_HOST)
		return gpt_fail(why, GPT_E_ARG,
				"unexpected argument '%s' (options only; "
				"see --help)", quote_str(arg).s);
	if (*arg == '\0')
		return gpt_fail(why, GPT_E_ARG, "empty image or device name");
	if (o->npaths >= OPT_MAX_PATHS)
		return gpt_fail(why, GPT_E_ARG,
				"'%s': at most %u images or devices",
				quote_str(arg).s, OPT_MAX_PATHS);
	o->paths[o->npaths++] = arg;
	return GPT_OK;
}

/* The argument argv[*at]: an image, "--", "-h" or a long option; a long
 * option that takes the next argument as its value moves *at onto it.
 * A function of its own for the proof: options_parse's loop keeps each
 * argument's NUL across one call (tests/proof/README.md, "strings"). */
/*@ requires \valid(at) && \valid(only_paths) && \valid(o) && \valid(why);
    requires \separated(at, only_paths, o, why);
    requires 0 <= *at < argc;
    requires \valid_read(argv + (0 .. argc - 1));
    requires \separated(argv + (0 .. argc - 1), at, only_paths, o, why);
    requires \forall integer k; 0 <= k < argc ==> argv[k] != \null ==>
               \exists integer n; nul_at(argv[k], n) &&
                 \separated(argv[k] + (0 .. n), at, only_paths, o, why);
    assigns *at, *only_paths, *o, *why;
    ensures \old(*at) <= *at < argc;
    exits \false; */
static enum gpt_status parse_arg(int argc, char *const *argv, int *at,
				 bool *only_paths, enum opt_frontend fe,
				 struct gptrim_options *o,
				 struct gpt_reason *why)
{
	const char *arg = argv[*at];
	const char *next = *at + 1 < argc ? argv[*at + 1] : NULL;
	bool took_next = false;
	enum gpt_status st;

	if (!arg)
		return gpt_fail(why, GPT_E_ARG, "argument %d missing",
				*at + 1);
	if (*only_paths || arg[0] != '-')
		return add_path(o, arg, fe, why);
	o->any = true;
	if (str_equal(arg, "--") && fe == OPT_FRONTEND_HOST)
		*only_paths = true;
	else if (str_equal(arg, "-h"))
		o->help = true;
	else if (arg[1] == '-' && arg[2] != '\0') {
		//@ assert next != \null ==> \exists integer n; nul_at(next, n);
		st = parse_long(arg, next, &took_next, fe, o, why);
		*at += took_next;
		return st;
	} else
		return gpt_fail(why, GPT_E_ARG,
				"unknown option '%s' (see --help)",
				quote_str(arg).s);
	return GPT_OK;
}

/* Nothing given: every disk, Windows RE only, report only, then exit.
 * A typed copy rather than mem_zero, which WP cannot follow into *o; in a
 * function of its own, so that options_parse's goals do not carry every
 * field's initial value. */
/*@ requires \valid(o);
    assigns *o;
    exits \false; */
static void options_reset(struct gptrim_options *o)
{
	*o = (struct gptrim_options){ .then = THEN_EXIT };
}

enum gpt_status options_parse(int argc, char *const *argv,
			      enum opt_frontend fe, struct gptrim_options *o,
			      struct gpt_reason *why)
{
	enum gpt_status st = GPT_OK;
	bool only_paths = false;

	options_reset(o);
	gpt_reason_clear(why);
	if (argc < 0 || (argc > 0 && !argv))
		return gpt_fail(why, GPT_E_ARG, "no argument vector");
	/* Each argument keeps its NULs: a fact of one byte, which WP
	 * carries across the writes to *o and *why (strlen it does not). */
	/*@ loop invariant 0 <= i <= argc;
	    loop invariant \forall integer k; 0 <= k < argc ==>
	      argv[k] == \at(argv[k], Pre);
	    loop invariant \forall integer k, n; 0 <= k < argc ==>
	      argv[k] != \null ==> \at(nul_at(argv[k], n), Pre) ==>
	      nul_at(argv[k], n);
	    loop assigns i, st, only_paths, *o, *why; */
	for (int i = 0; i < argc && st == GPT_OK; i++)
		st = parse_arg(argc, argv, &i, &only_paths, fe, o, why);
	if (st != GPT_OK)
		return st;
	return options_check_combination(o, fe, why);
}
