/* SPDX-License-Identifier: MIT */
/* The command-line contract shared by the UEFI application and the host
 * tool (docs/design.md "Command line and gptrim.cfg"), and gptrim.cfg parsing. */
#ifndef GPTRIM_OPTIONS_H
#define GPTRIM_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gpt.h"
#include "strbuf.h" /* nul_at and ACSL's strlen, for the contracts */

#define OPT_MAX_DISKS 64u
#define OPT_MAX_PATHS 64u
#define OPT_MAX_ARGS 64u

enum opt_frontend {
	OPT_FRONTEND_HOST = 1, /* adds --sector-size, --backup-dir,
				* --top-only, paths */
	OPT_FRONTEND_EFI = 2,  /* --then and --removable act */
};

enum then_action { THEN_EXIT, THEN_SHUTDOWN, THEN_REBOOT };

struct gptrim_options {
	bool apply;
	bool repair;
	bool no_backup;
	bool help;
	bool version;
	bool removable;           /* EFI: include removable media */
	bool any;                 /* at least one option was given */
	uint32_t ntypes;          /* 0: Windows RE only */
	struct gpt_guid types[GPT_TYPES_MAX];
	uint32_t ndisks;          /* 0: every disk */
	uint32_t disks[OPT_MAX_DISKS]; /* 1-based disk numbers */
	const char *restore_file;
	bool undo;                /* --undo: each disk's newest backup */
	enum then_action then;
	uint32_t sector_size;     /* host: 0 = detect */
	const char *backup_dir;   /* host: NULL = beside the image */
	bool top_only;            /* host: write a chain's top image */
	const char *ignored;      /* host: a firmware-only option given */
	uint32_t npaths;          /* host: images and devices */
	const char *paths[OPT_MAX_PATHS];
};

/* Exit statuses, ordered by severity: a run's status is the highest of its
 * disks'. Documented in --help, README and docs/design.md. */
enum gptrim_exit {
	GPTRIM_EXIT_OK = 0,       /* healthy, nothing left to do */
	GPTRIM_EXIT_PENDING = 1,  /* report only: entries would be removed */
	GPTRIM_EXIT_USAGE = 2,    /* bad command line or config */
	GPTRIM_EXIT_NOT_GPT = 3,  /* a disk named explicitly has no GPT, or
				   * (firmware) none of the disks has one */
	GPTRIM_EXIT_REFUSED = 4,  /* damaged or inconsistent table refused */
	GPTRIM_EXIT_BACKUP = 5,   /* backup could not be saved: not changed */
	GPTRIM_EXIT_IO = 6,       /* I/O error or read-back mismatch */
	GPTRIM_EXIT_NO_DISK = 7,  /* firmware: it shows no fixed disk at all */
};

/* argv[0] is the first option (not the program name). Strings are kept by
 * pointer. Returns GPT_OK or GPT_E_ARG with the offending argument.
 * The contract: each argument is a string (a NUL somewhere), apart from
 * o and why up to any NUL of it; only o and why change. */
/*@ requires \valid(o) && \valid(why) && \separated(o, why);
    requires \valid_read(argv + (0 .. argc - 1));
    requires \separated(argv + (0 .. argc - 1), o, why);
    requires \forall integer k; 0 <= k < argc ==> argv[k] != \null ==>
               \exists integer n; nul_at(argv[k], n);
    requires \forall integer k, n; 0 <= k < argc ==> argv[k] != \null ==>
               nul_at(argv[k], n) ==> \separated(argv[k] + (0 .. n), o, why);
    assigns *o, *why;
    exits \false; */
enum gpt_status options_parse(int argc, char *const *argv,
			      enum opt_frontend fe, struct gptrim_options *o,
			      struct gpt_reason *why);
/* The usage text, lines separated by '\n'. */
const char *options_usage(enum opt_frontend fe);
/* Types to remove: o->types, or Windows RE when none was given. */
const struct gpt_guid *options_types(const struct gptrim_options *o,
				     size_t *count);
bool options_disk_selected(const struct gptrim_options *o, uint32_t disk);

/* Convert a config file (UTF-8, optionally with BOM, or UTF-16LE/BE with
 * BOM) to UTF-8 in out. Returns GPT_OK or GPT_E_ARG. */
/*@ requires in == \null || \valid_read(in + (0 .. len - 1));
    requires in == \null || \initialized(in + (0 .. len - 1));
    requires out == \null || \valid(out + (0 .. cap - 1));
    requires \valid(why) && (out_len == \null || \valid(out_len));
    requires \separated(out + (0 .. cap - 1), in + (0 .. len - 1), why,
                        out_len);
    requires \separated(why, out_len);
    assigns out[0 .. cap - 1], *out_len, *why;
    ensures \result == GPT_OK ==> valid_string(out) && strlen(out) < cap;
    exits \false; */
enum gpt_status config_to_utf8(const uint8_t *in, size_t len, char *out,
			       size_t cap, size_t *out_len,
			       struct gpt_reason *why);
/* Split UTF-8 config text in place into arguments: whitespace separated,
 * '#' to end of line is a comment, "double quotes" group. */
/*@ requires valid_string(text);
    requires 0 <= max && \valid(argv + (0 .. max - 1));
    requires \valid(argc) && \valid(why);
    requires \separated(text + (0 .. strlen(text)), argv + (0 .. max - 1),
                        argc, why);
    requires \separated(argv + (0 .. max - 1), argc, why);
    requires \separated(argc, why);
    assigns text[0 .. strlen(text)], argv[0 .. max - 1], *argc, *why;
    ensures \result == GPT_OK ==> 0 <= *argc <= max;
    ensures \result == GPT_OK ==> \forall integer k; 0 <= k < *argc ==>
              \base_addr(argv[k]) == \base_addr(text) &&
              valid_read_string(argv[k]);
    ensures \result == GPT_OK ==> \forall integer k; 0 <= k < *argc ==>
              nul_at(argv[k], text + \old(strlen(text)) - argv[k]);
    exits \false; */
enum gpt_status config_split(char *text, char **argv, int max, int *argc,
			     struct gpt_reason *why);

#endif
