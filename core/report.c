// SPDX-License-Identifier: MIT
/* The per-disk report: geometry, health of each copy, the entries and the
 * planned removals, in lines that fit an 80-column firmware console. */
#include "report.h"

#include "guid.h"
#include "strbuf.h"
#include "utf.h"

#define REPORT_COLUMNS 79

/* Does byte c start a character (count it as a column)? */
static bool starts_column(char c)
{
	return ((uint8_t)c & 0xC0) != 0x80;
}

/* Hand text to the sink in lines of at most 79 columns, broken at spaces;
 * continuation lines are indented 4 more than the first. A word is never
 * cut (an LBA, a GUID, a path stays whole for grep): one longer than the
 * room gets a line of its own, longer than 79 columns. Warnings and
 * errors say so in words after the indentation, so they stand out on a
 * serial console without colour; the sink may add colour only. Every
 * position is an index into tagged below its length (no pointer that
 * moves while a length shrinks), which Frama-C Eva can bound. */
static void report_emit(const struct report_sink *out, enum report_level level,
			const char *text)
{
	static const char *const tag[] = {
		[REPORT_INFO] = "", [REPORT_NOTE] = "",
		[REPORT_WARN] = "warning: ", [REPORT_ERROR] = "error: ",
	};
	char tagged[2 * GPT_REASON_MAX], line[2 * GPT_REASON_MAX + 16];
	size_t indent = 0, len, at = 0;
	struct strbuf sb;

	while (text[indent] == ' ' && indent < 8)
		indent++;
	sb_init(&sb, tagged, sizeof(tagged));
	for (size_t i = 0; i < indent; i++)
		sb_putc(&sb, ' ');
	sb_puts(&sb, tag[level]);
	sb_puts(&sb, text + indent);
	/* sb keeps len below its capacity; said again so that the bound is
	 * visible to the proof (tests/proof/). */
	len = sb.len < sizeof(tagged) ? sb.len : sizeof(tagged) - 1;
	for (bool first = true; at < len; first = false) {
		size_t pad = first ? 0 : indent + 4, end = at, brk = 0, cols = 0;
		size_t room = REPORT_COLUMNS - pad;

		/* Take characters while they fit: tagged[at .. end - 1]. */
		while (end < len && pad + (end - at) + 1 < sizeof(line)) {
			size_t c = cols + starts_column(tagged[end]);

			if (c > room)
				break;
			cols = c;
			if (tagged[end++] == ' ')
				brk = end;
		}
		if (end < len && brk > at + (first ? indent : 0))
			end = brk;
		else
			while (end < len && tagged[end] != ' ' &&
			       pad + (end - at) + 1 < sizeof(line))
				end++;
		sb_init(&sb, line, sizeof(line));
		sb_pad_to(&sb, pad);
		for (size_t i = at; i < end; i++)
			sb_putc(&sb, tagged[i]);
		out->line(out->ctx, level, line);
		at = end;
		while (at < len && tagged[at] == ' ')
			at++;
	}
}

void report_line(const struct report_sink *out, enum report_level level,
		 const char *fmt, ...)
{
	char text[2 * GPT_REASON_MAX];
	struct strbuf sb;
	va_list ap;

	sb_init(&sb, text, sizeof(text));
	va_start(ap, fmt);
	sb_vprintf(&sb, fmt, ap);
	va_end(ap);
	report_emit(out, level, text);
}

const char *mbr_kind_name(enum mbr_kind kind)
{
	switch (kind) {
	case MBR_NONE: return "none";
	case MBR_PROTECTIVE: return "protective";
	case MBR_HYBRID: return "hybrid";
	case MBR_ONLY: return "MBR only, no 0xEE record";
	}
	return "?";
}

/*@ assigns \nothing; */
static void report_copy(const struct gpt_copy *c, const char *name,
			const struct report_sink *out)
{
	if (c->valid)
		report_line(out, REPORT_INFO,
			    "  %s GPT: LBA %llu, entries at LBA %llu, %u x %u "
			    "bytes: valid", name, (unsigned long long)c->lba,
			    (unsigned long long)c->array_lba, c->num_entries,
			    c->entry_size);
	else
		report_line(out, REPORT_ERROR, "  %s GPT at LBA %llu: %s: %s",
			    name, (unsigned long long)c->lba,
			    c->present ? "BAD" : "missing", c->why.text);
}

/*@ assigns \nothing; */
static bool planned(const struct gpt_plan *plan, uint32_t index)
{
	for (uint32_t k = 0; plan && k < plan->count; k++)
		if (plan->index[k] == index)
			return true;
	return false;
}

/*@ requires gpt_entry_readable(e);
    assigns \nothing; */
static void report_entry(const struct gpt_table *t, uint32_t i,
			 const struct gpt_entry *e, bool remove,
			 const struct report_sink *out)
{
	uint64_t first = le64(&e->starting_lba), last = le64(&e->ending_lba);
	uint64_t attributes = le64(&e->attributes);
	uint64_t bytes = (last >= first ? last - first + 1 : 0) *
			 (uint64_t)t->dev->block_size;
	const char *type = gpt_type_name(&e->type_guid);
	/* A named object, not a temporary in one arm of ?: whose lifetime
	 * (C11 6.2.4p8) Frama-C's front end ends with that arm. */
	struct guid_str type_guid = guid_str(&e->type_guid);
	/* A BMP character is at most 3 bytes of UTF-8, a pair 4. */
	char name[GPT_NAME_UNITS * 3 + 1];
	char line[REPORT_LINE_MAX];
	struct strbuf sb;

	/* Every read of the entry comes first, before the line builders
	 * (which change nothing it holds, but have no contract that says
	 * so to WP; tests/proof/). */
	utf16le_to_utf8(e->name, GPT_NAME_UNITS, name, sizeof(name),
			UTF16_CONTROLS_AS_QMARK);
	sb_init(&sb, line, sizeof(line));
	sb_printf(&sb, "%4u %13llu %13llu %11s  %s", i + 1,
		  (unsigned long long)first, (unsigned long long)last,
		  size_str(bytes).s, type ? type : type_guid.s);
	if (remove)
		sb_puts(&sb, "  <- remove");
	report_emit(out, remove ? REPORT_NOTE : REPORT_INFO, line);

	/* Second line only when there is a name or an attribute to show. */
	sb_init(&sb, line, sizeof(line));
	sb_puts(&sb, "       ");
	if (name[0])
		sb_printf(&sb, " name \"%s\"", name);
	if (attributes)
		sb_printf(&sb, " attributes 0x%016llx",
			  (unsigned long long)attributes);
	if (sb.len > 7)
		report_emit(out, REPORT_INFO, line);
}

/* A hybrid MBR record that still maps a partition being removed keeps it
 * visible to MBR-only tools; the MBR is never rewritten silently. */
/*@ assigns \nothing; */
static void report_records_mapping(const struct mbr *m, uint64_t first,
				   uint64_t last, uint32_t index,
				   const struct report_sink *out)
{
	for (int i = 0; i < 4; i++) {
		const struct mbr_record *r = &m->record[i];
		uint64_t s = le32(&r->starting_lba);
		uint64_t n = le32(&r->size_in_lba);

		if (r->os_type == 0 || r->os_type == MBR_TYPE_GPT_PROTECTIVE ||
		    n == 0 || !ranges_overlap(s, s + n - 1, first, last))
			continue;
		report_line(out, REPORT_WARN,
			    "  hybrid MBR record %d (type 0x%02x) still "
			    "maps entry %u; the MBR is left as it is",
			    i + 1, r->os_type, index + 1);
	}
}

/*@ requires gpt_table_readable(t);
    assigns \nothing; */
static void report_hybrid_overlaps(const struct gpt_table *t,
				   const struct gpt_plan *plan,
				   const struct report_sink *out)
{
	const struct mbr *m = (const struct mbr *)(const void *)t->mbr;

	/* m is set whenever the table is loaded; tested all the same, as
	 * Frama-C Eva does not relate it to mbr_kind (tests/proof/). */
	/*@ loop assigns k; */
	for (uint32_t k = 0; m && plan && k < plan->count; k++) {
		const struct gpt_entry *e = gpt_entry_at(t, plan->index[k]);

		if (!e) /* a plan of another table */
			continue;
		report_records_mapping(m, le64(&e->starting_lba),
				       le64(&e->ending_lba), plan->index[k],
				       out);
	}
}

/*@ requires gpt_table_readable(t);
    assigns \nothing; */
static void report_entries(const struct gpt_table *t,
			   const struct gpt_plan *plan,
			   const struct report_sink *out)
{
	const struct gpt_copy *c = gpt_good_copy(t);
	uint32_t used = 0;

	report_line(out, REPORT_INFO, "%4s %13s %13s %11s  %s", "#",
		    "First LBA", "Last LBA", "Size", "Type");
	/*@ loop assigns i, used; */
	for (uint32_t i = 0; c && i < c->num_entries; i++) {
		const struct gpt_entry *e = gpt_entry_at(t, i);

		if (!e || !gpt_entry_used(e))
			continue;
		used++;
		report_entry(t, i, e, planned(plan, i), out);
	}
	if (!used)
		report_line(out, REPORT_INFO, "  (no partitions)");
}

/* The disk, its MBR and the health of both copies. Its own function, that
 * assigns nothing, so that WP carries what gpt_report_table requires past
 * all these lines in one step (tests/proof/). */
/*@ requires gpt_table_readable(t);
    assigns \nothing; */
static void report_disk(const struct gpt_table *t, const char *disk_name,
			const struct gpt_plan *plan,
			const struct report_sink *out)
{
	const struct gpt_copy *good = gpt_good_copy(t);
	uint64_t blocks = t->dev->last_lba + 1;

	report_line(out, REPORT_INFO, "Disk %s", disk_name);
	report_line(out, REPORT_INFO, "  %s, %llu sectors of %u bytes",
		    size_str(blocks * t->dev->block_size).s, (unsigned long long)blocks,
		    t->dev->block_size);
	report_line(out, t->mbr_kind == MBR_PROTECTIVE ? REPORT_INFO :
							  REPORT_WARN,
		    "  MBR: %s", mbr_kind_name(t->mbr_kind));
	if (t->mbr_kind == MBR_HYBRID)
		report_line(out, REPORT_WARN, "  %s", t->mbr_why.text);
	if (!t->primary.present && !t->backup.present)
		return;
	/* A valid copy has its header; tested, as Eva does not relate the
	 * two (tests/proof/). */
	if (good && good->header)
		report_line(out, REPORT_INFO, "  Disk GUID %s",
			    guid_str(&GPT_HDR(good->header)->disk_guid).s);
	report_copy(&t->primary, "Primary", out);
	report_copy(&t->backup, "Backup", out);
	if (t->split_by_removal)
		report_line(out, REPORT_WARN,
			    "  %s, removed in one copy only (a removal cut "
			    "short?)", t->disagree.text);
	else if (t->primary.valid && t->backup.valid && !t->copies_agree)
		report_line(out, REPORT_ERROR, "  %s", t->disagree.text);
	/* Moved only by a write: say whether there will be one. */
	if (t->backup_misplaced)
		report_line(out, REPORT_WARN,
			    "  Backup GPT at LBA %llu, not at the last LBA %llu "
			    "(grown disk)%s", (unsigned long long)t->backup.lba,
			    (unsigned long long)t->dev->last_lba,
			    !plan ? "" : gpt_commit_needed(t, plan) ?
			    ": the change moves it to the end" :
			    "; nothing to change, so it stays there");
}

void gpt_report_table(const struct gpt_table *t, const char *disk_name,
		      const struct gpt_plan *plan,
		      const struct report_sink *out)
{
	report_disk(t, disk_name, plan, out);
	if (!gpt_good_copy(t))
		return;
	if (!t->entries_ok && t->entries_why.text[0])
		report_line(out, REPORT_ERROR, "  %s", t->entries_why.text);
	report_entries(t, plan, out);
	if (t->mbr_kind == MBR_HYBRID)
		report_hybrid_overlaps(t, plan, out);
}

void gpt_report_commit(const struct gpt_commit_result *r,
		       const struct report_sink *out)
{
	if (r->rebuilt_primary)
		report_line(out, REPORT_NOTE,
			    "  Rebuilt the primary GPT from the backup");
	if (r->rebuilt_backup)
		report_line(out, REPORT_NOTE,
			    "  Rebuilt the backup GPT from the primary");
	if (r->backup_moved)
		report_line(out, REPORT_NOTE,
			    "  Moved the backup GPT from LBA %llu to %llu; "
			    "LastUsableLBA %llu -> %llu",
			    (unsigned long long)r->old_backup_lba,
			    (unsigned long long)r->new_backup_lba,
			    (unsigned long long)r->old_last_usable,
			    (unsigned long long)r->new_last_usable);
	if (r->stale_erased)
		report_line(out, REPORT_NOTE,
			    "  Erased the replaced backup GPT at LBA %llu",
			    (unsigned long long)r->stale_lba);
	if (r->removed)
		report_line(out, REPORT_NOTE, "  Removed %u entr%s", r->removed,
			    r->removed == 1 ? "y" : "ies");
	report_line(out, REPORT_INFO,
		    "  Wrote %u block(s) in %u write(s), %u flush(es); "
		    "read back and verified", r->blocks_written,
		    r->write_calls, r->flushes);
}
