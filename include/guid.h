/* SPDX-License-Identifier: MIT */
/* GUID parsing, formatting and the partition type names we know. */
#ifndef GPTRIM_GUID_H
#define GPTRIM_GUID_H

#include <stdbool.h>
#include <stddef.h>

#include "gpt_ondisk.h"
#include "strbuf.h"

#define GUID_STRING_LEN 36 /* without the NUL */

/* Windows Recovery Environment, DE94BBA4-06D1-4D40-A16A-BFD50179D6AC. */
extern const struct gpt_guid GPT_TYPE_WINDOWS_RE;
extern const struct gpt_guid GPT_TYPE_EFI_SYSTEM;

/*@ requires \valid_read(a->b + (0 .. 15));
    requires \valid_read(b->b + (0 .. 15));
    assigns \nothing;
    exits \false; */
bool guid_equal(const struct gpt_guid *a, const struct gpt_guid *b);
/*@ requires \valid_read(g->b + (0 .. 15));
    assigns \nothing;
    exits \false; */
bool guid_is_zero(const struct gpt_guid *g);
/* Registry form "XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX", either case,
 * exactly 36 characters (an optional pair of braces is accepted). */
/*@ requires valid_read_string(s) && \valid(out);
    assigns *out;
    exits \false; */
bool guid_parse(const char *s, struct gpt_guid *out);
/* Upper-case registry form; out must hold GUID_STRING_LEN + 1 bytes. */
/*@ requires \valid_read(g->b + (0 .. 15));
    requires \valid(out + (0 .. GUID_STRING_LEN));
    assigns out[0 .. GUID_STRING_LEN];
    exits \false; */
void guid_format(const struct gpt_guid *g, char *out);
/* The same for a %s: the text lasts until the end of the full expression
 * (C11 6.2.4p8), as size_str's in strbuf.h. */
struct guid_str {
	char s[GUID_STRING_LEN + 1];
};
/*@ requires \valid_read(g->b + (0 .. 15));
    assigns \nothing;
    exits \false; */
struct guid_str guid_str(const struct gpt_guid *g);
/* Short human name of a partition type ("Windows RE"), or NULL. */
/*@ requires \valid_read(type->b + (0 .. 15));
    assigns \nothing;
    exits \false; */
const char *gpt_type_name(const struct gpt_guid *type);

#endif
