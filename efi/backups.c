/* SPDX-License-Identifier: MIT */
/* gptrim's backups on a disk's ESP: \EFI\gptrim\<DISK-GUID>.gpt, then
 * <DISK-GUID>.1.gpt, .2.gpt ... The highest number is the newest: a new
 * backup always takes one above the highest there is (never a gap left by
 * a deleted file), as the host tool does in --backup-dir, so that --undo
 * can take the newest without a clock. */
#include "gptrim-efi.h"
#include "guid.h"
#include "strbuf.h"

#define GPTRIM_DIR L"\\EFI\\gptrim"
/* An EFI_FILE_INFO (80 bytes before its name) with the longest FAT long
 * name (255 units and the terminator) fits. */
#define DIR_ENTRY_BYTES 1024u

void backup_name(const struct gpt_guid *g, unsigned k, char *out, size_t cap)
{
	char guid[GUID_STRING_LEN + 1];
	struct strbuf sb;

	guid_format(g, guid);
	sb_init(&sb, out, cap);
	sb_printf(&sb, "\\EFI\\gptrim\\%s", guid);
	if (k > 0)
		sb_printf(&sb, ".%u", k);
	sb_puts(&sb, ".gpt");
}

/* Does name start with the ASCII text s, whatever the case (FAT does not
 * keep it reliably)? *rest receives what follows. */
static bool starts_with(const CHAR16 *name, const char *s, const CHAR16 **rest)
{
	for (; *s; s++, name++)
		if (char16_lower(*name) !=
		    char16_lower((CHAR16)(unsigned char)*s))
			return false;
	*rest = name;
	return true;
}

/* The version in a file name: 0 for GUID.gpt, k for GUID.k.gpt, -1 for
 * anything else (the log, another disk's backups). */
static int esp_version_of(const CHAR16 *name, const char *guid)
{
	const CHAR16 *r;
	int k = 0;

	if (!starts_with(name, guid, &r))
		return -1;
	if (starts_with(r, ".gpt", &r))
		return *r ? -1 : 0;
	if (*r++ != '.' || *r < '1' || *r > '9')
		return -1;
	for (; *r >= '0' && *r <= '9'; r++) {
		k = k * 10 + (*r - '0');
		if (k >= BACKUP_VERSIONS)
			return -1;
	}
	return starts_with(r, ".gpt", &r) && !*r ? k : -1;
}

int backup_newest(EFI_FILE_HANDLE root, const struct gpt_guid *g)
{
	static UINT64 entry[DIR_ENTRY_BYTES / sizeof(UINT64)];
	char guid[GUID_STRING_LEN + 1];
	EFI_FILE_HANDLE dir;
	int newest = -1;

	guid_format(g, guid);
	if (root->Open(root, &dir, GPTRIM_DIR, EFI_FILE_MODE_READ, 0) !=
	    EFI_SUCCESS)
		return -1;
	for (;;) {
		UINTN size = sizeof(entry);
		EFI_FILE_INFO *info = (EFI_FILE_INFO *)entry;
		int k;

		if (dir->Read(dir, &size, entry) != EFI_SUCCESS || size == 0)
			break;
		if (info->Attribute & EFI_FILE_DIRECTORY)
			continue;
		k = esp_version_of(info->FileName, guid);
		if (k > newest)
			newest = k;
	}
	dir->Close(dir);
	return newest;
}

enum gpt_status esp_load_backup(void *ctx, const struct gpt_guid *disk,
				uint8_t **data, size_t *len,
				struct gpt_reason *why)
{
	struct esp_ctx *c = ctx;
	struct efi_disk *d = c->disk;
	EFI_FILE_HANDLE root;
	uint32_t partition = 0;
	char name[96];
	CHAR16 wide[96];
	EFI_STATUS err;
	int k;

	*data = NULL;
	*len = 0;
	err = esp_root(d, &root, &partition);
	if (err == EFI_NOT_FOUND)
		return gpt_fail(why, GPT_E_MISMATCH, "no FAT EFI system "
				"partition on disk %u, so no backup to undo "
				"with", d->number);
	if (err != EFI_SUCCESS)
		return gpt_fail(why, GPT_E_IO, "opening the EFI system "
				"partition of disk %u: %s", d->number,
				efi_status_text(err));
	k = backup_newest(root, disk);
	if (k < 0) {
		root->Close(root);
		return gpt_fail(why, GPT_E_MISMATCH, "no gptrim backup of disk "
				"%s on its ESP (\\EFI\\gptrim): nothing to undo",
				guid_str(disk).s);
	}
	backup_name(disk, (unsigned)k, name, sizeof(name));
	utf8_to_utf16le(name, wide, sizeof(wide) / sizeof(wide[0]));
	err = file_read_root(root, wide, GPT_BACKUP_MAX_BYTES, data, len);
	root->Close(root);
	if (err != EFI_SUCCESS)
		return gpt_fail(why, err == EFI_BAD_BUFFER_SIZE ? GPT_E_LIMIT :
				err == EFI_OUT_OF_RESOURCES ? GPT_E_NOMEM :
							      GPT_E_IO,
				"reading %s on partition %u: %s", name,
				partition, efi_status_text(err));
	con_line(REPORT_INFO, "  Undo with the newest backup, partition %u:",
		 partition);
	con_line(REPORT_INFO, "    %s", name);
	return GPT_OK;
}

void esp_free_backup(void *ctx, uint8_t *data, size_t len)
{
	(void)ctx;
	(void)len;
	efi_free(data);
}
