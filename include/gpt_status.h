/* SPDX-License-Identifier: MIT */
/* Status values and the reason text that travels unchanged from the core to
 * both front ends, so the firmware console and the host tool print the same
 * words. */
#ifndef GPTRIM_GPT_STATUS_H
#define GPTRIM_GPT_STATUS_H

#include <stdarg.h>
#include <stddef.h>

enum gpt_status {
	GPT_OK = 0,
	GPT_E_IO,          /* a read, write or flush failed */
	GPT_E_NOMEM,       /* an allocation failed */
	GPT_E_NOT_GPT,     /* no GPT signature at either location */
	GPT_E_DAMAGED,     /* a check failed: refused, nothing written */
	GPT_E_MISMATCH,    /* backup file does not belong to this disk */
	GPT_E_VERIFY,      /* read-back after a commit did not match */
	GPT_E_LIMIT,       /* a size exceeds what we accept */
	GPT_E_ARG,         /* bad argument or option */
	GPT_E_UNSUPPORTED, /* e.g. a block size we do not handle */
};

#define GPT_REASON_MAX 256

/* Why an operation failed (or what it noticed): a status and a sentence that
 * names the check and the values involved. */
struct gpt_reason {
	enum gpt_status status;
	char text[GPT_REASON_MAX];
};

/* Set r (if not NULL) to status and a formatted text; returns status so a
 * caller can write `return gpt_fail(r, GPT_E_DAMAGED, "...", ...)`.
 * Formats: see strbuf.h. */
/*@ assigns *r;
    exits \false;
    ensures \result == status; */
enum gpt_status gpt_fail(struct gpt_reason *r, enum gpt_status status,
			 const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/*@ assigns *r; exits \false; */
void gpt_reason_clear(struct gpt_reason *r);
const char *gpt_status_name(enum gpt_status status);

#endif
