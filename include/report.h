/* SPDX-License-Identifier: MIT */
/* The report model: lines of at most 79 columns with a level, handed to a
 * sink that the front end provides (console with colours, stdout). */
#ifndef GPTRIM_REPORT_H
#define GPTRIM_REPORT_H

#include <stdbool.h>

#include "gpt.h"

enum report_level {
	REPORT_INFO,
	REPORT_NOTE,  /* something changed or will change */
	REPORT_WARN,  /* suspicious but not refused (hybrid MBR, grown disk) */
	REPORT_ERROR, /* refused or failed */
};

struct report_sink {
	void (*line)(void *ctx, enum report_level level, const char *text);
	void *ctx;
};

#define REPORT_LINE_MAX 160

/* The sink changes nothing the core reads (tests/proof/). */
/*@ assigns \nothing; */
void report_line(const struct report_sink *out, enum report_level level,
		 const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The disk, both copies' health, the entries and the planned removals
 * (plan may be NULL). */
/*@ requires gpt_table_readable(t);
    assigns \nothing; */
void gpt_report_table(const struct gpt_table *t, const char *disk_name,
		      const struct gpt_plan *plan,
		      const struct report_sink *out);
/* What a commit did: removals, rebuilt copies, a moved backup, blocks. */
void gpt_report_commit(const struct gpt_commit_result *r,
		       const struct report_sink *out);
/*@ assigns \nothing; */
const char *mbr_kind_name(enum mbr_kind kind);

#endif
