/* SPDX-License-Identifier: MIT */
/* OVMF (like many firmwares on a fast boot path) connects only the boot
 * device. Connect every handle that has a device path, recursively, so
 * that every disk controller's driver runs and every disk gets Block I/O. */
#include "gptrim-efi.h"

#define LOCATE_TRIES 3

/* LocateHandleBuffer, tried again when it fails for a transient reason
 * (the handle database can change between its size query and its copy). */
EFI_STATUS locate_handles(EFI_LOCATE_SEARCH_TYPE type, EFI_GUID *protocol,
			  UINTN *count, EFI_HANDLE **handles)
{
	EFI_STATUS err = EFI_NOT_FOUND;

	for (int i = 0; i < LOCATE_TRIES; i++) {
		*count = 0;
		*handles = NULL;
		err = BS->LocateHandleBuffer(type, protocol, NULL, count,
					     handles);
		if (err == EFI_SUCCESS || err == EFI_NOT_FOUND)
			return err;
		BS->Stall(10 * 1000);
	}
	return err;
}

void connect_all(void)
{
	EFI_HANDLE *handles;
	UINTN count;
	EFI_STATUS err;

	err = locate_handles(AllHandles, NULL, &count, &handles);
	if (err != EFI_SUCCESS) {
		con_line(REPORT_WARN,
			 "listing handles to connect drivers: %s",
			 efi_status_text(err));
		return;
	}
	for (UINTN i = 0; i < count; i++) {
		void *path;

		if (BS->HandleProtocol(handles[i], &DevicePathProtocol,
				       &path) != EFI_SUCCESS)
			continue;
		/* Most handles have no driver left to start: not an error. */
		BS->ConnectController(handles[i], NULL, NULL, TRUE);
	}
	BS->FreePool(handles);
}
