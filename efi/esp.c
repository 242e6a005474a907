/* SPDX-License-Identifier: MIT */
/* The disk's own EFI system partition: where the GPT backup goes before the
 * first write (\EFI\gptrim\<DISK-GUID>.gpt, never overwritten: the next
 * one is .1, .2, ..., see backups.c) and where a dated line per changed disk is
 * appended to \EFI\gptrim\gptrim.log. The file system writes inside the
 * ESP's data area, never in the GPT areas the core is about to change. */
#include "gptrim-efi.h"
#include "guid.h"
#include "strbuf.h"

#define GPTRIM_DIR L"\\EFI\\gptrim"
#define LOG_NAME L"\\EFI\\gptrim\\gptrim.log"
#define NAME_UNITS 96

EFI_STATUS esp_root(struct efi_disk *d, EFI_FILE_HANDLE *root,
		    uint32_t *partition)
{
	struct fw_parts *parts = efi_alloc(sizeof(*parts));
	EFI_FILE_IO_INTERFACE *fs;
	EFI_STATUS err;

	if (!parts)
		return EFI_OUT_OF_RESOURCES;
	err = fw_partitions(d, parts);
	if (err == EFI_SUCCESS)
		err = EFI_NOT_FOUND;
	for (uint32_t i = 0; i < parts->count && err == EFI_NOT_FOUND; i++) {
		if (!parts->p[i].esp)
			continue;
		err = BS->HandleProtocol(parts->p[i].handle, &FileSystemProtocol,
					 (void **)&fs);
		if (err != EFI_SUCCESS) {
			err = EFI_NOT_FOUND; /* not FAT-formatted: try another */
			continue;
		}
		err = fs->OpenVolume(fs, root);
		*partition = parts->p[i].number;
	}
	efi_free(parts);
	return err;
}

static const CHAR16 *const backup_dirs[] = { L"\\EFI", GPTRIM_DIR };
#define BACKUP_DIRS (sizeof(backup_dirs) / sizeof(backup_dirs[0]))

/* Create \EFI and \EFI\gptrim where missing; bit i of *created says that
 * backup_dirs[i] was made here (undo_dirs removes those again). */
static EFI_STATUS make_dirs(EFI_FILE_HANDLE root, unsigned *created)
{
	EFI_FILE_HANDLE dir;
	EFI_STATUS err;

	*created = 0;
	for (UINTN i = 0; i < BACKUP_DIRS; i++) {
		CHAR16 *path = (CHAR16 *)backup_dirs[i];

		err = root->Open(root, &dir, path, EFI_FILE_MODE_READ, 0);
		if (err == EFI_NOT_FOUND) {
			err = root->Open(root, &dir, path,
					 EFI_FILE_MODE_CREATE |
						 EFI_FILE_MODE_READ |
						 EFI_FILE_MODE_WRITE,
					 EFI_FILE_DIRECTORY);
			if (err == EFI_SUCCESS)
				*created |= 1u << i;
		}
		if (err != EFI_SUCCESS)
			return err;
		dir->Close(dir);
	}
	return EFI_SUCCESS;
}

/* Remove what make_dirs created, innermost first: a disk whose backup
 * failed is not changed, its ESP included. Best effort (Delete closes). */
static void undo_dirs(EFI_FILE_HANDLE root, unsigned created)
{
	EFI_FILE_HANDLE dir;

	for (UINTN i = BACKUP_DIRS; i-- > 0;)
		if ((created & (1u << i)) &&
		    root->Open(root, &dir, (CHAR16 *)backup_dirs[i],
			       EFI_FILE_MODE_READ | EFI_FILE_MODE_WRITE,
			       0) == EFI_SUCCESS)
			dir->Delete(dir);
}

static EFI_STATUS file_write_all(EFI_FILE_HANDLE f, const void *data, size_t len)
{
	const uint8_t *p = data;
	EFI_STATUS err;

	while (len > 0) {
		UINTN n = len;

		err = f->Write(f, &n, (void *)p);
		if (err != EFI_SUCCESS)
			return err;
		if (n == 0 || n > len)
			return EFI_VOLUME_FULL;
		p += n;
		len -= n;
	}
	return f->Flush(f);
}

/* Create the next backup of disk g: one number above the newest there is
 * (backups.c), never over an existing file. Always a new file, where the
 * host tool keeps a newest one of the same bytes (host/backup_file.c):
 * the host's backups live outside the image, so an image copied back and
 * run again saves the same table again; these live on the disk they back
 * up, and a disk put back to an earlier table (a snapshot, a copied image)
 * brings its ESP back with it. Here the same table twice means an earlier
 * run saved and then did not change the GPT, and that run's log line
 * names its own file. --undo takes the same table either way. */
static EFI_STATUS create_new(EFI_FILE_HANDLE root, const struct gpt_guid *g,
			     EFI_FILE_HANDLE *f, char *name, size_t cap)
{
	int k = backup_newest(root, g) + 1;
	CHAR16 wide[NAME_UNITS];
	EFI_STATUS err;

	backup_name(g, (unsigned)k, name, cap);
	if (k >= BACKUP_VERSIONS)
		return EFI_ACCESS_DENIED;
	utf8_to_utf16le(name, wide, NAME_UNITS);
	err = root->Open(root, f, wide, EFI_FILE_MODE_READ, 0);
	if (err == EFI_SUCCESS) {
		/* Not one of our names a moment ago: leave it alone. */
		(*f)->Close(*f);
		return EFI_ACCESS_DENIED;
	}
	if (err != EFI_NOT_FOUND)
		return err;
	return root->Open(root, f, wide,
			  EFI_FILE_MODE_CREATE | EFI_FILE_MODE_READ |
				  EFI_FILE_MODE_WRITE,
			  0);
}

/* Read file name back (at most len + 1 bytes, to see one too many) and
 * compare: EFI_CRC_ERROR when it differs from data. */
static EFI_STATUS read_back(EFI_FILE_HANDLE root, const char *name,
			    const uint8_t *data, size_t len)
{
	CHAR16 wide[NAME_UNITS];
	uint8_t *got = NULL;
	size_t got_len = 0;
	EFI_STATUS err;

	utf8_to_utf16le(name, wide, NAME_UNITS);
	err = file_read_root(root, wide, len + 1, &got, &got_len);
	if (err != EFI_SUCCESS)
		return err;
	if (got_len != len || mem_compare(got, data, len) != 0)
		err = EFI_CRC_ERROR;
	efi_free(got);
	return err;
}

/* Delete file name (best effort). */
static void remove_file(EFI_FILE_HANDLE root, const char *name)
{
	CHAR16 wide[NAME_UNITS];
	EFI_FILE_HANDLE f;

	utf8_to_utf16le(name, wide, NAME_UNITS);
	if (root->Open(root, &f, wide, EFI_FILE_MODE_READ | EFI_FILE_MODE_WRITE,
		       0) == EFI_SUCCESS)
		f->Delete(f);
}

enum gpt_status esp_save_backup(void *ctx, const struct gpt_guid *disk,
				const uint8_t *data, size_t len,
				struct gpt_reason *why)
{
	struct esp_ctx *c = ctx;
	struct efi_disk *d = c->disk;
	EFI_FILE_HANDLE root, f;
	uint32_t partition = 0;
	char name[NAME_UNITS];
	struct strbuf sb;
	const char *what, *target;
	unsigned created;
	EFI_STATUS err;

	c->saved[0] = '\0';
	err = esp_root(d, &root, &partition);
	if (err == EFI_NOT_FOUND)
		return gpt_fail(why, GPT_E_IO,
				"no FAT EFI system partition on disk %u to "
				"hold the backup (--no-backup skips it)",
				d->number);
	if (err != EFI_SUCCESS)
		return gpt_fail(why, GPT_E_IO,
				"saving the GPT backup: opening the EFI system "
				"partition of disk %u: %s",
				d->number, efi_status_text(err));
	/* Each step names what it does and to what; a failure of any of
	 * them removes what the save created and says which step failed. */
	what = "creating";
	target = "\\EFI\\gptrim";
	err = make_dirs(root, &created);
	if (err != EFI_SUCCESS)
		goto fail;
	target = name;
	err = create_new(root, disk, &f, name, sizeof(name));
	if (err != EFI_SUCCESS)
		goto fail;
	what = "writing";
	err = file_write_all(f, data, len);
	if (err != EFI_SUCCESS) {
		f->Delete(f); /* closes it; a partial backup is worse */
		goto fail;
	}
	f->Close(f);
	/* The file system may sit on this very disk: make the backup durable
	 * before the core's first write to the GPT areas, then read it back:
	 * a backup that does not hold what was written is no backup. */
	what = "flushing the disk after writing";
	err = d->bio->FlushBlocks(d->bio);
	if (err == EFI_SUCCESS) {
		what = "reading back";
		err = read_back(root, name, data, len);
	}
	if (err != EFI_SUCCESS) {
		remove_file(root, name);
		goto fail;
	}
	root->Close(root);
	sb_init(&sb, c->saved, sizeof(c->saved));
	sb_puts(&sb, name);
	con_line(REPORT_NOTE, "  Saved the GPT (%zu bytes) on the ESP, "
		 "partition %u:", len, partition);
	con_line(REPORT_NOTE, "    %s", name);
	return GPT_OK;

fail:
	undo_dirs(root, created);
	root->Close(root);
	return gpt_fail(why, GPT_E_IO, "saving the GPT backup: %s %s on "
			"partition %u: %s", what, target, partition,
			err == EFI_CRC_ERROR ? "it differs from what was "
			"written" : efi_status_text(err));
}

static void format_time(char *out, size_t cap)
{
	struct strbuf sb;
	EFI_TIME t;

	sb_init(&sb, out, cap);
	if (RT->GetTime(&t, NULL) != EFI_SUCCESS) {
		sb_puts(&sb, "(no clock)");
		return;
	}
	/* The firmware clock, as the RTC keeps it (often local time). */
	sb_printf(&sb, "%04u-%02u-%02u %02u:%02u:%02u", t.Year, t.Month,
		  t.Day, t.Hour, t.Minute, t.Second);
}

EFI_STATUS esp_log(struct efi_disk *d, const char *text)
{
	char line[REPORT_LINE_MAX + 64], when[40];
	EFI_FILE_HANDLE root, f;
	uint32_t partition = 0;
	unsigned created;
	struct strbuf sb;
	EFI_STATUS err;

	err = esp_root(d, &root, &partition);
	if (err != EFI_SUCCESS)
		return err;
	err = make_dirs(root, &created);
	if (err == EFI_SUCCESS)
		err = root->Open(root, &f, LOG_NAME,
				 EFI_FILE_MODE_CREATE | EFI_FILE_MODE_READ |
					 EFI_FILE_MODE_WRITE,
				 0);
	if (err != EFI_SUCCESS) {
		root->Close(root);
		return err;
	}
	format_time(when, sizeof(when));
	sb_init(&sb, line, sizeof(line));
	sb_printf(&sb, "%s %s\r\n", when, text);
	/* Position 0xFFFFFFFFFFFFFFFF is the end of the file. */
	err = f->SetPosition(f, (UINT64)-1);
	if (err == EFI_SUCCESS)
		err = file_write_all(f, line, sb.len);
	f->Close(f);
	root->Close(root);
	return err;
}

EFI_STATUS esp_read_file(struct efi_disk *d, const char *path, size_t max,
			 uint8_t **data, size_t *len)
{
	CHAR16 wide[NAME_UNITS * 2];
	EFI_FILE_HANDLE root;
	uint32_t partition = 0;
	EFI_STATUS err;

	err = esp_root(d, &root, &partition);
	if (err != EFI_SUCCESS)
		return err;
	utf8_to_utf16le(path, wide, sizeof(wide) / sizeof(wide[0]));
	for (CHAR16 *p = wide; *p; p++)
		if (*p == '/')
			*p = '\\';
	err = file_read_root(root, wide, max, data, len);
	root->Close(root);
	return err;
}
