// SPDX-License-Identifier: MIT
/* One disk from start to finish, shared by the UEFI application and the
 * host tool so both decide and print exactly the same. */
#include "gptrim.h"

#include "gpt_internal.h"

enum gptrim_exit gptrim_exit_worst(enum gptrim_exit a, enum gptrim_exit b)
{
	return a > b ? a : b;
}

static enum gpt_repair repair_of(const struct gptrim_options *o)
{
	return o->repair ? GPT_REPAIR_ALLOW : GPT_REPAIR_NONE;
}

/* The disk's exit status and the status it ends with (the reason, when
 * there is one, is already in res->why). */
static void set_outcome(struct disk_outcome *res, enum gptrim_exit code,
			enum gpt_status st)
{
	res->exit = code;
	res->status = st;
}

enum gptrim_exit gptrim_exit_for_status(enum gpt_status st)
{
	switch (st) {
	case GPT_OK: return GPTRIM_EXIT_OK;
	case GPT_E_NOT_GPT: return GPTRIM_EXIT_NOT_GPT;
	case GPT_E_ARG: return GPTRIM_EXIT_USAGE;
	case GPT_E_DAMAGED:
	case GPT_E_MISMATCH:
	case GPT_E_LIMIT:
	case GPT_E_UNSUPPORTED: return GPTRIM_EXIT_REFUSED;
	case GPT_E_IO:
	case GPT_E_NOMEM:
	case GPT_E_VERIFY: return GPTRIM_EXIT_IO;
	}
	return GPTRIM_EXIT_IO;
}

/* What a backup of the table on the disk must be: one that restores it,
 * or, before a --restore, a damaged table's as read (see check_encoded). */
enum backup_need {
	BACKUP_RESTORES,
	BACKUP_AS_READ_IF_DAMAGED,
};

/* Is the backup just encoded one that restores the table? Decoded before
 * it leaves the core: a file that would not restore the table is no
 * backup (exit 5, nothing written). One exception: a --restore over a
 * damaged table whose bad copy cannot be rebuilt keeps the table as read
 * (gpt_backup_encode), which need not decode; it is saved all the same,
 * with a warning, so that the restore is not blocked by what it repairs. */
static enum gpt_status check_encoded(const struct gpt_table *t,
				     const uint8_t *buf, size_t len,
				     enum backup_need need,
				     const struct report_sink *out,
				     struct gpt_reason *why)
{
	struct gpt_reason v;
	bool sound = t->primary.valid && t->backup.valid && t->copies_agree;

	if (gpt_backup_verify(t, buf, len, &v) == GPT_OK)
		return GPT_OK;
	if (need == BACKUP_AS_READ_IF_DAMAGED && !sound) {
		report_line(out, REPORT_WARN, "  The table replaced is damaged; "
			    "its backup keeps it as read and will not "
			    "restore: %s", v.text);
		return GPT_OK;
	}
	*why = v;
	return v.status;
}

/* Save the current GPT through the front end before the first write. */
static enum gpt_status save_backup(const struct gpt_table *t,
				   const struct gptrim_env *env,
				   enum backup_need need, struct gpt_reason *why)
{
	size_t len = gpt_backup_size(t), got = 0;
	uint8_t *buf = bdev_alloc(t->dev, len);
	enum gpt_status st;

	if (!buf)
		return gpt_fail(why, GPT_E_NOMEM, "no memory for the backup");
	st = gpt_backup_encode(t, buf, len, &got, why);
	if (st == GPT_OK)
		st = check_encoded(t, buf, got, need, env->out, why);
	if (st == GPT_OK)
		st = env->save_backup(env->ctx,
				      &GPT_HDR(gpt_good_copy(t)->header)->disk_guid,
				      buf, got, why);
	bdev_free(t->dev, buf, len);
	return st;
}

/* Keep the table on the disk before the first write to it. no_place:
 * the reason when the front end has nowhere to save it. On failure the
 * reason is reported and the disk's outcome is exit 5 (nothing written). */
static bool keep_table(const struct gpt_table *t, const struct gptrim_env *env,
		       enum backup_need need, const char *no_place,
		       struct disk_outcome *res)
{
	enum gpt_status st;

	if (!env->save_backup)
		st = gpt_fail(&res->why, GPT_E_IO, "%s", no_place);
	else
		st = save_backup(t, env, need, &res->why);
	if (st == GPT_OK)
		return true;
	report_line(env->out, REPORT_ERROR,
		    "  Backup failed, disk not changed: %s", res->why.text);
	set_outcome(res, GPTRIM_EXIT_BACKUP, st);
	return false;
}

static void record_health(const struct gpt_table *t, struct disk_outcome *res)
{
	const struct gpt_copy *good = gpt_good_copy(t);

	res->healthy = t->primary.valid && t->backup.valid &&
		       t->copies_agree && t->entries_ok;
	if (good)
		res->disk_guid = GPT_HDR(good->header)->disk_guid;
}

static void apply(struct gpt_table *t, const struct gpt_plan *plan,
		  const struct gptrim_options *o, const struct gptrim_env *env,
		  struct disk_outcome *res)
{
	const struct report_sink *out = env->out;
	enum gpt_status st = gpt_check_commit(t, plan, repair_of(o),
					      &res->why);

	if (st != GPT_OK) {
		report_line(out, REPORT_ERROR, "  Refused: %s", res->why.text);
		set_outcome(res, gptrim_exit_for_status(st), st);
		return;
	}
	if (!o->no_backup &&
	    !keep_table(t, env, BACKUP_RESTORES, "no place to save the "
			"backup; use --no-backup to change the disk anyway",
			res))
		return;
	st = gpt_commit_removals(t, plan, repair_of(o), &res->commit,
				 &res->why);
	if (st != GPT_OK) {
		report_line(out, REPORT_ERROR, "  Commit failed: %s",
			    res->why.text);
		set_outcome(res, gptrim_exit_for_status(st), st);
		return;
	}
	res->removed = res->commit.removed;
	gpt_report_commit(&res->commit, out);
	record_health(t, res);
	set_outcome(res, res->healthy ? GPTRIM_EXIT_OK : GPTRIM_EXIT_IO, st);
}

void gptrim_run_disk(struct blockdev *dev, const char *name,
		     const struct gptrim_options *o,
		     enum gptrim_disk_choice choice,
		     const struct gptrim_env *env, struct disk_outcome *res)
{
	struct gpt_table t;
	struct gpt_plan plan = { 0 };
	size_t ntypes;
	const struct gpt_guid *types = options_types(o, &ntypes);
	enum gpt_status st;

	if (o->undo) {
		gptrim_undo_disk(dev, name, o, choice, env, res);
		return;
	}
	mem_zero(res, sizeof(*res));
	res->report_only = !o->apply;
	st = gpt_load(dev, &t, &res->why);
	if (st != GPT_OK) {
		report_line(env->out, REPORT_ERROR, "Disk %s: %s", name,
			    res->why.text);
		set_outcome(res, gptrim_exit_for_status(st), st);
		goto out;
	}
	st = gpt_check_table(&t, repair_of(o), &res->why);
	res->is_gpt = st != GPT_E_NOT_GPT;
	if (st == GPT_OK)
		st = gpt_plan_removals(&t, types, ntypes, &plan, &res->why);
	/* A change that could not be undone is refused before it is made,
	 * in a report too: --apply would refuse it. */
	if (st == GPT_OK && !o->no_backup && gpt_commit_needed(&t, &plan))
		st = gpt_check_backup(&t, &res->why);
	gpt_report_table(&t, name, st == GPT_OK ? &plan : NULL, env->out);
	record_health(&t, res);
	res->planned = plan.count;
	if (st == GPT_E_NOT_GPT && choice != GPTRIM_DISK_NAMED) {
		report_line(env->out, REPORT_INFO, "  %s: skipped",
			    res->why.text);
		set_outcome(res, GPTRIM_EXIT_OK, st);
	} else if (st != GPT_OK) {
		report_line(env->out, REPORT_ERROR, "  Refused: %s",
			    res->why.text);
		set_outcome(res, gptrim_exit_for_status(st), st);
	} else if (plan.count == 0 && res->healthy) {
		report_line(env->out, REPORT_INFO, "  Nothing to remove");
		set_outcome(res, GPTRIM_EXIT_OK, st);
	} else if (!o->apply) {
		report_line(env->out, REPORT_NOTE,
			    "  Report only: --apply would remove %u entr%s%s",
			    plan.count, plan.count == 1 ? "y" : "ies",
			    res->healthy ? "" : " and repair the table");
		set_outcome(res, GPTRIM_EXIT_PENDING, st);
	} else {
		apply(&t, &plan, o, env, res);
	}
out:
	gpt_table_release(&t);
}

void gptrim_restore_disk(struct blockdev *dev, const char *name,
			 const uint8_t *data, size_t len,
			 const struct gptrim_env *env,
			 struct disk_outcome *res)
{
	struct gpt_table t;
	struct gpt_backup b;
	enum gpt_status st;

	mem_zero(res, sizeof(*res));
	st = gpt_load(dev, &t, &res->why);
	if (st == GPT_OK)
		st = gpt_backup_decode(data, len, &b, &res->why);
	if (st == GPT_OK)
		st = gpt_check_restore(&t, &b, &res->why);
	/* Keep what is on the disk now, if there is a table to keep: a
	 * backup that fails is exit 5 with nothing written, as for a
	 * removal. */
	if (st == GPT_OK && env->save_backup && gpt_good_copy(&t) &&
	    !keep_table(&t, env, BACKUP_AS_READ_IF_DAMAGED, "", res))
		goto out;
	if (st == GPT_OK)
		st = gpt_restore(&t, &b, &res->commit, &res->why);
	if (st != GPT_OK) {
		report_line(env->out, REPORT_ERROR, "Disk %s: restore refused: %s",
			    name, res->why.text);
		set_outcome(res, gptrim_exit_for_status(st), st);
		goto out;
	}
	res->is_gpt = true;
	res->restored = true;
	record_health(&t, res);
	gpt_report_table(&t, name, NULL, env->out);
	report_line(env->out, REPORT_NOTE, "  Restored the GPT from the backup");
	gpt_report_commit(&res->commit, env->out);
	set_outcome(res, res->healthy ? GPTRIM_EXIT_OK : GPTRIM_EXIT_IO, st);
out:
	gpt_table_release(&t);
}

/* The newest backup of the disk, decoded and judged against the table:
 * GPT_OK with *k entries to put back. */
static enum gpt_status undo_judge(const struct gpt_table *t,
				  const uint8_t *data, size_t len,
				  struct gpt_backup *b, uint32_t *k,
				  struct gpt_reason *why)
{
	enum gpt_status st = gpt_backup_decode(data, len, b, why);

	if (st == GPT_OK)
		st = gpt_check_undo(t, b, k, why);
	if (st == GPT_OK)
		st = gpt_check_restore(t, b, why);
	return st;
}

/* Keep the table the undo replaces, then write the backup's. */
static void undo_apply(struct gpt_table *t, const struct gpt_backup *b,
		       const char *name, const struct gptrim_env *env,
		       struct disk_outcome *res)
{
	const struct report_sink *out = env->out;
	enum gpt_status st;

	if (!keep_table(t, env, BACKUP_RESTORES, "no place to save the table "
			"the undo replaces", res))
		return;
	st = gpt_restore(t, b, &res->commit, &res->why);
	if (st != GPT_OK) {
		report_line(out, REPORT_ERROR, "  Undo failed: %s",
			    res->why.text);
		set_outcome(res, gptrim_exit_for_status(st), st);
		return;
	}
	res->restored = true;
	record_health(t, res);
	gpt_report_table(t, name, NULL, out);
	report_line(out, REPORT_NOTE, "  Undone: put back %u entr%s from the "
		    "newest backup", res->undo_entries,
		    res->undo_entries == 1 ? "y" : "ies");
	gpt_report_commit(&res->commit, out);
	set_outcome(res, res->healthy ? GPTRIM_EXIT_OK : GPTRIM_EXIT_IO, st);
}

void gptrim_undo_disk(struct blockdev *dev, const char *name,
		      const struct gptrim_options *o,
		      enum gptrim_disk_choice choice,
		      const struct gptrim_env *env, struct disk_outcome *res)
{
	const struct report_sink *out = env->out;
	struct gpt_table t;
	struct gpt_backup b;
	uint8_t *data = NULL;
	size_t len = 0;
	enum gpt_status st;

	mem_zero(res, sizeof(*res));
	res->undo = true;
	res->report_only = !o->apply;
	st = gpt_load(dev, &t, &res->why);
	if (st != GPT_OK) {
		report_line(out, REPORT_ERROR, "Disk %s: %s", name,
			    res->why.text);
		set_outcome(res, gptrim_exit_for_status(st), st);
		goto out;
	}
	st = gpt_check_table(&t, GPT_REPAIR_NONE, &res->why);
	res->is_gpt = st != GPT_E_NOT_GPT;
	record_health(&t, res);
	gpt_report_table(&t, name, NULL, out);
	/* A sound table is the undo check's to judge, with its words. */
	if (gpt_good_copy(&t))
		st = GPT_OK;
	if (st == GPT_OK && !env->load_backup)
		st = gpt_fail(&res->why, GPT_E_UNSUPPORTED, "this front end "
			      "cannot look for backups");
	else if (st == GPT_OK)
		st = env->load_backup(env->ctx, &res->disk_guid, &data, &len,
				      &res->why);
	if ((st == GPT_E_NOT_GPT || (st == GPT_E_MISMATCH && !data)) &&
	    choice != GPTRIM_DISK_NAMED) {
		report_line(out, REPORT_INFO, "  %s: skipped", res->why.text);
		set_outcome(res, GPTRIM_EXIT_OK, st);
		goto out;
	}
	if (st == GPT_OK)
		st = undo_judge(&t, data, len, &b, &res->undo_entries,
				&res->why);
	if (st != GPT_OK) {
		report_line(out, REPORT_ERROR, "  Undo refused: %s",
			    res->why.text);
		set_outcome(res, gptrim_exit_for_status(st), st);
	} else if (!o->apply) {
		report_line(out, REPORT_NOTE, "  Report only: --apply --undo "
			    "would put back %u entr%s", res->undo_entries,
			    res->undo_entries == 1 ? "y" : "ies");
		set_outcome(res, GPTRIM_EXIT_PENDING, st);
	} else {
		undo_apply(&t, &b, name, env, res);
	}
out:
	if (data)
		env->free_backup(env->ctx, data, len);
	gpt_table_release(&t);
}

void gptrim_summary_line(const struct disk_outcome *res, uint32_t number,
			 const char *name, char *out, size_t cap)
{
	struct strbuf sb;

	sb_init(&sb, out, cap);
	sb_printf(&sb, "gptrim: disk %u %s: ", number, name);
	if (res->exit == GPTRIM_EXIT_OK && !res->is_gpt)
		sb_puts(&sb, "no GPT, skipped");
	else if (res->exit == GPTRIM_EXIT_OK && res->undo && res->restored)
		sb_printf(&sb, "undone: restored %u entr%s, healthy",
			  res->undo_entries,
			  res->undo_entries == 1 ? "y" : "ies");
	else if (res->exit == GPTRIM_EXIT_OK && res->undo)
		sb_printf(&sb, "skipped: %s", res->why.text);
	else if (res->exit == GPTRIM_EXIT_OK && res->restored)
		sb_puts(&sb, "restored, healthy");
	else if (res->exit == GPTRIM_EXIT_OK && res->report_only)
		sb_puts(&sb, "nothing to remove, healthy");
	else if (res->exit == GPTRIM_EXIT_OK)
		sb_printf(&sb, "removed %u, healthy", res->removed);
	else if (res->exit == GPTRIM_EXIT_PENDING && res->undo)
		sb_printf(&sb, "would restore %u (report only)",
			  res->undo_entries);
	else if (res->exit == GPTRIM_EXIT_PENDING)
		sb_printf(&sb, "would remove %u (report only)", res->planned);
	else if (res->exit == GPTRIM_EXIT_NOT_GPT)
		sb_printf(&sb, "not GPT: %s", res->why.text);
	else if (res->exit == GPTRIM_EXIT_REFUSED)
		sb_printf(&sb, "refused: %s", res->why.text);
	else if (res->exit == GPTRIM_EXIT_BACKUP)
		sb_printf(&sb, "not changed, backup failed: %s", res->why.text);
	else
		sb_printf(&sb, "error: %s", res->why.text);
}
