// SPDX-License-Identifier: MIT
/* Reasons: a status and a sentence naming the failed check. */
#include "gpt_status.h"
#include "strbuf.h"

enum gpt_status gpt_fail(struct gpt_reason *r, enum gpt_status status,
			 const char *fmt, ...)
{
	struct strbuf sb;
	va_list ap;

	if (!r)
		return status;
	r->status = status;
	sb_init(&sb, r->text, sizeof(r->text));
	va_start(ap, fmt);
	sb_vprintf(&sb, fmt, ap);
	va_end(ap);
	return status;
}

void gpt_reason_clear(struct gpt_reason *r)
{
	if (!r)
		return;
	r->status = GPT_OK;
	r->text[0] = '\0';
}

const char *gpt_status_name(enum gpt_status status)
{
	switch (status) {
	case GPT_OK: return "ok";
	case GPT_E_IO: return "I/O error";
	case GPT_E_NOMEM: return "out of memory";
	case GPT_E_NOT_GPT: return "not a GPT disk";
	case GPT_E_DAMAGED: return "damaged table refused";
	case GPT_E_MISMATCH: return "backup does not match disk";
	case GPT_E_VERIFY: return "read-back mismatch";
	case GPT_E_LIMIT: return "limit exceeded";
	case GPT_E_ARG: return "bad argument";
	case GPT_E_UNSUPPORTED: return "unsupported";
	}
	return "unknown status";
}
