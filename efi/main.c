/* SPDX-License-Identifier: MIT */
/* gptrim.efi: remove Windows RE entries from every GPT disk of the machine,
 * from the firmware, before Windows starts. The flow: banner, options
 * (shell or gptrim.cfg), connect every controller, find the disks, run
 * each through the core (or ask first, in interactive mode), then exit,
 * power off or reboot. */
#include "gptrim-efi.h"
#include "strbuf.h"
#include "version.h"

#define ANSWER_SECONDS 30

static void print_text(const char *text)
{
	char line[REPORT_LINE_MAX];

	while (*text) {
		size_t n = 0;

		while (text[n] && text[n] != '\n' && n + 1 < sizeof(line)) {
			line[n] = text[n];
			n++;
		}
		line[n] = '\0';
		con_line(REPORT_INFO, "%s", line);
		text += n;
		if (*text == '\n')
			text++;
	}
}

struct run {
	struct efi_disk *disks;
	UINTN count;
	struct disk_outcome *res; /* one per disk */
};

/* Every selected disk, whatever an earlier one did. only_pending: the
 * second, writing pass of interactive mode. */
static enum gptrim_exit run_all(struct run *r, const struct gptrim_options *o,
				bool only_pending)
{
	enum gptrim_exit worst = GPTRIM_EXIT_OK;

	for (UINTN i = 0; i < r->count; i++) {
		struct efi_disk *d = &r->disks[i];

		if (!options_disk_selected(o, d->number))
			continue;
		if (!only_pending || r->res[i].exit == GPTRIM_EXIT_PENDING)
			efi_run_disk(d, o, NULL, 0, &r->res[i]);
		worst = gptrim_exit_worst(worst, r->res[i].exit);
	}
	return worst;
}

/* No options: report, ask, and only then write. */
static enum gptrim_exit interactive(struct run *r, struct gptrim_options *o)
{
	enum gptrim_exit worst;
	uint32_t entries = 0, disks = 0;
	char question[REPORT_LINE_MAX];
	struct strbuf sb;

	o->apply = false;
	worst = run_all(r, o, false);
	for (UINTN i = 0; i < r->count; i++) {
		if (r->res[i].exit != GPTRIM_EXIT_PENDING)
			continue;
		entries += r->res[i].planned;
		disks++;
	}
	con_line(REPORT_INFO, "%s", "");
	if (disks == 0) {
		con_line(REPORT_INFO, "Nothing to remove.");
		return worst;
	}
	sb_init(&sb, question, sizeof(question));
	sb_printf(&sb, "Remove %u recovery partition(s) on %u disk(s)?",
		  entries, disks);
	if (!ask_yes_no(question, ANSWER_SECONDS)) {
		con_line(REPORT_INFO, "Nothing written.");
		return worst;
	}
	o->apply = true;
	return run_all(r, o, true);
}

static enum gptrim_exit restore(EFI_HANDLE image, struct run *r,
				const struct gptrim_options *o)
{
	struct efi_disk *d = &r->disks[o->disks[0] - 1];
	uint8_t *data = NULL;
	size_t len = 0;
	EFI_STATUS err;

	/* options_parse allows --restore with exactly one --disk. */
	err = file_read_arg(image, o->restore_file, GPT_BACKUP_MAX_BYTES, &data,
			    &len);
	if (err == EFI_NOT_FOUND) /* a path on the disk's own ESP */
		err = esp_read_file(d, o->restore_file, GPT_BACKUP_MAX_BYTES,
				    &data, &len);
	if (err != EFI_SUCCESS) {
		con_line(REPORT_ERROR, "reading %s: %s", o->restore_file,
			 efi_status_text(err));
		/* As the host tool: a file that is not there is a mistake on
		 * the command line; one too large is no backup of ours. */
		if (err == EFI_NOT_FOUND)
			return GPTRIM_EXIT_USAGE;
		return err == EFI_BAD_BUFFER_SIZE ? GPTRIM_EXIT_REFUSED :
						    GPTRIM_EXIT_IO;
	}
	efi_run_disk(d, o, data, len, &r->res[0]);
	efi_free(data);
	return r->res[0].exit;
}

/* A run in which no selected disk has a GPT found nothing to fix and
 * nothing to check: exit 3 with the likely causes, not "healthy". Only
 * disks that could be read count: one whose read failed has its own
 * error (exit 6), and may well hold the GPT. */
static enum gptrim_exit gpt_somewhere(const struct run *r,
				      const struct gptrim_options *o,
				      enum gptrim_exit code)
{
	uint32_t looked = 0, unread = 0;
	char counts[48];
	struct strbuf sb;

	for (UINTN i = 0; i < r->count; i++) {
		if (!options_disk_selected(o, r->disks[i].number))
			continue;
		if (r->res[i].is_gpt)
			return code;
		if (r->res[i].exit >= GPTRIM_EXIT_IO)
			unread++;
		else
			looked++;
	}
	if (looked == 0)
		return code;
	sb_init(&sb, counts, sizeof(counts));
	sb_printf(&sb, "%u looked at", looked);
	if (unread)
		sb_printf(&sb, ", %u unreadable", unread);
	con_line(REPORT_INFO, "%s", "");
	report_line(&console_sink, REPORT_ERROR, "no disk %shas a GPT (%s): is "
		    "the Windows disk on a controller this firmware has no "
		    "driver for, or is Windows installed for BIOS (MBR)?",
		    unread ? "that could be read " : "", counts);
	return gptrim_exit_worst(code, GPTRIM_EXIT_NOT_GPT);
}

/* An --undo boot that puts back (or, in a report, would put back) no disk
 * did not do what it was booted for: exit 4, not "healthy". */
static enum gptrim_exit undone_somewhere(const struct run *r,
					 const struct gptrim_options *o,
					 enum gptrim_exit code)
{
	if (!o->undo || code >= GPTRIM_EXIT_REFUSED)
		return code;
	for (UINTN i = 0; i < r->count; i++)
		if (options_disk_selected(o, r->disks[i].number) &&
		    (r->res[i].restored ||
		     r->res[i].exit == GPTRIM_EXIT_PENDING))
			return code;
	con_line(REPORT_INFO, "%s", "");
	report_line(&console_sink, REPORT_ERROR, "--undo: no disk %s undone: "
		    "none has a gptrim backup on its ESP that this undo can "
		    "put back (each disk says why above)",
		    o->apply ? "was" : "would be");
	return GPTRIM_EXIT_REFUSED;
}

/* --disk numbers exist (before anything is written). */
static bool disks_exist(const struct gptrim_options *o, UINTN count)
{
	for (uint32_t i = 0; i < o->ndisks; i++) {
		if (o->disks[i] <= count)
			continue;
		con_line(REPORT_ERROR, "--disk %u: only %llu disk(s) found",
			 o->disks[i], (unsigned long long)count);
		return false;
	}
	return true;
}

static enum gptrim_exit run(EFI_HANDLE image, struct gptrim_options *o,
			    bool ask)
{
	struct run r = { 0 };
	enum gptrim_exit code;

	connect_all();
	if (disks_find(o->removable, &r.disks, &r.count) != EFI_SUCCESS)
		return GPTRIM_EXIT_IO;
	con_line(REPORT_INFO, "%llu disk(s) to look at",
		 (unsigned long long)r.count);
	if (r.count == 0) {
		/* Not a success: the VM was never looked at. */
		report_line(&console_sink, REPORT_ERROR, "the firmware shows no "
			    "fixed disk: is the disk's controller one this "
			    "firmware has no driver for, or did the boot bring "
			    "up only the CD (VMware's EFI Quick Boot)?");
		disks_free(r.disks);
		return GPTRIM_EXIT_NO_DISK;
	}
	if (!disks_exist(o, r.count)) {
		disks_free(r.disks);
		return GPTRIM_EXIT_USAGE;
	}
	if (r.count > (UINTN)-1 / sizeof(*r.res) ||
	    !(r.res = efi_alloc_zero(r.count * sizeof(*r.res)))) {
		con_line(REPORT_ERROR, "no memory for %llu disk results",
			 (unsigned long long)r.count);
		disks_free(r.disks);
		return GPTRIM_EXIT_IO;
	}
	if (o->restore_file)
		code = restore(image, &r, o);
	else if (ask)
		code = gpt_somewhere(&r, o, interactive(&r, o));
	else
		code = undone_somewhere(&r, o,
					gpt_somewhere(&r, o,
						      run_all(&r, o, false)));
	efi_free(r.res);
	disks_free(r.disks);
	return code;
}

/* gnu-efi 3.0: crt0 calls efi_main with the SysV convention, not EFIAPI. */
EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
	struct gptrim_options o;
	struct gpt_reason why;
	const char *source = "";
	enum gptrim_exit code;
	enum gpt_status st;
	bool ask;

	efi_lib_init(systab);
	/* The firmware resets the machine 5 minutes after starting a boot
	 * option; a slow disk or an unanswered question must not. */
	BS->SetWatchdogTimer(0, 0, 0, NULL);
	con_line(REPORT_INFO, "gptrim %s", GPTRIM_VERSION);
	st = args_get(image, &o, &source, &why);
	if (st != GPT_OK) {
		/* Out of memory is not a bad command line (exit 6, not 2). */
		code = gptrim_exit_for_status(st);
		con_line(REPORT_ERROR, "%s (options from %s)", why.text, source);
		if (code == GPTRIM_EXIT_USAGE)
			print_text(options_usage(OPT_FRONTEND_EFI));
		con_line(REPORT_INFO, "gptrim: exit status %u (%s)", code,
			 exit_name(code));
		return exit_status(code);
	}
	if (o.help || o.version) {
		if (o.help)
			print_text(options_usage(OPT_FRONTEND_EFI));
		else
			con_line(REPORT_INFO, "gptrim %s (commit %s)",
				 GPTRIM_VERSION, GPTRIM_COMMIT);
		return exit_status(GPTRIM_EXIT_OK);
	}
	ask = !o.any;
	if (ask)
		con_line(REPORT_INFO, "No options (%s): the report first, then "
			 "a question before any change", source);
	else
		con_line(REPORT_INFO, "Options from %s%s", source,
			 o.apply ? "" : " (report only: no --apply)");
	code = run(image, &o, ask);
	con_line(REPORT_INFO, "%s", "");
	con_line(REPORT_INFO, "gptrim: exit status %u (%s)", code,
		 exit_name(code));
	return end_run(ask ? ask_then(ANSWER_SECONDS) : o.then, code);
}
