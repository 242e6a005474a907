/* SPDX-License-Identifier: MIT */
/* The floor of the scale benchmark (make bench): what the firmware spends
 * to connect every disk's driver, as gptrim's connect_all() asks it to
 * (efi/connect.c), and nothing else; then it powers off. Built like
 * gptrim.efi (no libefi: efi/lib.c says why). */
#include <efi.h>

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st);

static EFI_GUID device_path_guid = EFI_DEVICE_PATH_PROTOCOL_GUID;
static EFI_GUID block_io_guid = EFI_BLOCK_IO_PROTOCOL_GUID;

/* "connect: N Block I/O handles, power off" without a printf. */
static void print_count(SIMPLE_TEXT_OUTPUT_INTERFACE *out, UINTN n)
{
	CHAR16 digits[24];
	UINTN i = sizeof(digits) / sizeof(digits[0]);

	digits[--i] = 0;
	do {
		digits[--i] = (CHAR16)(L'0' + n % 10);
		n /= 10;
	} while (n && i > 0);
	out->OutputString(out, L"connect: ");
	out->OutputString(out, &digits[i]);
	out->OutputString(out, L" Block I/O handles, power off\r\n");
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st)
{
	EFI_BOOT_SERVICES *bs = st->BootServices;
	EFI_HANDLE *h = NULL;
	UINTN n = 0, disks = 0;
	void *p;

	(void)image;
	if (bs->LocateHandleBuffer(AllHandles, NULL, NULL, &n, &h) == EFI_SUCCESS) {
		for (UINTN i = 0; i < n; i++)
			if (bs->HandleProtocol(h[i], &device_path_guid, &p) == EFI_SUCCESS)
				bs->ConnectController(h[i], NULL, NULL, TRUE);
		bs->FreePool(h);
	}
	if (bs->LocateHandleBuffer(ByProtocol, &block_io_guid, NULL, &n, &h) == EFI_SUCCESS) {
		disks = n;
		bs->FreePool(h);
	}
	print_count(st->ConOut, disks);
	st->RuntimeServices->ResetSystem(EfiResetShutdown, EFI_SUCCESS, 0, NULL);
	return EFI_SUCCESS;
}
