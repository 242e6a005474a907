/* SPDX-License-Identifier: MIT */
/* Whole disks: Block I/O handles whose media is not a logical partition.
 * Read-only removable media (the CD-ROM holding gptrim) and, unless
 * --removable, removable media are skipped with a line in the report. A
 * write-protected fixed disk is kept: it gets its report, and run.c
 * refuses to change it. The disks that remain are numbered 1.. in handle
 * order: the numbers --disk N uses. */
#include "gptrim-efi.h"
#include "strbuf.h"

/* The firmware's own text (as the shell's map and the boot manager print
 * it: "PciRoot(0x0)/Pci(0x3,0x0)"), else the nodes' types in hex. */
void device_path_text(EFI_DEVICE_PATH *path, char *out, size_t cap)
{
	EFI_DEVICE_PATH_TO_TEXT_PROTOCOL *to_text;
	CHAR16 *text = NULL;

	if (path && BS->LocateProtocol(&DevicePathToTextProtocol, NULL,
				       (void **)&to_text) == EFI_SUCCESS)
		text = to_text->ConvertDevicePathToText(path, FALSE, FALSE);
	if (!text) {
		efi_path_nodes_text(path, out, cap);
		return;
	}
	utf16le_to_utf8(text, str16_len(text), out, cap, 0);
	efi_free(text);
}

/* Why a whole-disk Block I/O handle is not one of ours, or NULL. */
static const char *skip_reason(const EFI_BLOCK_IO_MEDIA *m, bool removable)
{
	if (!m->MediaPresent)
		return "no medium";
	if (m->ReadOnly && m->RemovableMedia)
		return "read-only removable medium (CD/DVD)";
	if (m->RemovableMedia && !removable)
		return "removable medium (--removable includes it)";
	return NULL;
}

EFI_STATUS disks_find(bool removable, struct efi_disk **disks, UINTN *count)
{
	EFI_HANDLE *handles;
	struct efi_disk *list;
	UINTN n, found = 0;
	EFI_STATUS err;

	*disks = NULL;
	*count = 0;
	err = locate_handles(ByProtocol, &BlockIoProtocol, &n, &handles);
	if (err == EFI_NOT_FOUND)
		return EFI_SUCCESS;
	if (err != EFI_SUCCESS) {
		con_line(REPORT_ERROR, "listing Block I/O handles: %s",
			 efi_status_text(err));
		return err;
	}
	if (n > (UINTN)-1 / sizeof(*list)) {
		BS->FreePool(handles);
		return EFI_OUT_OF_RESOURCES;
	}
	list = efi_alloc_zero(n * sizeof(*list));
	if (!list) {
		BS->FreePool(handles);
		con_line(REPORT_ERROR, "no memory for %llu disks",
			 (unsigned long long)n);
		return EFI_OUT_OF_RESOURCES;
	}
	for (UINTN i = 0; i < n; i++) {
		struct efi_disk *d = &list[found];
		EFI_BLOCK_IO *bio;
		const char *why;

		if (BS->HandleProtocol(handles[i], &BlockIoProtocol,
				       (void **)&bio) != EFI_SUCCESS ||
		    !bio || !bio->Media || bio->Media->LogicalPartition)
			continue;
		d->handle = handles[i];
		d->bio = bio;
		d->path = efi_handle_path(handles[i]);
		device_path_text(d->path, d->name, sizeof(d->name));
		why = skip_reason(bio->Media, removable);
		if (why) {
			con_line(REPORT_INFO, "skipped %s: %s", d->name, why);
			mem_zero(d, sizeof(*d));
			continue;
		}
		d->number = (uint32_t)(found + 1);
		found++;
	}
	BS->FreePool(handles);
	*disks = list;
	*count = found;
	return EFI_SUCCESS;
}

void disks_free(struct efi_disk *disks)
{
	if (disks)
		efi_free(disks);
}
