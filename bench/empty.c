/* SPDX-License-Identifier: MIT */
/* The floor of every boot timing (make bench, ovmf/e2e.sh): an empty
 * gnu-efi application, built like gptrim.efi (no libefi: efi/lib.c says
 * why), that only powers off. */
#include <efi.h>

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st);

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st)
{
	(void)image;
	st->ConOut->OutputString(st->ConOut, L"empty: power off\r\n");
	st->RuntimeServices->ResetSystem(EfiResetShutdown, EFI_SUCCESS, 0, NULL);
	return EFI_SUCCESS;
}
