/* SPDX-License-Identifier: MIT */
/* The floor of the scale benchmark (make bench): what the firmware spends
 * to connect every disk's driver, as gptrim's connect_all() asks it to
 * (efi/connect.c), and nothing else; then it powers off. */
#include <efi.h>
#include <efilib.h>

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st);

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st)
{
	EFI_HANDLE *h = NULL;
	UINTN n = 0, disks = 0;
	void *p;

	InitializeLib(image, st);
	if (BS->LocateHandleBuffer(AllHandles, NULL, NULL, &n, &h) == EFI_SUCCESS) {
		for (UINTN i = 0; i < n; i++)
			if (BS->HandleProtocol(h[i], &DevicePathProtocol, &p) == EFI_SUCCESS)
				BS->ConnectController(h[i], NULL, NULL, TRUE);
		BS->FreePool(h);
	}
	if (BS->LocateHandleBuffer(ByProtocol, &BlockIoProtocol, NULL, &n, &h) == EFI_SUCCESS) {
		disks = n;
		BS->FreePool(h);
	}
	Print(L"connect: %d Block I/O handles, power off\r\n", disks);
	st->RuntimeServices->ResetSystem(EfiResetShutdown, EFI_SUCCESS, 0, NULL);
	return EFI_SUCCESS;
}
